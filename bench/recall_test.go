package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/bench/internal/benchdata"
	"github.com/anythingllm-go/anythingllm/providers/native"
	"github.com/anythingllm-go/anythingllm/vectordb/chromemvec"
)

// recallSet is a dataset for recall@10: rows, queries and, per query, the
// ids of the exact top 10 computed here by brute force in float64.
type recallSet struct {
	dim     int
	rows    []float32
	queries [][]float32
	truth   [][]string
}

func cosine(a, b []float32) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return d / math.Sqrt(na*nb)
}

func newRecallSet(rows []float32, dim int, queries [][]float32) *recallSet {
	s := &recallSet{dim: dim, rows: rows, queries: queries}
	n := len(rows) / dim
	type hit struct {
		id    int
		score float64
	}
	for _, q := range queries {
		hits := make([]hit, n)
		for i := range n {
			hits[i] = hit{i, cosine(q, rows[i*dim:(i+1)*dim])}
		}
		slices.SortFunc(hits, func(a, b hit) int {
			if a.score != b.score {
				if a.score > b.score {
					return -1
				}
				return 1
			}
			return a.id - b.id
		})
		ids := make([]string, 10)
		for i := range ids {
			ids[i] = fmt.Sprint(hits[i].id)
		}
		s.truth = append(s.truth, ids)
	}
	return s
}

// clusteredSet: unit vectors around Gaussian cluster centres.
func clusteredSet() *recallSet {
	size, k, nq := benchdata.Size{Rows: 100_000, Dim: 1536}, 1000, 50
	if smoke {
		size, k, nq = benchdata.Size{Rows: 2000, Dim: 384}, 20, 10
	}
	rows, qs := benchdata.Clustered(size, k, nq)
	queries := make([][]float32, nq)
	for i := range queries {
		queries[i] = qs[i*size.Dim : (i+1)*size.Dim]
	}
	return newRecallSet(rows, size.Dim, queries)
}

// textSet: sentences made from the words of the repository's Markdown
// files, embedded by the native embedder; each query is a sentence of the
// set with two of its words replaced, so it has real near neighbours.
func textSet(b *testing.B) *recallSet {
	var words []string
	for _, f := range []string{"../README.md", "../docs/compatibility.md", "../SECURITY.md"} {
		data, err := os.ReadFile(filepath.Clean(f))
		if err != nil {
			b.Fatal(err)
		}
		for w := range strings.FieldsSeq(string(data)) {
			w = strings.Trim(strings.ToLower(w), "`*_()[]{}.,;:!?\"'|#<>-=/")
			if len(w) > 2 {
				words = append(words, w)
			}
		}
	}
	n, nq := 20_000, 50
	if smoke {
		n, nq = 1000, 10
	}
	r := rand.New(rand.NewPCG(3, 4))
	sentence := func() []string {
		s := make([]string, 8+r.IntN(8))
		for i := range s {
			s[i] = words[r.IntN(len(words))]
		}
		return s
	}
	texts := make([]string, n)
	for i := range texts {
		texts[i] = strings.Join(sentence(), " ")
	}
	qtexts := make([]string, nq)
	for i := range qtexts {
		ws := strings.Fields(texts[r.IntN(n)])
		ws[r.IntN(len(ws))] = words[r.IntN(len(words))]
		ws[r.IntN(len(ws))] = words[r.IntN(len(words))]
		qtexts[i] = strings.Join(ws, " ")
	}
	emb := native.New()
	ctx := context.Background()
	vecs, err := emb.Embed(ctx, texts)
	if err != nil {
		b.Fatal(err)
	}
	qv, err := emb.Embed(ctx, qtexts)
	if err != nil {
		b.Fatal(err)
	}
	dim := emb.Dimensions()
	rows := make([]float32, 0, n*dim)
	for _, v := range vecs {
		rows = append(rows, v...)
	}
	return newRecallSet(rows, dim, qv)
}

// anyPayload has an (empty) payload for every chunk.
type anyPayload struct{}

func (anyPayload) VectorPayloads(ctx context.Context, ns string, refs []anythingllm.VectorRef) (map[string]anythingllm.VectorPayload, error) {
	out := make(map[string]anythingllm.VectorPayload, len(refs))
	for _, r := range refs {
		out[r.ID] = anythingllm.VectorPayload{}
	}
	return out, nil
}

// BenchmarkRecall: recall@10 of every index mode against exact search
// (brute force in float64, here) on clustered vectors and on real text
// embedded by the native embedder. Exact modes must score 1 (ties aside);
// the quantized modes added to indexModes report what they lose. chromem
// (exact too) is the cross-check.
func BenchmarkRecall(b *testing.B) {
	ctx := context.Background()
	sets := []struct {
		name string
		make func(*testing.B) *recallSet
	}{
		{"clustered", func(*testing.B) *recallSet { return clusteredSet() }},
		{"text", textSet},
	}
	type mode struct {
		name string
		make func() anythingllm.VectorStore
	}
	modes := []mode{{"chromem", func() anythingllm.VectorStore { return chromemvec.New(nil) }}}
	for _, m := range indexModes {
		// Recall depends on the scan only: the hits' texts come from a
		// reader that has them all (empty).
		modes = append(modes, mode{m.name, func() anythingllm.VectorStore { return m.make(anyPayload{}) }})
	}
	for _, set := range sets {
		b.Run(set.name, func(b *testing.B) {
			data := set.make(b)
			n := len(data.rows) / data.dim
			for _, m := range modes {
				b.Run(m.name, func(b *testing.B) {
					idx := m.make()
					defer idx.Close()
					for lo := 0; lo < n; lo += 10_000 {
						if err := idx.Upsert(ctx, "ns", records(data.rows, data.dim, lo, min(lo+10_000, n))); err != nil {
							b.Fatal(err)
						}
					}
					var found, total int
					b.ResetTimer()
					for range b.N {
						found, total = 0, 0
						for qi, q := range data.queries {
							ms, err := idx.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: q, TopK: 10, MinScore: -1})
							if err != nil {
								b.Fatal(err)
							}
							for _, m := range ms {
								if slices.Contains(data.truth[qi], m.ID) {
									found++
								}
							}
							total += 10
						}
					}
					b.ReportMetric(float64(found)/float64(total), "recall@10")
				})
			}
		})
	}
}
