package anythingllmtest

import (
	"context"
	"iter"
	"strings"
	"sync"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// Turn is one scripted answer of a [ChatModel].
type Turn struct {
	// Text is the answer. Streamed, it is cut after each space unless
	// Chunks is set.
	Text string
	// Chunks, when set, are the exact pieces a stream yields (Text is then
	// ignored; a non-streaming call answers them joined).
	Chunks []string
	// Err fails the call. Chat returns it; a stream yields the chunks
	// first, then Err, so a failure mid-answer can be scripted too.
	Err error
	// Usage replaces the counted usage (words of the prompt and answer).
	Usage *anythingllm.Usage
}

// text is the whole answer of the turn.
func (t Turn) text() string {
	if t.Chunks != nil {
		return strings.Join(t.Chunks, "")
	}
	return t.Text
}

// chunks are the pieces of the turn's stream.
func (t Turn) chunks() []string {
	if t.Chunks != nil {
		return t.Chunks
	}
	var out []string
	for w := range strings.SplitAfterSeq(t.Text, " ") {
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

type rule struct {
	substr string
	turn   Turn
}

// ChatModel is a scripted [anythingllm.ChatModel]: it answers without a
// network from, in order of precedence,
//
//  1. the queue of turns set with [ChatModel.Reply], [ChatModel.Fail] and
//     [ChatModel.Then], one per call;
//  2. the rules set with [ChatModel.ReplyTo], the first whose text the
//     last user message contains;
//  3. the fallback set with [ChatModel.Respond], by default
//     "Echo: <last user message>" (the convention of the provider
//     conformance suite and the fake OpenAI server).
//
// It records every request, so a test can check what the App sent: the
// system prompt with the retrieved context, the history, the user message.
// The methods that script it return the model, so calls chain:
//
//	m := anythingllmtest.NewChatModel().Reply("first answer", "second answer")
//
// A ChatModel is safe for concurrent use.
type ChatModel struct {
	mu        sync.Mutex
	queue     []Turn
	rules     []rule
	fallback  func(req *anythingllm.ChatRequest) string
	requests  []anythingllm.ChatRequest
	delay     time.Duration
	abandoned int
}

// NewChatModel returns a model that echoes until scripted otherwise.
func NewChatModel() *ChatModel { return &ChatModel{} }

// Reply queues answers, one per coming call, in order.
func (m *ChatModel) Reply(texts ...string) *ChatModel {
	for _, t := range texts {
		m.Then(Turn{Text: t})
	}
	return m
}

// Fail queues a failure: the next call returns err (a stream yields it as
// its only item). Use an [anythingllm.Error] to control the code, e.g.
// anythingllm.Errorf(anythingllm.RateLimited, "slow down").
func (m *ChatModel) Fail(err error) *ChatModel { return m.Then(Turn{Err: err}) }

// Then queues turns, one per coming call, in order.
func (m *ChatModel) Then(turns ...Turn) *ChatModel {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.queue = append(m.queue, turns...)
	return m
}

// ReplyTo answers text, every time, when the last user message contains
// substr. Queued turns come first; earlier rules win over later ones.
func (m *ChatModel) ReplyTo(substr, text string) *ChatModel {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rules = append(m.rules, rule{substr: substr, turn: Turn{Text: text}})
	return m
}

// Respond sets the answer used when no queued turn or rule applies.
func (m *ChatModel) Respond(f func(req *anythingllm.ChatRequest) string) *ChatModel {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fallback = f
	return m
}

// ChunkDelay makes streams pause d before each chunk, for tests of slow
// answers and of clients that go away.
func (m *ChatModel) ChunkDelay(d time.Duration) *ChatModel {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.delay = d
	return m
}

// Requests returns copies of the requests received so far, oldest first.
func (m *ChatModel) Requests() []anythingllm.ChatRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]anythingllm.ChatRequest(nil), m.requests...)
}

// Calls is the number of requests received (Chat and ChatStream).
func (m *ChatModel) Calls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.requests)
}

// Prompts returns each request received as one text, oldest first: every
// message as "role: content" on its own line. Assert on it with
// strings.Contains.
func (m *ChatModel) Prompts() []string {
	reqs := m.Requests()
	out := make([]string, len(reqs))
	for i := range reqs {
		out[i] = PromptText(&reqs[i])
	}
	return out
}

// LastPrompt is the last request received as text (see
// [ChatModel.Prompts]), or "" before the first call.
func (m *ChatModel) LastPrompt() string {
	p := m.Prompts()
	if len(p) == 0 {
		return ""
	}
	return p[len(p)-1]
}

// Abandoned is the number of streams whose consumer stopped reading (or
// whose context ended) before the last chunk.
func (m *ChatModel) Abandoned() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.abandoned
}

// PromptText renders a request as text: every message as "role: content"
// on its own line.
func PromptText(req *anythingllm.ChatRequest) string {
	var b strings.Builder
	for _, msg := range req.Messages {
		b.WriteString(msg.Role)
		b.WriteString(": ")
		b.WriteString(msg.Content)
		b.WriteByte('\n')
	}
	return b.String()
}

// lastUser is the content of the last user message.
func lastUser(req *anythingllm.ChatRequest) string {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == anythingllm.RoleUser {
			return req.Messages[i].Content
		}
	}
	return ""
}

// next records req and picks its turn.
func (m *ChatModel) next(req *anythingllm.ChatRequest) (Turn, time.Duration) {
	m.mu.Lock()
	rec := *req
	rec.Messages = append([]anythingllm.Message(nil), req.Messages...)
	m.requests = append(m.requests, rec)
	delay := m.delay
	if len(m.queue) > 0 {
		t := m.queue[0]
		m.queue = m.queue[1:]
		m.mu.Unlock()
		return t, delay
	}
	user := lastUser(req)
	for _, r := range m.rules {
		if strings.Contains(user, r.substr) {
			m.mu.Unlock()
			return r.turn, delay
		}
	}
	f := m.fallback
	m.mu.Unlock()
	if f != nil {
		return Turn{Text: f(req)}, delay
	}
	return Turn{Text: "Echo: " + user}, delay
}

// usage counts words: deterministic, and close enough for tests.
func usage(req *anythingllm.ChatRequest, t Turn) anythingllm.Usage {
	if t.Usage != nil {
		return *t.Usage
	}
	p := len(strings.Fields(PromptText(req)))
	c := len(strings.Fields(t.text()))
	return anythingllm.Usage{PromptTokens: p, CompletionTokens: c, TotalTokens: p + c}
}

func canceled(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return anythingllm.WrapError(anythingllm.Code(err), err, "the chat request was canceled")
	}
	return nil
}

// Chat answers the next turn of the script.
func (m *ChatModel) Chat(ctx context.Context, req *anythingllm.ChatRequest) (*anythingllm.ChatResponse, error) {
	if err := canceled(ctx); err != nil {
		return nil, err
	}
	t, _ := m.next(req)
	if t.Err != nil {
		return nil, t.Err
	}
	return &anythingllm.ChatResponse{Text: t.text(), Model: model(req), FinishReason: "stop", Usage: usage(req, t)}, nil
}

func model(req *anythingllm.ChatRequest) string {
	if req.Model != "" {
		return req.Model
	}
	return "scripted"
}

// ChatStream streams the next turn of the script in chunks; the last chunk
// has FinishReason "stop" and the usage.
func (m *ChatModel) ChatStream(ctx context.Context, req *anythingllm.ChatRequest) iter.Seq2[anythingllm.ChatChunk, error] {
	return func(yield func(anythingllm.ChatChunk, error) bool) {
		if err := canceled(ctx); err != nil {
			yield(anythingllm.ChatChunk{}, err)
			return
		}
		t, delay := m.next(req)
		stop := func() {
			m.mu.Lock()
			m.abandoned++
			m.mu.Unlock()
		}
		for _, c := range t.chunks() {
			if delay > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(delay):
				}
			}
			if err := canceled(ctx); err != nil {
				stop()
				yield(anythingllm.ChatChunk{}, err)
				return
			}
			if !yield(anythingllm.ChatChunk{Text: c}, nil) {
				stop()
				return
			}
		}
		if t.Err != nil {
			yield(anythingllm.ChatChunk{}, t.Err)
			return
		}
		u := usage(req, t)
		yield(anythingllm.ChatChunk{FinishReason: "stop", Usage: &u}, nil)
	}
}

var _ anythingllm.ChatModel = (*ChatModel)(nil)
