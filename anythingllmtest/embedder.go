package anythingllmtest

import (
	"context"
	"hash/fnv"
	"math"
	"strings"
	"sync"
	"unicode"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// Embedder is a deterministic, cheap [anythingllm.Embedder] that counts
// its calls and can be scripted to fail. A text becomes a bag of its
// lower-cased words hashed into [Embedder.Dimensions] buckets and
// L2-normalised, so texts sharing words are near one another and vector
// search finds them; a text with no words becomes a fixed unit vector.
//
// [NewApp] uses the project's offline embedder (providers/native) by
// default; pass an Embedder with [WithEmbedder] to count calls or inject
// failures. It is safe for concurrent use.
type Embedder struct {
	dims int

	mu    sync.Mutex
	fails []error
	calls int
	texts int
}

// NewEmbedder returns an embedder of dims dimensions (16 if dims < 1).
func NewEmbedder(dims int) *Embedder {
	if dims < 1 {
		dims = 16
	}
	return &Embedder{dims: dims}
}

// Fail makes the next calls fail with these errors, one per call, in
// order; then calls succeed again.
func (e *Embedder) Fail(errs ...error) *Embedder {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.fails = append(e.fails, errs...)
	return e
}

// Calls is the number of Embed calls, failed ones included.
func (e *Embedder) Calls() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls
}

// Texts is the number of texts embedded by successful calls.
func (e *Embedder) Texts() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.texts
}

// Dimensions is the vector length.
func (e *Embedder) Dimensions() int { return e.dims }

// Embed returns one vector per text, in order.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if err := canceled(ctx); err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.calls++
	if len(e.fails) > 0 {
		err := e.fails[0]
		e.fails = e.fails[1:]
		e.mu.Unlock()
		return nil, err
	}
	e.texts += len(texts)
	e.mu.Unlock()
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = e.vector(t)
	}
	return out, nil
}

func (e *Embedder) vector(text string) []float32 {
	v := make([]float32, e.dims)
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) == 0 {
		v[0] = 1
		return v
	}
	for _, w := range words {
		h := fnv.New32a()
		h.Write([]byte(w))
		v[h.Sum32()%uint32(e.dims)]++
	}
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	n := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= n
	}
	return v
}

var _ anythingllm.Embedder = (*Embedder)(nil)
