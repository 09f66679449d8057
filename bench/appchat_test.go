package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/tokenizer"
	"github.com/anythingllm-go/anythingllm/providers/native"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/bunstore/bunstoretest"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
)

func BenchmarkAppChatSeq(b *testing.B) {
	st := bunstoretest.SQLite(b)
	llm := &instantLLM{}
	app, _ := anythingllm.New(anythingllm.Deps{Store: st, Blobs: blobstore.NewMemory(), Vectors: flatvec.New(nil),
		Embedder: native.New(), Tokenizer: tokenizer.New(), LLM: llm}, &anythingllm.Options{LLMProvider: "instant"})
	ctx := context.Background()
	app.CreateWorkspace(ctx, anythingllm.WorkspaceFields{"name": []byte(`"small"`), "openAiHistory": []byte(`4`)})
	for i := range 5 {
		text := fmt.Sprintf("Document %d says the answer to question %d is %d.", i, i, i*7)
		app.CreateRawText(ctx, &anythingllm.RawTextRequest{TextContent: text, Metadata: anythingllm.DocumentMetadata{Title: fmt.Sprint("d", i)}, AddToWorkspaces: []string{"small"}})
	}
	_, key, _ := app.CreateAPIKey(ctx, nil)
	b.ResetTimer()
	for range b.N {
		if _, err := app.VerifyAPIKey(ctx, key); err != nil {
			b.Fatal(err)
		}
		if _, err := app.Chat(ctx, "small", &anythingllm.ChatInput{Message: "what is the answer to question 3?", Mode: "chat"}); err != nil {
			b.Fatal(err)
		}
	}
}
