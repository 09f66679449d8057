package native_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/providers/native"
)

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i] * b[i])
	}
	return s
}

func TestUnitLengthAndDeterministic(t *testing.T) {
	e := native.New()
	vs, err := e.Embed(context.Background(), []string{"Hello world", "Hello world", "Completely different words here"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || len(vs[0]) != native.Dimensions {
		t.Fatalf("shape %d x %d", len(vs), len(vs[0]))
	}
	if n := math.Sqrt(dot(vs[0], vs[0])); math.Abs(n-1) > 1e-5 {
		t.Fatalf("norm = %v", n)
	}
	if dot(vs[0], vs[1]) < 0.9999 {
		t.Fatal("same text, different vectors")
	}
	if dot(vs[0], vs[2]) > 0.3 {
		t.Fatalf("unrelated texts too similar: %v", dot(vs[0], vs[2]))
	}
	if _, err := e.Embed(context.Background(), []string{"  ...  "}); err == nil {
		t.Fatal("a text with no words was embedded")
	}
}

// A query ranks the chunk that shares its words first among distractors.
func TestRanksMatchingChunkFirst(t *testing.T) {
	e := native.New()
	chunks := []string{
		"The billing service sends invoices on the first day of every month.",
		"Our office dog is called Biscuit and likes long walks.",
		"Kubernetes pods are restarted when their liveness probe fails.",
		"The quarterly revenue report is due in the second week of April.",
		"Passwords must be rotated every ninety days by policy.",
	}
	vs, err := e.Embed(context.Background(), chunks)
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{
		"when are invoices sent by billing?": 0, "what is the dog called": 1, "liveness probe restarts pods": 2,
		"quarterly revenue report due date": 3, "password rotation policy": 4,
	} {
		qv, _ := e.Embed(context.Background(), []string{q})
		best, bestScore := -1, -2.0
		for i, v := range vs {
			if s := dot(qv[0], v); s > bestScore {
				best, bestScore = i, s
			}
		}
		if best != want {
			t.Errorf("%q ranked chunk %d first, want %d", q, best, want)
		}
	}
}

func BenchmarkEmbed1000CharChunks(b *testing.B) {
	e := native.New()
	var texts []string
	for i := range 100 {
		texts = append(texts, strings.Repeat(fmt.Sprintf("chunk %d has several ordinary words in it ", i), 25)[:1000])
	}
	b.ResetTimer()
	for range b.N {
		if _, err := e.Embed(context.Background(), texts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(texts)*b.N)/b.Elapsed().Seconds(), "chunks/s")
}

// A question sharing one content word with a chunk scores above
// AnythingLLM's default similarity threshold (0.25), header or not.
func TestScoresAboveDefaultThreshold(t *testing.T) {
	e := native.New()
	chunk := "<document_metadata>\nsourceDocument: billing.txt\npublished: 11/24/2026, 11:04:44 PM\n</document_metadata>\n\nThe billing service sends invoices on the first day of every month."
	vs, err := e.Embed(context.Background(), []string{chunk, "when are invoices sent?", "who is the office dog?"})
	if err != nil {
		t.Fatal(err)
	}
	if s := dot(vs[0], vs[1]); s < 0.25 {
		t.Fatalf("related question scores %.3f < 0.25", s)
	}
	if s := dot(vs[0], vs[2]); s >= 0.2 {
		t.Fatalf("unrelated question scores %.3f", s)
	}
}
