package bench

import (
	"context"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// BenchmarkAppChatSeq: one chat turn after another through the App, no
// HTTP: the cost of the pipeline itself, for profiling.
//
//	go test -run '^$' -bench AppChatSeq -cpuprofile cpu.out ./bench/
func BenchmarkAppChatSeq(b *testing.B) {
	app, _, key := newApp(b)
	ctx := context.Background()
	b.ReportAllocs()
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
