package anythingllm

import (
	"context"
	"time"
)

// VectorQuery asks a VectorStore for the nearest chunks.
type VectorQuery struct {
	Vector        []float32
	TopK          int      // at most this many matches; <= 0 means 4
	MinScore      float32  // drop matches with a lower similarity
	ExcludeDocIDs []string // drop matches from these documents
}

// VectorMatch is a chunk with its similarity to the query: Score is
// 1 - Distance, Distance the cosine distance (as AnythingLLM reports them).
type VectorMatch struct {
	VectorRecord
	Score    float32
	Distance float32
}

// VectorStore is a vector index with one namespace per workspace (the slug).
// It only stores and ranks; the App embeds. Implementations: vectordb/flatvec
// (default), vectordb/chromemvec, vectordb/memvec, vectordb/follow, which
// wraps any of them and follows the store's vector change log, and the
// external engines vectordb/pgvector and vectordb/weaviate; all pass
// vectordb/vectortest. Equal scores rank by ID, so every replica holding the
// same vectors answers alike.
//
// Query returns matches by descending score; fewer than TopK is not an error;
// an unknown namespace answers no matches. A vector whose length differs from
// the namespace's is ErrInvalidArgument. Count of an unknown namespace is
// ErrNotFound. Methods are safe for concurrent use.
type VectorStore interface {
	Upsert(ctx context.Context, namespace string, records []VectorRecord) error
	Query(ctx context.Context, namespace string, q *VectorQuery) ([]VectorMatch, error)
	DeleteDocument(ctx context.Context, namespace, docID string) error
	DeleteNamespace(ctx context.Context, namespace string) error
	Count(ctx context.Context, namespace string) (int, error)
	Total(ctx context.Context) (int, error)
	Close() error
}

// VectorChangeOp says what a VectorChange did to the index.
type VectorChangeOp string

// The operations of the vector change log.
const (
	// VectorUpsert: the document DocID was added to Namespace; its vectors
	// are read with DocumentStore.VectorsByDoc (none if it is gone again).
	VectorUpsert VectorChangeOp = "upsert"
	// VectorDeleteDoc: the document DocID and its vectors were removed.
	VectorDeleteDoc VectorChangeOp = "delete-doc"
	// VectorDropNamespace: the workspace Namespace and all its vectors
	// were deleted.
	VectorDropNamespace VectorChangeOp = "drop-namespace"
)

// VectorChange is one entry of the vector change log: a write that changed
// what a vector index holds, appended in the same transaction as the
// document_vectors rows it describes.
type VectorChange struct {
	Seq       int64 // increases with commit order
	Op        VectorChangeOp
	Namespace string // the workspace slug
	DocID     string // empty for VectorDropNamespace
	At        time.Time
}

// VectorChangeLog is an optional Store capability: the log of changes to
// the stored vectors, which lets every process keep its in-memory index in
// step with the database (see vectordb/follow). bunstore and memstore
// implement it.
//
// A reader that has applied every change up to position p reads on with
// VectorChanges(p, n). Entries are only ever removed by PruneVectorChanges;
// VectorChangeBounds tells whether a reader fell behind them.
type VectorChangeLog interface {
	// VectorChanges returns up to limit entries with Seq > afterSeq, in
	// Seq order (limit <= 0: all of them).
	VectorChanges(ctx context.Context, afterSeq int64, limit int) ([]VectorChange, error)
	// VectorChangeBounds reports the log's extent: every entry with
	// Seq >= oldest is still kept (a reader at position p can go on iff
	// p+1 >= oldest), and newest is the highest Seq ever written (0 for
	// an empty log that was never pruned).
	VectorChangeBounds(ctx context.Context) (oldest, newest int64, err error)
	// PruneVectorChanges removes the entries written before olderThan
	// and returns how many it removed.
	PruneVectorChanges(ctx context.Context, olderThan time.Time) (int, error)
	// WatchVectorChanges returns a channel that receives a value soon
	// after new entries are committed (by any process), until ctx ends.
	// Wake-ups may be spurious or merged, so a reader reads the log on
	// each; it also polls slowly, as a wake-up can be lost while the
	// database is unreachable.
	WatchVectorChanges(ctx context.Context) <-chan struct{}
}

// VectorLoader is an optional VectorStore capability: a store that fills
// itself from the Store (vectordb/follow does). App.LoadVectorIndex calls
// Load instead of paging the stored vectors into the index itself.
type VectorLoader interface {
	// Load (re)builds the index from the stored vectors and returns how
	// many it loaded.
	Load(ctx context.Context) (int, error)
}

// LoadStoredVectors pages every vector stored in docs into dst, reading the
// next page from SQL while it indexes the current one, and returns how many
// it loaded.
func LoadStoredVectors(ctx context.Context, docs DocumentStore, dst VectorStore) (int, error) {
	type page struct {
		vs  []StoredVector
		err error
	}
	pages := make(chan page, 2)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(pages)
		var after int64
		for {
			vs, err := docs.Vectors(lctx, after, 4000)
			if err != nil || len(vs) == 0 {
				if err != nil {
					pages <- page{err: err}
				}
				return
			}
			select {
			case pages <- page{vs: vs}:
			case <-lctx.Done():
				return
			}
			after = vs[len(vs)-1].Seq
		}
	}()
	n := 0
	for p := range pages {
		if p.err != nil {
			return n, p.err
		}
		byNS := map[string][]VectorRecord{}
		for _, v := range p.vs {
			byNS[v.Namespace] = append(byNS[v.Namespace], v.VectorRecord)
		}
		for ns, recs := range byNS {
			if err := dst.Upsert(ctx, ns, recs); err != nil {
				return n, err
			}
		}
		n += len(p.vs)
	}
	return n, nil
}

// VectorPayload is what a stored chunk carries beside its vector.
type VectorPayload struct {
	Text     string
	Metadata map[string]any
}

// VectorRef names one stored chunk: its ID and its document's DocID (the
// document narrows the lookup, so a store finds the chunk by an index).
type VectorRef struct {
	ID    string
	DocID string
}

// VectorPayloadReader is an optional DocumentStore capability: it reads the
// Text and Metadata of stored chunks, so a vector index can keep only what
// its scan needs and fill in the few matches it returns (vectordb/flatvec's
// Options.Payloads). bunstore and memstore implement it.
type VectorPayloadReader interface {
	// VectorPayloads returns the payloads of the named chunks of the
	// workspace namespace (its slug), keyed by chunk ID. Chunks it does
	// not hold, or that belong to another workspace, are absent.
	VectorPayloads(ctx context.Context, namespace string, refs []VectorRef) (map[string]VectorPayload, error)
}
