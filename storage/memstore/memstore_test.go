package memstore_test

import (
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
	"github.com/anythingllm-go/anythingllm/storage/storetest"
)

func TestConformance(t *testing.T) {
	storetest.RunConformanceTests(t, func(t *testing.T) anythingllm.Store { return memstore.New() })
}
