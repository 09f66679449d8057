//go:build wireinject

package main

import (
	"context"
	"log/slog"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/collector"
	"github.com/anythingllm-go/anythingllm/anythingllm/tokenizer"
	"github.com/anythingllm-go/anythingllm/storage/bunstore"
	"github.com/google/wire"
)

// initApp is the wire injector: it builds the App from the configuration.
func initApp(ctx context.Context, cfg *Config, logger *slog.Logger) (*anythingllm.App, func(), error) {
	wire.Build(
		provideStore,
		wire.Bind(new(anythingllm.Store), new(*bunstore.Store)),
		provideBlobs,
		provideBlobStore,
		provideVectors,
		provideEmbedder,
		provideLLM,
		provideImages,
		provideSTT,
		provideTTS,
		provideTokenizer,
		provideParser,
		provideFileRoots,
		wire.Bind(new(anythingllm.FileParser), new(*collector.Collector)),
		wire.Bind(new(anythingllm.Tokenizer), new(*tokenizer.Tokenizer)),
		provideOptions,
		wire.Struct(new(anythingllm.Deps), "Store", "Blobs", "Logger", "Vectors", "Embedder", "Tokenizer", "LLM", "Images", "STT", "TTS", "Parser", "FileRoots"),
		anythingllm.New,
	)
	return nil, nil, nil
}
