package main

import (
	"strings"
	"testing"
)

func TestParseBench(t *testing.T) {
	out := `goos: linux
BenchmarkVectorSearch/10000x384/app-exact-2   	      50	    136235 ns/op	         0.02699 floor-ms	         5.037 x-floor
BenchmarkVectorSearch/10000x384/app-exact-2   	      50	    136235 ns/op	         0.02699 floor-ms	         3.5 x-floor
BenchmarkVectorSearch/10000x384/app-exact-2   	      50	    136235 ns/op	         0.02699 floor-ms	         4 x-floor
--- FAIL: BenchmarkX
PASS
`
	r := results{}
	parseBench(strings.NewReader(out), r)
	s, ok := r.get("VectorSearch/10000x384/app-exact", "x-floor")
	if !ok || s.N != 3 || s.Median != 4 || s.Min != 3.5 || s.Max != 5.037 {
		t.Fatalf("%+v %v", s, ok)
	}
	if _, ok := r.get("X", "ns/op"); ok {
		t.Fatal("a FAIL line parsed as a result")
	}
	if s := summarize([]float64{4, 1, 3, 2}); s.Median != 2.5 {
		t.Fatalf("median of an even count: %v", s.Median)
	}
}
