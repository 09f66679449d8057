package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/bunstore"
	"github.com/anythingllm-go/anythingllm/vectordb/chromemvec"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
	"github.com/anythingllm-go/anythingllm/vectordb/memvec"
	"github.com/anythingllm-go/anythingllm/vectordb/pgvector"
	"github.com/anythingllm-go/anythingllm/vectordb/weaviate"
)

// vectorEngine is what VECTOR_DB names: an in-process index rebuilt from
// SQL at every start (mk), or an external engine that keeps its own copy
// (open).
type vectorEngine struct {
	name     string
	quantize string // the flat index's scan: "" (exact) or "binary"
	mk       func() anythingllm.VectorStore
	open     func(ctx context.Context) (anythingllm.VectorStore, error)
}

func (e *vectorEngine) external() bool { return e.open != nil }

// chooseVectorEngine reads VECTOR_DB (a value stored through update-env
// wins over the environment) and the engine's settings. Nothing is
// contacted yet.
func chooseVectorEngine(ctx context.Context, cfg *Config, store *bunstore.Store) (*vectorEngine, error) {
	get := func(name string) (string, error) {
		return anythingllm.EffectiveSetting(ctx, store.Settings(), cfg.Env, name)
	}
	kind, err := get("VECTOR_DB")
	if err != nil {
		return nil, fmt.Errorf("reading VECTOR_DB: %w", err)
	}
	switch kind {
	case "", "flat", "flatvec", "lancedb":
		// Compact: the index keeps vectors and IDs only; the k hits'
		// texts and metadata are read from the database.
		opts := &flatvec.Options{Dir: cfg.StorageDir}
		if pr, ok := store.Documents().(anythingllm.VectorPayloadReader); ok {
			opts.Payloads = pr
		}
		q, err := get("VECTOR_QUANTIZE")
		if err != nil {
			return nil, err
		}
		switch q {
		case "", "none":
		case "binary":
			opts.Quantize = flatvec.Binary
		default:
			return nil, fmt.Errorf("VECTOR_QUANTIZE=%s is not supported; use none (default: exact float32) or binary", q)
		}
		return &vectorEngine{name: "flat", quantize: opts.Quantize, mk: func() anythingllm.VectorStore { return flatvec.New(opts) }}, nil
	case "chromem":
		return &vectorEngine{name: kind, mk: func() anythingllm.VectorStore { return chromemvec.New(nil) }}, nil
	case "memory":
		return &vectorEngine{name: kind, mk: func() anythingllm.VectorStore { return memvec.New() }}, nil
	case "pgvector":
		dsn, err := get("PGVECTOR_CONNECTION_STRING")
		if err != nil {
			return nil, err
		}
		if dsn == "" && bunstore.IsPostgresDSN(cfg.DatabaseURL) {
			dsn = cfg.DatabaseURL
		}
		if dsn == "" {
			return nil, errors.New("VECTOR_DB=pgvector needs PGVECTOR_CONNECTION_STRING (or DATABASE_URL on PostgreSQL)")
		}
		table, err := get("PGVECTOR_TABLE_NAME")
		if err != nil {
			return nil, err
		}
		return &vectorEngine{name: kind, open: func(ctx context.Context) (anythingllm.VectorStore, error) {
			s, err := pgvector.Open(ctx, dsn, &pgvector.Options{Table: table})
			if err != nil {
				return nil, fmt.Errorf("VECTOR_DB=pgvector: %w", err)
			}
			return s, nil
		}}, nil
	case "weaviate":
		endpoint, err := get("WEAVIATE_ENDPOINT")
		if err != nil {
			return nil, err
		}
		key, err := get("WEAVIATE_API_KEY")
		if err != nil {
			return nil, err
		}
		if endpoint == "" {
			return nil, errors.New("VECTOR_DB=weaviate needs WEAVIATE_ENDPOINT (for example http://localhost:8080)")
		}
		return &vectorEngine{name: kind, open: func(ctx context.Context) (anythingllm.VectorStore, error) {
			s, err := weaviate.New(ctx, &weaviate.Options{Endpoint: endpoint, APIKey: key})
			if err != nil {
				return nil, fmt.Errorf("VECTOR_DB=weaviate: %w", err)
			}
			return s, nil
		}}, nil
	}
	return nil, fmt.Errorf("VECTOR_DB=%s is not supported; use flat (default), chromem, memory, pgvector or weaviate", kind)
}

// lazyEngine opens an external engine on first use and again after a
// failed open, so a server (or a CLI command that never searches) starts
// while the engine is down, as it does while the LLM is: calls answer 503
// meanwhile.
type lazyEngine struct {
	name string
	open func(ctx context.Context) (anythingllm.VectorStore, error)
	mu   sync.Mutex
	vs   anythingllm.VectorStore
}

func (l *lazyEngine) get(ctx context.Context) (anythingllm.VectorStore, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.vs != nil {
		return l.vs, nil
	}
	vs, err := l.open(ctx)
	if err != nil {
		// Whatever the cause (unreachable, or misconfigured: a bad table
		// name is the operator's, not the caller's), the request cannot be
		// served: 503, with the cause in the log.
		return nil, anythingllm.WrapError(anythingllm.Unavailable, err, "the vector database (%s) is unavailable", l.name)
	}
	l.vs = vs
	return vs, nil
}

func (l *lazyEngine) Upsert(ctx context.Context, namespace string, records []anythingllm.VectorRecord) error {
	vs, err := l.get(ctx)
	if err != nil {
		return err
	}
	return vs.Upsert(ctx, namespace, records)
}

func (l *lazyEngine) Query(ctx context.Context, namespace string, q *anythingllm.VectorQuery) ([]anythingllm.VectorMatch, error) {
	vs, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return vs.Query(ctx, namespace, q)
}

func (l *lazyEngine) DeleteDocument(ctx context.Context, namespace, docID string) error {
	vs, err := l.get(ctx)
	if err != nil {
		return err
	}
	return vs.DeleteDocument(ctx, namespace, docID)
}

func (l *lazyEngine) DeleteNamespace(ctx context.Context, namespace string) error {
	vs, err := l.get(ctx)
	if err != nil {
		return err
	}
	return vs.DeleteNamespace(ctx, namespace)
}

func (l *lazyEngine) Count(ctx context.Context, namespace string) (int, error) {
	vs, err := l.get(ctx)
	if err != nil {
		return 0, err
	}
	return vs.Count(ctx, namespace)
}

func (l *lazyEngine) Total(ctx context.Context) (int, error) {
	vs, err := l.get(ctx)
	if err != nil {
		return 0, err
	}
	return vs.Total(ctx)
}

func (l *lazyEngine) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.vs == nil {
		return nil
	}
	return l.vs.Close()
}

// externalIndex is an external engine as the App's vector store: it holds
// its own copy of the vectors, so the start-up "load" only compares its
// count with SQL's and says when a reindex is due.
type externalIndex struct {
	anythingllm.VectorStore
	name   string
	docs   anythingllm.DocumentStore
	logger *slog.Logger
}

func (x *externalIndex) Load(ctx context.Context) (int, error) {
	n, err := x.Total(ctx)
	if err != nil {
		// Not fatal: the engine is opened again on the next call.
		x.logger.Warn("the vector database is unavailable; searches and embedding answer 503 until it is back", "engine", x.name, "err", err)
		return 0, nil
	}
	stored, err := x.docs.CountVectors(ctx, 0)
	if err != nil {
		return n, err
	}
	if n != stored {
		x.logger.Warn("the vector engine and the database disagree; run `anythingllm vectors reindex` to rebuild the engine from the database",
			"engine", x.name, "engine_vectors", n, "database_vectors", stored)
	}
	return n, nil
}

func runVectors(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "reindex" {
		fs := newFlags(e, "vectors", "reindex [--batch N]", "Manage the vector engine:\n  reindex   rebuild the engine VECTOR_DB names from the vectors stored in the database")
		if err := parse(e, fs, args); err != nil {
			return err
		}
		fs.Usage()
		return errUsage
	}
	fs := newFlags(e, "vectors reindex", "[--batch N]", "Rebuild the vector engine VECTOR_DB names (pgvector or weaviate; a value set through\nupdate-env wins) from the vectors stored in the database: each workspace's namespace is\nemptied, then every stored vector is copied in, with progress on stderr. The database\nkeeps the source of truth, so this moves a library from one engine to another. Run it\nwhen nothing else writes documents (or run it again after); then restart the servers.")
	batch := fs.Int("batch", 1000, "vectors per write to the engine")
	if err := parse(e, fs, args[1:]); err != nil {
		return err
	}
	if *batch <= 0 {
		return fmt.Errorf("--batch must be positive")
	}
	cfg, st, err := configAndStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	eng, err := chooseVectorEngine(ctx, cfg, st)
	if err != nil {
		return err
	}
	if !eng.external() {
		fmt.Fprintf(e.stderr, "VECTOR_DB=%s is an in-process index: every server rebuilds it from the database at start; nothing to reindex\n", eng.name)
		return nil
	}
	dst, err := eng.open(ctx)
	if err != nil {
		return err
	}
	defer dst.Close()
	n, err := reindex(ctx, st, dst, *batch, e.stderr)
	if err != nil {
		return fmt.Errorf("reindexing into %s after %d vectors: %w", eng.name, n, err)
	}
	return nil
}

// reindex empties every workspace's namespace in dst and copies every
// stored vector into it, reporting progress to w about once a second.
func reindex(ctx context.Context, st anythingllm.Store, dst anythingllm.VectorStore, batch int, w io.Writer) (int, error) {
	start := time.Now()
	wss, err := st.Workspaces().List(ctx)
	if err != nil {
		return 0, err
	}
	for _, ws := range wss {
		if err := dst.DeleteNamespace(ctx, ws.Slug); err != nil && anythingllm.Code(err) != anythingllm.NotFound {
			return 0, fmt.Errorf("emptying %s: %w", ws.Slug, err)
		}
	}
	total, err := st.Documents().CountVectors(ctx, 0)
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(w, "reindex: %d vectors in %d workspaces\n", total, len(wss))
	var (
		done  int
		after int64
		last  = time.Now()
	)
	for {
		vs, err := st.Documents().Vectors(ctx, after, batch)
		if err != nil {
			return done, err
		}
		if len(vs) == 0 {
			break
		}
		// A page is in Seq order; consecutive rows of one namespace go in
		// one write.
		for lo := 0; lo < len(vs); {
			hi := lo + 1
			for hi < len(vs) && vs[hi].Namespace == vs[lo].Namespace {
				hi++
			}
			recs := make([]anythingllm.VectorRecord, hi-lo)
			for i := range recs {
				recs[i] = vs[lo+i].VectorRecord
			}
			if err := dst.Upsert(ctx, vs[lo].Namespace, recs); err != nil {
				return done, fmt.Errorf("writing %s: %w", vs[lo].Namespace, err)
			}
			done += len(recs)
			lo = hi
		}
		after = vs[len(vs)-1].Seq
		if time.Since(last) >= time.Second {
			last = time.Now()
			fmt.Fprintf(w, "reindex: %d/%d vectors (%d%%), %.0f/s\n", done, total, done*100/max(total, 1), float64(done)/time.Since(start).Seconds())
		}
	}
	fmt.Fprintf(w, "reindex: done, %d vectors in %s\n", done, time.Since(start).Round(time.Millisecond))
	return done, nil
}
