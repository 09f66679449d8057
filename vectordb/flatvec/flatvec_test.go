package flatvec_test

import (
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
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
