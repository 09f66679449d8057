package anythingllm

import (
	"context"
	"errors"
	"iter"
	"net"
	"time"
)

// Calls to providers (chat, the start of a stream, embeddings) are retried
// here, the same way for every provider: a provider reports a failure with
// its code and the App decides whether to try again.

// DefaultMaxRetries is how many times a provider call is retried when
// Options.MaxRetries is 0.
const DefaultMaxRetries = 3

// retryable reports whether a failed provider call may succeed if made
// again: rate limits and outages, but not a connection that never opened
// (nothing is listening; waiting will not help).
func retryable(err error) bool {
	if c := Code(err); c != RateLimited && c != Unavailable {
		return false
	}
	var op *net.OpError
	return !errors.As(err, &op) || op.Op != "dial"
}

// retry calls fn until it succeeds, fails for good, or the retries run out,
// pausing Options.RetryDelay (doubling) between attempts.
func (a *App) retry(ctx context.Context, fn func() error) error {
	delay := a.opts.RetryDelay
	if delay <= 0 {
		delay = 500 * time.Millisecond
	}
	retries := a.opts.MaxRetries
	if retries == 0 {
		retries = DefaultMaxRetries
	}
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || attempt >= retries || !retryable(err) {
			return err
		}
		t := time.NewTimer(delay << attempt)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// chat runs a completion with retries.
func (a *App) chat(ctx context.Context, m ChatModel, req *ChatRequest) (*ChatResponse, error) {
	var resp *ChatResponse
	err := a.retry(ctx, func() (err error) {
		resp, err = m.Chat(ctx, req)
		return err
	})
	return resp, err
}

// chatStream streams a completion, retrying a stream that fails before its
// first chunk; once a chunk has been passed on, a failure ends the stream.
func (a *App) chatStream(ctx context.Context, m ChatModel, req *ChatRequest) iter.Seq2[ChatChunk, error] {
	return func(yield func(ChatChunk, error) bool) {
		started, stopped := false, false
		err := a.retry(ctx, func() error {
			for chunk, err := range m.ChatStream(ctx, req) {
				if err != nil {
					if started {
						stopped = !yield(ChatChunk{}, err)
						return nil
					}
					return err
				}
				started = true
				if !yield(chunk, nil) {
					stopped = true
					return nil
				}
			}
			return nil
		})
		if err != nil && !stopped {
			yield(ChatChunk{}, err)
		}
	}
}

// embedTexts calls an embedder with retries.
func (a *App) embedTexts(ctx context.Context, emb Embedder, texts []string) ([][]float32, error) {
	var vs [][]float32
	err := a.retry(ctx, func() (err error) {
		vs, err = emb.Embed(ctx, texts)
		return err
	})
	return vs, err
}
