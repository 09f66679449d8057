// Package anythingllm is the core of anythingllm-go, a Go implementation of
// AnythingLLM's developer API: workspaces, documents, retrieval-augmented
// chat, threads, users and admin, settings and files.
//
// The concrete [App] owns all policy. It is built with [New] from [Deps], a
// struct of small interfaces: a [Store] (SQL), a [VectorStore] (the vector
// index), a [BlobStore] (files), and providers ([ChatModel], [Embedder],
// [ImageGenerator], [Tokenizer]). Stock implementations live in storage/,
// vectordb/ and providers/; the httpapi package serves an App over HTTP with
// AnythingLLM's routes and JSON.
//
// # Errors
//
// Every error the App returns carries an [ErrorCode]. Test for one with
// errors.Is and a sentinel:
//
//	if errors.Is(err, anythingllm.ErrNotFound) { ... }
//
// or read it with [Code]. The message of an [Error] is safe to show to API
// clients; its cause is for logs only.
//
// # Streaming
//
// [ChatModel.ChatStream] returns an iter.Seq2[ChatChunk, error]. Breaking out
// of the range loop, or canceling the context, stops the upstream request.
package anythingllm
