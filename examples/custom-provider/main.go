// Command custom-provider plugs a user-written chat model and embedder
// (provider.go) into the App: it stores a document, finds it by vector
// search and chats about it, all offline.
//
//	go run ./examples/custom-provider
//	go test ./examples/custom-provider   # the provider conformance suite
//
// A provider is any type with the methods of anythingllm.ChatModel or
// anythingllm.Embedder; providers/providertest checks that it behaves as
// the App expects (see provider_test.go).
package main

import (
	"context"
	"fmt"
	"log"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
)

func main() {
	ctx := context.Background()
	app, err := anythingllm.New(anythingllm.Deps{
		Store:    memstore.New(),
		Blobs:    blobstore.NewMemory(),
		Vectors:  flatvec.New(nil),
		Embedder: HashEmbedder{Dims: 64},
		LLM:      &EchoModel{},
	}, &anythingllm.Options{LLMProvider: "echo"})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := app.CreateWorkspace(ctx, &anythingllm.WorkspaceSettings{Name: new("notes")}); err != nil {
		log.Fatal(err)
	}
	if _, err := app.CreateRawText(ctx, &anythingllm.RawTextRequest{
		TextContent:     "Gophers dig tunnels under the garden.",
		Metadata:        anythingllm.DocumentMetadata{Title: "gophers"},
		AddToWorkspaces: []string{"notes"},
	}); err != nil {
		log.Fatal(err)
	}
	hits, err := app.VectorSearch(ctx, "notes", &anythingllm.VectorSearchRequest{Query: "where do gophers dig?"})
	if err != nil || len(hits) == 0 {
		log.Fatalf("vector search: %d hits, %v", len(hits), err)
	}
	fmt.Println("found:", hits[0].Metadata.Title)
	res, err := app.Chat(ctx, "notes", &anythingllm.ChatInput{Message: "Where do gophers dig?"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("answer:", *res.TextResponse)
}
