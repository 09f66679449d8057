package vecmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// BenchmarkNormalized1536: normalising one embedding (every upsert and
// index load does it per vector).
func BenchmarkNormalized1536(b *testing.B) {
	v := make([]float32, 1536)
	for i := range v {
		v[i] = rand.Float32() - 0.5 // #nosec G404 -- benchmark data
	}
	b.SetBytes(1536 * 4)
	for range b.N {
		_, _ = Normalized(v)
	}
}

// NaN, infinite and zero vectors are refused; vectors whose float32 sum of
// squares overflows or underflows are still normalised exactly (the SIMD
// path hands them to the float64 one).
func TestNormalizedEdge(t *testing.T) {
	for _, v := range [][]float32{{float32(math.NaN()), 1}, {float32(math.Inf(1)), 1}, {0, 0}} {
		if _, err := Normalized(v); err == nil {
			t.Fatal(v)
		}
	}
	big := []float32{3e30, 4e30}
	out, err := Normalized(big)
	if err != nil || math.Abs(float64(out[0])-0.6) > 1e-6 {
		t.Fatal(out, err)
	}
	tiny := []float32{3e-30, 4e-30}
	out, err = Normalized(tiny)
	if err != nil || math.Abs(float64(out[1])-0.8) > 1e-6 {
		t.Fatal(out, err)
	}
}
