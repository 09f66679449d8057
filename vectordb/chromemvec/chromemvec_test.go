package chromemvec_test

import (
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/vectordb/chromemvec"
	"github.com/anythingllm-go/anythingllm/vectordb/vectortest"
)

func TestConformance(t *testing.T) {
	vectortest.RunConformanceTests(t, func(t *testing.T) anythingllm.VectorStore { return chromemvec.New(nil) })
}
