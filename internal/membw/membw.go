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
	per := n / p
	for range 5 {
		start := time.Now()
		var wg sync.WaitGroup
		sums := make([]float32, p)
		for g := range p {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sums[g] = vek32.Sum(data[g*per : (g+1)*per])
			}()
		}
		wg.Wait()
		if d := time.Since(start); d < best {
			best = d
		}
	}
	return best
}
