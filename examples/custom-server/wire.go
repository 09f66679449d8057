//go:build wireinject

package main

import (
	"context"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/providers/native"
	"github.com/anythingllm-go/anythingllm/providers/openai"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/bunstore"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
	"github.com/google/wire"
)

// initServer is the wire injector: the stock API over the chosen
// providers, with a custom route and a middleware. Regenerate wire_gen.go
// with `go tool wire ./examples/custom-server`.
func initServer(ctx context.Context, cfg Config) (*Server, func(), error) {
	wire.Build(
		provideLogger,
		provideStore,
		wire.Bind(new(anythingllm.Store), new(*bunstore.Store)),
		provideBlobs,
		wire.Bind(new(anythingllm.BlobStore), new(*blobstore.FS)),
		provideVectors,
		wire.Bind(new(anythingllm.VectorStore), new(*flatvec.Store)),
		provideEmbedder,
		wire.Bind(new(anythingllm.Embedder), new(*native.Embedder)),
		provideChatModel,
		wire.Bind(new(anythingllm.ChatModel), new(*openai.Client)),
		wire.Struct(new(anythingllm.Deps), "Store", "Blobs", "Vectors", "Embedder", "LLM", "Logger"),
		provideOptions,
		anythingllm.New,
		provideHandler,
		wire.Struct(new(Server), "*"),
	)
	return nil, nil, nil
}
