package anythingllm_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllmtest"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/bunstore/bunstoretest"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
)

// countingEmbedder returns a fixed vector and counts texts: a zero-cost
// embedder for benchmarks measuring everything else (tests use
// anythingllmtest.Embedder).
type countingEmbedder struct{ calls, texts atomic.Int64 }

func (c *countingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	c.calls.Add(1)
	c.texts.Add(int64(len(texts)))
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = []float32{1, float32(i%7) + 1, 3, 4}
	}
	return out, nil
}

func (c *countingEmbedder) Dimensions() int { return 4 }

func newIngestApp(t testing.TB, store anythingllm.Store, emb anythingllm.Embedder, batch int) *anythingllm.App {
	app, err := anythingllm.New(anythingllm.Deps{Store: store, Blobs: blobstore.NewMemory(), Vectors: flatvec.New(nil), Embedder: emb},
		&anythingllm.Options{EmbedBatchSize: batch})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.CreateWorkspace(context.Background(), &anythingllm.WorkspaceSettings{Name: new("ingest")}); err != nil {
		t.Fatal(err)
	}
	return app
}

func bigText(chunks int) string {
	var b strings.Builder
	for i := range chunks {
		fmt.Fprintf(&b, "%s\n\n", strings.Repeat(fmt.Sprintf("sentence %d of the corpus ", i), 40)[:900])
	}
	return b.String()
}

// The embedder is called ceil(chunks / batch size) times.
func TestEmbedderCallsAreBatched(t *testing.T) {
	emb := anythingllmtest.NewEmbedder(4)
	app := newIngestApp(t, memstore.New(), emb, 7)
	docs, err := app.UploadDocument(context.Background(), &anythingllm.UploadRequest{FileName: "big.txt", Body: strings.NewReader(bigText(50)), AddToWorkspaces: []string{"ingest"}})
	if err != nil {
		t.Fatal(err)
	}
	chunks := emb.Texts()
	if chunks < 50 {
		t.Fatalf("only %d chunks embedded", chunks)
	}
	if want := (chunks + 6) / 7; emb.Calls() != want {
		t.Fatalf("%d chunks took %d embedder calls, want ceil(%d/7) = %d", chunks, emb.Calls(), chunks, want)
	}
	if n, _ := app.VectorCount(context.Background()); n != chunks || len(docs) != 1 {
		t.Fatalf("stored %d vectors for %d chunks", n, chunks)
	}
}

// BenchmarkIngest measures parse, split, embed (zero-cost) and store in
// memory, in chunks per second.
func BenchmarkIngest(b *testing.B) {
	emb := &countingEmbedder{}
	app := newIngestApp(b, memstore.New(), emb, 500)
	text := bigText(1000)
	b.ResetTimer()
	for i := range b.N {
		if _, err := app.UploadDocument(context.Background(), &anythingllm.UploadRequest{FileName: fmt.Sprintf("d%d.txt", i), Body: strings.NewReader(text), AddToWorkspaces: []string{"ingest"}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(emb.texts.Load())/b.Elapsed().Seconds(), "chunks/s")
}

// BenchmarkIngestSQLite is BenchmarkIngest with vectors stored in SQLite.
func BenchmarkIngestSQLite(b *testing.B) {
	emb := &countingEmbedder{}
	app := newIngestApp(b, bunstoretest.SQLite(b), emb, 500)
	text := bigText(1000)
	b.ResetTimer()
	for i := range b.N {
		if _, err := app.UploadDocument(context.Background(), &anythingllm.UploadRequest{FileName: fmt.Sprintf("d%d.txt", i), Body: strings.NewReader(text), AddToWorkspaces: []string{"ingest"}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(emb.texts.Load())/b.Elapsed().Seconds(), "chunks/s")
}

func TestEmbedRetriesAndCache(t *testing.T) {
	ctx := context.Background()
	rateLimited := anythingllm.Errorf(anythingllm.RateLimited, "slow down")
	emb := anythingllmtest.NewEmbedder(4).Fail(rateLimited, rateLimited)
	app, err := anythingllm.New(anythingllm.Deps{Store: memstore.New(), Blobs: blobstore.NewMemory(), Vectors: flatvec.New(nil), Embedder: emb},
		&anythingllm.Options{EmbedBatchSize: 10, RetryDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"one", "two"} {
		if _, err := app.CreateWorkspace(ctx, &anythingllm.WorkspaceSettings{Name: new(n)}); err != nil {
			t.Fatal(err)
		}
	}
	docs, err := app.UploadDocument(ctx, &anythingllm.UploadRequest{FileName: "a.txt", Body: strings.NewReader(bigText(25)), AddToWorkspaces: []string{"one"}})
	if err != nil {
		t.Fatalf("two rate-limited calls were not retried: %v", err)
	}
	first := emb.Texts()
	if _, err := app.UpdateEmbeddings(ctx, "two", []string{docs[0].Location}, nil); err != nil {
		t.Fatal(err)
	}
	if emb.Texts() != first {
		t.Fatalf("unchanged text was embedded again: %d then %d texts", first, emb.Texts())
	}
	if n, _ := app.VectorCount(ctx); n != 2*first {
		t.Fatalf("vectors = %d, want %d", n, 2*first)
	}
	for range 10 {
		emb.Fail(rateLimited)
	}
	if _, err := app.UploadDocument(ctx, &anythingllm.UploadRequest{FileName: "b.txt", Body: strings.NewReader("fresh text"), AddToWorkspaces: []string{"one"}}); !errors.Is(err, anythingllm.ErrRateLimited) {
		t.Fatalf("persistent rate limit: %v", err)
	}
}
