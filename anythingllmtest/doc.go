// Package anythingllmtest is a testing kit for code that uses
// anythingllm-go, as a library or over HTTP: an App and a server on
// in-memory parts with a scripted chat model, so tests need no network, no
// disk and no LLM.
//
// [NewApp] returns an *anythingllm.App on memstore, an in-memory blob
// store, the flatvec index, the offline native embedder and a scripted
// [ChatModel]; [NewServer] serves one over HTTP on loopback with an API key.
// Everything is released through t.Cleanup.
//
//	func TestSupportBot(t *testing.T) {
//		model := anythingllmtest.NewChatModel().ReplyTo("refund", "Refunds take 5 days.")
//		srv := anythingllmtest.NewServer(t, anythingllmtest.WithChatModel(model),
//			anythingllmtest.WithWorkspace("support"))
//
//		answer, err := mybot.Ask(srv.URL, srv.Key, "support", "How long does a refund take?")
//
//		if err != nil || answer != "Refunds take 5 days." {
//			t.Fatalf("Ask = %q, %v", answer, err)
//		}
//		if !strings.Contains(model.LastPrompt(), "How long does a refund take?") {
//			t.Errorf("the question did not reach the model: %s", model.LastPrompt())
//		}
//	}
//
// # The scripted chat model
//
// A [ChatModel] answers from queued turns ([ChatModel.Reply],
// [ChatModel.Fail], [ChatModel.Then]: fixed replies, errors, exact stream
// chunks, a failure mid-stream), then from per-prompt rules
// ([ChatModel.ReplyTo]), then from a fallback that echoes the user
// ("Echo: <message>"). It records each request: [ChatModel.LastPrompt]
// renders one as "role: content" lines, so a test can check that retrieved
// document text reached the system prompt. Streams are cut after each
// space, or into the chunks a [Turn] names.
//
// # The embedder
//
// [Embedder] is a cheap deterministic bag-of-words embedder that counts its
// calls and texts and fails on demand ([Embedder.Fail]), for tests of
// batching, retries and caching.
//
// Both implement the provider interfaces and pass the project's provider
// conformance suite (providers/providertest), like any provider.
package anythingllmtest
