package benchdata

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestUniformIsSeededAndInRange(t *testing.T) {
	s := Size{Rows: 5000, Dim: 3} // odd floats per block, several blocks
	a, b := Uniform(s), Uniform(s)
	if !slices.Equal(a, b) {
		t.Fatal("two calls differ")
	}
	for _, x := range a {
		if x < -1 || x >= 1 {
			t.Fatalf("%v out of [-1, 1)", x)
		}
	}
	if slices.Equal(a[:3], a[3:6]) {
		t.Fatal("rows repeat")
	}
}

func TestClusteredRowsAreUnitVectors(t *testing.T) {
	rows, qs := Clustered(Size{Rows: 100, Dim: 16}, 4, 3)
	if len(rows) != 1600 || len(qs) != 48 {
		t.Fatal(len(rows), len(qs))
	}
	var n float64
	for _, x := range rows[16:32] {
		n += float64(x) * float64(x)
	}
	if math.Abs(n-1) > 1e-5 {
		t.Fatalf("norm² %v", n)
	}
}

func TestWriteFileLayout(t *testing.T) {
	s := Size{Rows: 2, Dim: 2}
	p := filepath.Join(t.TempDir(), "v.fvec")
	if err := WriteFile(p, s, []float32{1, 2, 3, 4}, []float32{5, 6}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if string(data[:4]) != "FVEC" || binary.LittleEndian.Uint32(data[4:]) != 2 || binary.LittleEndian.Uint32(data[8:]) != 2 || len(data) != 12+6*4 {
		t.Fatalf("% x", data)
	}
	if math.Float32frombits(binary.LittleEndian.Uint32(data[12:])) != 5 || math.Float32frombits(binary.LittleEndian.Uint32(data[20:])) != 1 {
		t.Fatal("the query must come first, then the rows")
	}
}

func TestParseSizes(t *testing.T) {
	got, err := ParseSizes("10x3, 2x5")
	if err != nil || !slices.Equal(got, []Size{{10, 3}, {2, 5}}) {
		t.Fatal(got, err)
	}
	for _, bad := range []string{"", "10", "x3", "0x3", "10x-1"} {
		if _, err := ParseSizes(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
