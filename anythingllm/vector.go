package anythingllm

import "context"

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
// (default), vectordb/chromemvec, vectordb/memvec; all pass vectordb/vectortest.
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
