// Package membw measures the memory-bandwidth floor that benchmarks report
// their figures against: the time to stream a float32 slice of a given size
// with a given number of goroutines, measured in the same run.
package membw

import (
	"sync"
	"time"

	"github.com/viterin/vek/vek32"
)

// StreamFloor times reading n float32s with p goroutines (best of 5).
func StreamFloor(n, p int) time.Duration {
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(i & 7)
	}
	best := time.Duration(1 << 62)
	for range 5 {
		start := time.Now()
		Sum(data, p)
		if d := time.Since(start); d < best {
			best = d
		}
	}
	return best
}

// Sum is the floor's kernel: p goroutines each sum their share of data
// with SIMD, so memory, not the adder, is the limit. It returns the first
// share's sum (the result only keeps the work from being optimised away).
func Sum(data []float32, p int) float32 {
	var wg sync.WaitGroup
	sums := make([]float32, p)
	per := len(data) / p
	for g := range p {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sums[g] = vek32.Sum(data[g*per : (g+1)*per])
		}()
	}
	wg.Wait()
	return sums[0]
}
