package providertest_test

import (
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/providers/native"
	"github.com/anythingllm-go/anythingllm/providers/providertest"
)

func TestNativeEmbedderConformance(t *testing.T) {
	providertest.RunEmbedderTests(t, func(t *testing.T) anythingllm.Embedder { return native.New() })
}
