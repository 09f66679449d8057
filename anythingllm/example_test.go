package anythingllm_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllmtest"
	"github.com/anythingllm-go/anythingllm/httpapi"
	"github.com/anythingllm-go/anythingllm/providers/native"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
)

// newApp builds an App on in-memory parts with a workspace "docs"; the
// examples below start from it.
func newApp(llm anythingllm.ChatModel) *anythingllm.App {
	app, err := anythingllm.New(anythingllm.Deps{
		Store:    memstore.New(),
		Blobs:    blobstore.NewMemory(),
		Vectors:  flatvec.New(nil),
		Embedder: native.New(),
		LLM:      llm,
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := app.CreateWorkspace(context.Background(), &anythingllm.WorkspaceSettings{Name: new("docs")}); err != nil {
		log.Fatal(err)
	}
	return app
}

// An App is built from its parts; here all of them live in memory. In
// production use bunstore.OpenDir, blobstore.NewFS and a real chat model
// (providers/openai or providers/ollama).
func ExampleNew() {
	ctx := context.Background()
	app, err := anythingllm.New(anythingllm.Deps{
		Store:    memstore.New(),
		Blobs:    blobstore.NewMemory(),
		Vectors:  flatvec.New(nil),
		Embedder: native.New(),
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	ws, err := app.CreateWorkspace(ctx, &anythingllm.WorkspaceSettings{Name: new("My Docs")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ws.Slug)
	// Output: my-docs
}

// CreateRawText stores text as a document and embeds it into workspaces.
func ExampleApp_CreateRawText() {
	ctx := context.Background()
	app := newApp(nil)
	docs, err := app.CreateRawText(ctx, &anythingllm.RawTextRequest{
		TextContent:     "Go 1.22 added method and wildcard patterns to net/http's ServeMux.",
		Metadata:        anythingllm.DocumentMetadata{Title: "servemux"},
		AddToWorkspaces: []string{"docs"},
	})
	if err != nil {
		log.Fatal(err)
	}
	n, _ := app.VectorCount(ctx)
	fmt.Println(docs[0].Title, docs[0].WordCount, "words;", n, "vector")
	// Output: servemux.txt 10 words; 1 vector
}

// VectorSearch embeds a query and returns the workspace's nearest chunks.
func ExampleApp_VectorSearch() {
	ctx := context.Background()
	app := newApp(nil)
	for title, text := range map[string]string{
		"tea":    "Green tea is steeped at 80 degrees for two minutes.",
		"gopher": "The gopher is the mascot of the Go programming language.",
	} {
		if _, err := app.CreateRawText(ctx, &anythingllm.RawTextRequest{TextContent: text,
			Metadata: anythingllm.DocumentMetadata{Title: title}, AddToWorkspaces: []string{"docs"}}); err != nil {
			log.Fatal(err)
		}
	}
	hits, err := app.VectorSearch(ctx, "docs", &anythingllm.VectorSearchRequest{Query: "what is the Go mascot?"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(hits[0].Metadata.Title)
	// Output: gopher.txt
}

// Chat runs one retrieval-augmented turn: the workspace's documents
// nearest the message go into the prompt, the model answers, the chat is
// saved. anythingllmtest.ChatModel stands in for an LLM.
func ExampleApp_Chat() {
	ctx := context.Background()
	model := anythingllmtest.NewChatModel().Reply("It opens at 9am.")
	app := newApp(model)
	if _, err := app.CreateRawText(ctx, &anythingllm.RawTextRequest{TextContent: "The library opens at 9am on weekdays.",
		Metadata: anythingllm.DocumentMetadata{Title: "hours"}, AddToWorkspaces: []string{"docs"}}); err != nil {
		log.Fatal(err)
	}
	res, err := app.Chat(ctx, "docs", &anythingllm.ChatInput{Message: "When does the library open?"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(*res.TextResponse)
	fmt.Println("sources cited:", len(res.Sources))
	fmt.Println("context in prompt:", strings.Contains(model.LastPrompt(), "opens at 9am on weekdays"))
	// Output:
	// It opens at 9am.
	// sources cited: 1
	// context in prompt: true
}

// StreamChat emits the answer in chunks as the model produces them, then a
// final event.
func ExampleApp_StreamChat() {
	ctx := context.Background()
	app := newApp(anythingllmtest.NewChatModel().Reply("Hello from a stream"))
	err := app.StreamChat(ctx, "docs", &anythingllm.ChatInput{Message: "hi"}, func(ev *anythingllm.ChatResult) error {
		if ev.Type == "textResponseChunk" && *ev.TextResponse != "" {
			fmt.Printf("%q\n", *ev.TextResponse)
		} else {
			fmt.Println(ev.Type)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// "Hello "
	// "from "
	// "a "
	// "stream"
	// textResponseChunk
	// finalizeResponseStream
}

// httpapi.NewServer serves an App with AnythingLLM's routes under /api;
// every route but /api/ping needs an API key.
func Example_httpServer() {
	ctx := context.Background()
	app := newApp(anythingllmtest.NewChatModel())
	_, key, err := app.CreateAPIKey(ctx, &anythingllm.CreateAPIKeyRequest{Name: "example"})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.NewServer(app, nil))
	defer srv.Close()

	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/workspace/docs/chat", strings.NewReader(`{"message":"ping?","mode":"chat"}`))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.Contains(string(body), `"textResponse":"Echo: ping?"`))
	// Output: 200 true
}
