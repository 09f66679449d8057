package flatvec_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
	"github.com/anythingllm-go/anythingllm/vectordb/memvec"
	"github.com/anythingllm-go/anythingllm/vectordb/vectortest"
)

func TestConformance(t *testing.T) {
	vectortest.RunConformanceTests(t, func(t *testing.T) anythingllm.VectorStore { return flatvec.New(nil) })
}

// The parallel scan path gives the same answers as the serial one.
func TestConformanceParallel(t *testing.T) {
	vectortest.RunConformanceTests(t, func(t *testing.T) anythingllm.VectorStore {
		return flatvec.New(&flatvec.Options{Parallelism: 3, MinParallelFloats: 1})
	})
}

// payloadStore is the store a compact index reads payloads from: it
// records what is upserted through it, as the App's DocumentStore holds
// what the App indexes.
type payloadStore struct {
	anythingllm.VectorStore
	mu    sync.Mutex
	p     map[[2]string]anythingllm.VectorRecord // namespace, ID
	reads int
}

func (s *payloadStore) Upsert(ctx context.Context, ns string, recs []anythingllm.VectorRecord) error {
	s.mu.Lock()
	for _, r := range recs {
		r.Metadata = maps.Clone(r.Metadata)
		r.Vector = nil
		s.p[[2]string{ns, r.ID}] = r
	}
	s.mu.Unlock()
	return s.VectorStore.Upsert(ctx, ns, recs)
}

func (s *payloadStore) VectorPayloads(ctx context.Context, ns string, refs []anythingllm.VectorRef) (map[string]anythingllm.VectorPayload, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	out := map[string]anythingllm.VectorPayload{}
	for _, ref := range refs {
		if r, ok := s.p[[2]string{ns, ref.ID}]; ok && r.DocID == ref.DocID {
			out[ref.ID] = anythingllm.VectorPayload{Text: r.Text, Metadata: maps.Clone(r.Metadata)}
		}
	}
	return out, nil
}

// compact returns a compact index over a payload store; opts may be nil.
func compact(t *testing.T, opts *flatvec.Options) *payloadStore {
	ps := &payloadStore{p: map[[2]string]anythingllm.VectorRecord{}}
	o := flatvec.Options{}
	if opts != nil {
		o = *opts
	}
	o.Payloads = ps
	ps.VectorStore = flatvec.New(&o)
	return ps
}

func TestConformanceCompact(t *testing.T) {
	vectortest.RunConformanceTests(t, func(t *testing.T) anythingllm.VectorStore { return compact(t, nil) })
}

func TestConformanceBinary(t *testing.T) {
	dir := t.TempDir()
	vectortest.RunConformanceTests(t, func(t *testing.T) anythingllm.VectorStore {
		return compact(t, &flatvec.Options{Quantize: flatvec.Binary, Dir: dir})
	})
}

func randomRecords(seed uint64, n, dim, docs int) []anythingllm.VectorRecord {
	r := rand.New(rand.NewPCG(seed, 6))
	recs := make([]anythingllm.VectorRecord, n)
	for i := range recs {
		v := make([]float32, dim)
		for j := range v {
			v[j] = r.Float32() - 0.5
		}
		recs[i] = anythingllm.VectorRecord{ID: fmt.Sprint(i), DocID: fmt.Sprint(i % docs), Vector: v,
			Text: fmt.Sprint("chunk ", i), Metadata: map[string]any{"title": fmt.Sprint("doc ", i%docs), "n": i}}
	}
	return recs
}

func upsert(t *testing.T, s anythingllm.VectorStore, recs []anythingllm.VectorRecord) {
	t.Helper()
	for lo := 0; lo < len(recs); lo += 500 {
		if err := s.Upsert(context.Background(), "ns", recs[lo:min(lo+500, len(recs))]); err != nil {
			t.Fatal(err)
		}
	}
}

// sameMatches fails unless got and want agree in IDs, documents, scores,
// texts and metadata, rank by rank.
func sameMatches(t *testing.T, what string, got, want []anythingllm.VectorMatch) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d matches, want %d", what, len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.DocID != w.DocID || g.Text != w.Text || math.Abs(float64(g.Score-w.Score)) > 1e-5 ||
			fmt.Sprint(g.Metadata) != fmt.Sprint(w.Metadata) {
			t.Fatalf("%s rank %d: got %s/%s %q %v %v, want %s/%s %q %v %v", what, i,
				g.ID, g.DocID, g.Text, g.Score, g.Metadata, w.ID, w.DocID, w.Text, w.Score, w.Metadata)
		}
	}
}

// Deleting across block boundaries keeps results identical to the
// reference implementation, in every mode; the binary index re-ranks every
// row here (3,000 < Rerank), so it must be exact, and its file rows move as
// rows are deleted and replaced.
func TestBlocksAgreeWithReference(t *testing.T) {
	ctx := context.Background()
	modes := map[string]anythingllm.VectorStore{
		"full":    flatvec.New(nil),
		"compact": compact(t, nil),
		"binary":  compact(t, &flatvec.Options{Quantize: flatvec.Binary, Dir: t.TempDir(), Rerank: 3000}),
	}
	for name, s := range modes {
		t.Run(name, func(t *testing.T) {
			defer s.Close()
			ref := memvec.New()
			recs := randomRecords(5, 3000, 16, 7)
			for _, st := range []anythingllm.VectorStore{s, ref} {
				upsert(t, st, recs)
				if err := st.DeleteDocument(ctx, "ns", "3"); err != nil {
					t.Fatal(err)
				}
				// Replace some rows (new vectors, some moved to another document)
				// and add new ones into the freed slots.
				upsert(t, st, randomRecords(8, 1200, 16, 5)[1000:])
			}
			n1, _ := s.Count(ctx, "ns")
			n2, _ := ref.Count(ctx, "ns")
			if n1 != n2 {
				t.Fatalf("count %d vs reference %d", n1, n2)
			}
			for q := range 10 {
				qr := &anythingllm.VectorQuery{Vector: recs[q*100].Vector, TopK: 20, MinScore: -1, ExcludeDocIDs: []string{"1"}}
				got, _ := s.Query(ctx, "ns", qr)
				want, _ := ref.Query(ctx, "ns", qr)
				sameMatches(t, fmt.Sprint("query ", q), got, want)
			}
		})
	}
}

// The compact index returns what the full one does, and keeps no text.
func TestCompactMatchesFull(t *testing.T) {
	ctx := context.Background()
	full, small := flatvec.New(nil), compact(t, nil)
	defer full.Close()
	defer small.Close()
	recs := randomRecords(1, 2000, 32, 50)
	upsert(t, full, recs)
	upsert(t, small, recs)
	for q := range 20 {
		qr := &anythingllm.VectorQuery{Vector: recs[q*37].Vector, TopK: 10, MinScore: -1}
		want, err := full.Query(ctx, "ns", qr)
		if err != nil {
			t.Fatal(err)
		}
		got, err := small.Query(ctx, "ns", qr)
		if err != nil {
			t.Fatal(err)
		}
		sameMatches(t, fmt.Sprint("query ", q), got, want)
		if want[0].Text == "" || want[0].Metadata["title"] == nil {
			t.Fatal("the full index lost the payload")
		}
	}
	if small.reads != 20 {
		t.Fatalf("%d payload reads for 20 queries, want one each", small.reads)
	}
	// A payload the store no longer holds drops its match.
	top, _ := small.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: recs[0].Vector, TopK: 3, MinScore: -1})
	small.mu.Lock()
	delete(small.p, [2]string{"ns", top[0].ID})
	small.mu.Unlock()
	again, _ := small.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: recs[0].Vector, TopK: 3, MinScore: -1})
	if len(again) != 2 || again[0].ID != top[1].ID {
		t.Fatalf("after the payload went: %v, want the 2 others of %v", again, top)
	}
}

// clustered returns n vectors around k Gaussian centres (real embeddings
// are clustered) and q queries drawn the same way. The centres are
// N(common, 1) per component and each vector adds N(0, spread) noise;
// common is a vector of N(0, shared) components that all share, as real
// embeddings share a large component (unrelated texts often have a cosine
// of 0.7).
func clustered(seed uint64, n, q, dim, k int, spread, shared float64) (data, queries [][]float32) {
	r := rand.New(rand.NewPCG(seed, 99))
	common := make([]float64, dim)
	for j := range common {
		common[j] = shared * r.NormFloat64()
	}
	centres := make([][]float32, k)
	for c := range centres {
		centres[c] = make([]float32, dim)
		for j := range centres[c] {
			centres[c][j] = float32(common[j] + r.NormFloat64())
		}
	}
	draw := func() []float32 {
		c := centres[r.IntN(k)]
		v := make([]float32, dim)
		for j := range v {
			v[j] = c[j] + float32(spread*r.NormFloat64())
		}
		return v
	}
	for range n {
		data = append(data, draw())
	}
	for range q {
		queries = append(queries, draw())
	}
	return data, queries
}

// Recall@10 of the binary scan against the exact one on clustered data,
// without and with a common component (which codes relative to the mean
// of the stored vectors make up for: without them, recall was 0.61 with
// shared 4).
func TestBinaryRecall(t *testing.T) {
	if testing.Short() {
		t.Skip("20k x 128 takes about a second")
	}
	for _, shared := range []float64{0, 4} {
		t.Run(fmt.Sprint("shared", shared), func(t *testing.T) { testBinaryRecall(t, shared) })
	}
}

func testBinaryRecall(t *testing.T, shared float64) {
	ctx := context.Background()
	const n, dim = 20_000, 128
	data, queries := clustered(3, n, 100, dim, 200, 1, shared)
	recs := make([]anythingllm.VectorRecord, n)
	for i, v := range data {
		recs[i] = anythingllm.VectorRecord{ID: fmt.Sprint(i), DocID: fmt.Sprint(i / 10), Vector: v}
	}
	exact, bin := flatvec.New(nil), flatvec.New(&flatvec.Options{Quantize: flatvec.Binary, Dir: t.TempDir()})
	defer exact.Close()
	defer bin.Close()
	upsert(t, exact, recs)
	upsert(t, bin, recs)
	found, total, same := 0, 0, 0
	for i, qv := range queries {
		q := &anythingllm.VectorQuery{Vector: qv, TopK: 10, MinScore: -1}
		if i%2 == 1 {
			// The exact scan's best document is left out of both.
			top, _ := exact.Query(ctx, "ns", q)
			q.ExcludeDocIDs = []string{top[0].DocID}
		}
		want, _ := exact.Query(ctx, "ns", q)
		got, _ := bin.Query(ctx, "ns", q)
		ids := map[string]bool{}
		for _, m := range got {
			ids[m.ID] = true
			if slices.Contains(q.ExcludeDocIDs, m.DocID) {
				t.Fatalf("query %d: excluded document %s matched", i, m.DocID)
			}
		}
		hit := 0
		for _, m := range want {
			if ids[m.ID] {
				hit++
			}
		}
		found, total = found+hit, total+len(want)
		if hit == len(want) {
			// Every true match was a candidate: the answer is the exact one.
			sameMatches(t, fmt.Sprint("query ", i), got, want)
			same++
		}
	}
	recall := float64(found) / float64(total)
	t.Logf("recall@10 = %.4f; %d of %d result lists identical", recall, same, len(queries))
	if recall < 0.99 {
		t.Fatalf("recall@10 = %.4f, want >= 0.99", recall)
	}
}

// openFlatvecFiles lists this process's open files named like the index's.
func openFlatvecFiles(t *testing.T, dir string) int {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	n := 0
	for _, fd := range fds {
		if l, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && strings.HasPrefix(l, dir) {
			n++
		}
	}
	return n
}

// The vector file is never left in Dir, and Close and DeleteNamespace
// release it.
func TestBinaryFileReleased(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("inspects /proc/self/fd")
	}
	ctx := context.Background()
	dir := t.TempDir()
	s := flatvec.New(&flatvec.Options{Quantize: flatvec.Binary, Dir: dir})
	recs := randomRecords(2, 3000, 64, 10)
	upsert(t, s, recs)
	if err := s.Upsert(ctx, "other", recs[:10]); err != nil {
		t.Fatal(err)
	}
	if got := openFlatvecFiles(t, dir); got != 2 {
		t.Fatalf("%d vector files open, want 2 (one per namespace)", got)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("files left in Dir: %v", left)
	}
	if err := s.DeleteNamespace(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	if got := openFlatvecFiles(t, dir); got != 1 {
		t.Fatalf("%d vector files open after DeleteNamespace, want 1", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := openFlatvecFiles(t, dir); got != 0 {
		t.Fatalf("%d vector files open after Close", got)
	}
}

func TestUnknownQuantize(t *testing.T) {
	s := flatvec.New(&flatvec.Options{Quantize: "int4"})
	err := s.Upsert(context.Background(), "ns", randomRecords(1, 1, 4, 1))
	if !errors.Is(err, anythingllm.ErrInvalidArgument) {
		t.Fatalf("err = %v, want InvalidArgument", err)
	}
}

// After deletes (rows moved into the holes, file slots reused) and
// replacements, every row's code and file vector still belong to it: with
// Rerank 1 only rows whose code equals the query's are re-ranked, so each
// stored vector must find itself, scored exactly.
func TestBinaryRowsFollowMoves(t *testing.T) {
	ctx := context.Background()
	s := flatvec.New(&flatvec.Options{Quantize: flatvec.Binary, Dir: t.TempDir(), Rerank: 1, Parallelism: 2, MinParallelFloats: 1})
	defer s.Close()
	recs := randomRecords(5, 3000, 100, 7)
	upsert(t, s, recs)
	for _, d := range []string{"3", "0"} {
		if err := s.DeleteDocument(ctx, "ns", d); err != nil {
			t.Fatal(err)
		}
	}
	repl := randomRecords(8, 2500, 100, 5)[2000:] // IDs 2000-2499: new vectors and documents
	upsert(t, s, repl)
	live := map[string][]float32{}
	for _, r := range recs {
		if r.DocID != "3" && r.DocID != "0" {
			live[r.ID] = r.Vector
		}
	}
	for _, r := range repl {
		live[r.ID] = r.Vector
	}
	if n, _ := s.Count(ctx, "ns"); n != len(live) {
		t.Fatalf("count %d, want %d", n, len(live))
	}
	for id, v := range live {
		ms, err := s.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: v, TopK: 1, MinScore: -1})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 1 || ms[0].ID != id || math.Abs(float64(ms[0].Score-1)) > 1e-5 {
			t.Fatalf("row %s found %v", id, ms)
		}
	}
}
