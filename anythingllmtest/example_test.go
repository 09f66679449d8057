package anythingllmtest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllmtest"
)

// A ChatModel answers from its script: queued turns first, then rules by
// prompt, then the echo fallback. It records what it was asked.
func ExampleChatModel() {
	ctx := context.Background()
	m := anythingllmtest.NewChatModel().
		Reply("first").
		Fail(anythingllm.Errorf(anythingllm.RateLimited, "slow down")).
		ReplyTo("weather", "sunny")
	ask := func(msg string) {
		resp, err := m.Chat(ctx, &anythingllm.ChatRequest{Messages: []anythingllm.Message{{Role: anythingllm.RoleUser, Content: msg}}})
		switch {
		case errors.Is(err, anythingllm.ErrRateLimited):
			fmt.Println("error:", err)
		case err != nil:
			fmt.Println("unexpected:", err)
		default:
			fmt.Println(resp.Text)
		}
	}
	ask("one")
	ask("two")
	ask("the weather?")
	ask("anything else")
	fmt.Print(m.LastPrompt())
	// Output:
	// first
	// error: slow down
	// sunny
	// Echo: anything else
	// user: anything else
}

// Streams are cut after each space, or into the exact chunks of a Turn.
func ExampleChatModel_ChatStream() {
	m := anythingllmtest.NewChatModel().Then(anythingllmtest.Turn{Chunks: []string{"Hel", "lo"}})
	req := &anythingllm.ChatRequest{Messages: []anythingllm.Message{{Role: anythingllm.RoleUser, Content: "hi"}}}
	for chunk, err := range m.ChatStream(context.Background(), req) {
		if err != nil {
			fmt.Println("error:", err)
			break
		}
		fmt.Printf("%q", chunk.Text)
		if chunk.FinishReason != "" {
			fmt.Print(" finish: ", chunk.FinishReason)
		}
		fmt.Println()
	}
	// Output:
	// "Hel"
	// "lo"
	// "" finish: stop
}
