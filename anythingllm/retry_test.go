package anythingllm_test

import (
	"context"
	"errors"
	"iter"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
)

// flakyLLM fails its first calls with the given errors, then answers.
type flakyLLM struct {
	fail  []error
	calls atomic.Int64
	// midStream fails a stream after its first chunk.
	midStream error
}

func (l *flakyLLM) next() error {
	n := int(l.calls.Add(1)) - 1
	if n < len(l.fail) {
		return l.fail[n]
	}
	return nil
}

func (l *flakyLLM) Chat(ctx context.Context, req *anythingllm.ChatRequest) (*anythingllm.ChatResponse, error) {
	if err := l.next(); err != nil {
		return nil, err
	}
	return &anythingllm.ChatResponse{Text: "answer"}, nil
}

func (l *flakyLLM) ChatStream(ctx context.Context, req *anythingllm.ChatRequest) iter.Seq2[anythingllm.ChatChunk, error] {
	return func(yield func(anythingllm.ChatChunk, error) bool) {
		if err := l.next(); err != nil {
			yield(anythingllm.ChatChunk{}, err)
			return
		}
		if !yield(anythingllm.ChatChunk{Text: "ans"}, nil) {
			return
		}
		if l.midStream != nil {
			yield(anythingllm.ChatChunk{}, l.midStream)
			return
		}
		yield(anythingllm.ChatChunk{Text: "wer", FinishReason: "stop"}, nil)
	}
}

// countingIndex counts the readiness-relevant calls a chat turn makes.
type countingIndex struct {
	anythingllm.VectorStore
	counts atomic.Int64
}

func (c *countingIndex) Count(ctx context.Context, ns string) (int, error) {
	c.counts.Add(1)
	return c.VectorStore.Count(ctx, ns)
}

func newRetryApp(t *testing.T, llm anythingllm.ChatModel, vectors anythingllm.VectorStore) *anythingllm.App {
	t.Helper()
	deps := anythingllm.Deps{Store: memstore.New(), Blobs: blobstore.NewMemory(), LLM: llm}
	if vectors != nil {
		deps.Vectors, deps.Embedder = vectors, &countingEmbedder{}
	}
	app, err := anythingllm.New(deps, &anythingllm.Options{RetryDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.CreateWorkspace(t.Context(), &anythingllm.WorkspaceSettings{Name: new("w")}); err != nil {
		t.Fatal(err)
	}
	return app
}

var (
	rateLimited = anythingllm.Errorf(anythingllm.RateLimited, "slow down")
	outage      = anythingllm.Errorf(anythingllm.Unavailable, "down for a moment")
	dialFailed  = anythingllm.WrapError(anythingllm.Unavailable, &net.OpError{Op: "dial", Err: errors.New("connection refused")}, "cannot reach the LLM")
)

func streamText(t *testing.T, app *anythingllm.App) (string, []*anythingllm.ChatResult) {
	t.Helper()
	var text string
	var events []*anythingllm.ChatResult
	err := app.StreamChat(t.Context(), "w", &anythingllm.ChatInput{Message: "hi"}, func(ev *anythingllm.ChatResult) error {
		events = append(events, ev)
		if ev.TextResponse != nil {
			text += *ev.TextResponse
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return text, events
}

// Rate limits and outages are retried by the App, for any provider: a
// chat, and a stream that fails before its first chunk.
func TestChatRetriesTransientFailures(t *testing.T) {
	llm := &flakyLLM{fail: []error{rateLimited, outage}}
	app := newRetryApp(t, llm, nil)
	res, err := app.Chat(t.Context(), "w", &anythingllm.ChatInput{Message: "hi"})
	if err != nil || res.Type != anythingllm.ResultText || *res.TextResponse != "answer" || llm.calls.Load() != 3 {
		t.Fatalf("chat after two transient failures: %+v %v (%d calls)", res, err, llm.calls.Load())
	}

	llm = &flakyLLM{fail: []error{outage}}
	app = newRetryApp(t, llm, nil)
	if text, _ := streamText(t, app); text != "answer" || llm.calls.Load() != 2 {
		t.Fatalf("stream after a failed start: %q (%d calls)", text, llm.calls.Load())
	}

	// The retries run out: the turn is an abort carrying the last error.
	llm = &flakyLLM{fail: []error{rateLimited, rateLimited, rateLimited, rateLimited, rateLimited}}
	app = newRetryApp(t, llm, nil)
	res, err = app.Chat(t.Context(), "w", &anythingllm.ChatInput{Message: "hi"})
	if err != nil || res.Type != anythingllm.ResultAbort || !errors.Is(res.Error, anythingllm.ErrRateLimited) || llm.calls.Load() != 1+anythingllm.DefaultMaxRetries {
		t.Fatalf("after the retries ran out: %+v %v (%d calls)", res, err, llm.calls.Load())
	}
}

func TestChatDoesNotRetryWhatCannotSucceed(t *testing.T) {
	for name, err := range map[string]error{
		"refused key":         anythingllm.Errorf(anythingllm.PermissionDenied, "bad key"),
		"nothing listening":   dialFailed,
		"bad request":         anythingllm.Errorf(anythingllm.InvalidArgument, "bad"),
		"an uncoded failure":  errors.New("boom"),
		"a canceled call":     context.Canceled,
		"a failure mid-reply": nil,
	} {
		llm := &flakyLLM{fail: []error{err}}
		if err == nil {
			llm = &flakyLLM{midStream: outage}
		}
		app := newRetryApp(t, llm, nil)
		if err != nil {
			res, cerr := app.Chat(t.Context(), "w", &anythingllm.ChatInput{Message: "hi"})
			if cerr != nil || res.Type != anythingllm.ResultAbort || llm.calls.Load() != 1 {
				t.Errorf("%s: %+v %v (%d calls), want one call and an abort", name, res, cerr, llm.calls.Load())
			}
			continue
		}
		// A stream that already sent text is not started again.
		text, events := streamText(t, app)
		last := events[len(events)-1]
		if text != "ans" || llm.calls.Load() != 1 || last.Type != anythingllm.ResultFinalize || events[len(events)-2].Type != anythingllm.ResultAbort {
			t.Errorf("%s: text %q, %d calls, events %+v", name, text, llm.calls.Load(), events)
		}
	}
}

// One chat turn asks the vector index once whether it holds vectors.
func TestChatTurnCountsTheIndexOnce(t *testing.T) {
	idx := &countingIndex{VectorStore: flatvec.New(nil)}
	app := newRetryApp(t, &flakyLLM{}, idx)
	if _, err := app.CreateRawText(t.Context(), &anythingllm.RawTextRequest{TextContent: "otters hold hands while sleeping",
		Metadata: anythingllm.DocumentMetadata{Title: "otters"}, AddToWorkspaces: []string{"w"}}); err != nil {
		t.Fatal(err)
	}
	before := idx.counts.Load()
	res, err := app.Chat(t.Context(), "w", &anythingllm.ChatInput{Message: "otters"})
	if err != nil || res.Type != anythingllm.ResultText || len(res.Sources) == 0 {
		t.Fatalf("chat: %+v %v", res, err)
	}
	if n := idx.counts.Load() - before; n != 1 {
		t.Fatalf("a chat turn counted the index %d times, want 1", n)
	}
}
