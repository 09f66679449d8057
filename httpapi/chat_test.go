package httpapi_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/tokenizer"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
	"github.com/anythingllm-go/anythingllm/providers/openai"
	"github.com/anythingllm-go/anythingllm/providers/providertest/fakeopenai"
)

type chatEnv struct {
	*httpapitest.Env
	fake *fakeopenai.Server
}

func newChatEnv(t *testing.T, fakeOpts *fakeopenai.Options, window int) *chatEnv {
	fake := fakeopenai.New(fakeOpts)
	t.Cleanup(fake.Close)
	llm, err := openai.New(&openai.Options{BaseURL: fake.BaseURL(), Model: "fake-model", Provider: "generic-openai", ContextWindow: window})
	if err != nil {
		t.Fatal(err)
	}
	deps := ragDeps()
	deps.LLM = llm
	env := httpapitest.New(t, &httpapitest.Options{Deps: deps, App: &anythingllm.Options{LLMProvider: "generic-openai"}})
	return &chatEnv{Env: env, fake: fake}
}

type chatOut struct {
	ID, Type     string
	TextResponse *string
	Sources      []map[string]any
	Close        bool
	Error        any
	ChatID       int64
	Metrics      map[string]any
}

func (c *chatEnv) chat(t *testing.T, path string, body map[string]any) (int, chatOut) {
	t.Helper()
	var out chatOut
	st := c.DoJSON(t, "POST", path, body, &out)
	return st, out
}

func TestChatWithRetrievalAndHistory(t *testing.T) {
	c := newChatEnv(t, nil, 0)
	newWorkspace(t, c.Env, map[string]any{"name": "Kb"})
	upload(t, c.Env, "/api/v1/document/upload", "billing.txt", "The billing service sends invoices on the first day of every month.", map[string]string{"addToWorkspaces": "kb"})
	st, out := c.chat(t, "/api/v1/workspace/kb/chat", map[string]any{"message": "when are invoices sent?", "mode": "chat"})
	if st != 200 || out.Type != "textResponse" || out.TextResponse == nil || *out.TextResponse != "Echo: when are invoices sent?" || out.Error != nil || out.ChatID == 0 || !out.Close {
		t.Fatalf("chat = %d %+v", st, out)
	}
	if len(out.Sources) != 1 || !strings.Contains(out.Sources[0]["text"].(string), "invoices") || out.Sources[0]["score"] == nil {
		t.Fatalf("sources = %+v", out.Sources)
	}
	if out.Metrics["provider"] != "generic-openai" || out.Metrics["total_tokens"] == nil {
		t.Fatalf("metrics = %v", out.Metrics)
	}
	req := c.fake.Requests()[0]
	sys := req.Messages[0].Text()
	if req.Messages[0].Role != "system" || !strings.Contains(sys, "\nContext:\n[CONTEXT 0]:\n") || !strings.Contains(sys, "invoices") || strings.Contains(sys, "{datetime}") {
		t.Fatalf("system prompt = %q", sys)
	}
	// The next turn carries the first as history.
	c.chat(t, "/api/v1/workspace/kb/chat", map[string]any{"message": "and the second question"})
	msgs := c.fake.Requests()[1].Messages
	if len(msgs) != 4 || msgs[1].Text() != "when are invoices sent?" || msgs[2].Text() != "Echo: when are invoices sent?" {
		t.Fatalf("history sent = %+v", msgs)
	}
	var h struct{ History []map[string]any }
	if st := c.DoJSON(t, "GET", "/api/v1/workspace/kb/chats?orderBy=desc&limit=1", nil, &h); st != 200 || len(h.History) != 2 ||
		h.History[0]["content"] != "and the second question" || h.History[1]["role"] != "assistant" || h.History[1]["type"] != "automatic" {
		t.Fatalf("chats = %d %+v", st, h)
	}
}

func TestChatBadInputIsAbortJSON(t *testing.T) {
	c := newChatEnv(t, nil, 0)
	newWorkspace(t, c.Env, map[string]any{"name": "W"})
	png := "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte{0x89, 'P', 'N', 'G'})
	cases := []struct {
		path   string
		body   map[string]any
		status int
		want   string
	}{
		{"/api/v1/workspace/ghost/chat", map[string]any{"message": "hi"}, 400, "Workspace ghost is not a valid workspace."},
		{"/api/v1/workspace/w/chat", map[string]any{"message": ""}, 400, "Message is empty"},
		{"/api/v1/workspace/w/chat", map[string]any{"message": "hi", "mode": "shout"}, 400, "shout is not a valid mode."},
		{"/api/v1/workspace/w/chat", map[string]any{"message": "hi", "attachments": []map[string]any{{"name": "a.png", "mime": "image/png", "contentString": "data:image/png;base64,!!!"}}}, 400, "not valid base64"},
		{"/api/v1/workspace/w/chat", map[string]any{"message": "hi", "attachments": []map[string]any{{"name": "a.exe", "mime": "application/x-msdownload", "contentString": png}}}, 400, "unsupported mime type"},
		{"/api/v1/workspace/w/stream-chat", map[string]any{"message": ""}, 400, "Message is empty"},
		{"/api/v1/workspace/w/thread/ghost/chat", map[string]any{"message": "hi"}, 404, "Thread ghost not found."},
	}
	for _, tc := range cases {
		st, out := c.chat(t, tc.path, tc.body)
		if st != tc.status || out.Type != "abort" || out.Error == nil || !strings.Contains(fmt.Sprint(out.Error), tc.want) || out.TextResponse != nil || !out.Close {
			t.Errorf("%s %v: %d %+v", tc.path, tc.body, st, out)
		}
	}
	if n := len(c.fake.Requests()); n != 0 {
		t.Fatalf("bad requests reached the LLM %d times", n)
	}
	// An image attachment is passed to the model.
	if st, _ := c.chat(t, "/api/v1/workspace/w/chat", map[string]any{"message": "look", "attachments": []map[string]any{{"name": "a.png", "mime": "image/png", "contentString": png}}}); st != 200 {
		t.Fatalf("image attachment: %d", st)
	}
	parts, ok := c.fake.Requests()[0].Messages[1].Content.([]any)
	if !ok || len(parts) != 2 || !strings.Contains(fmt.Sprint(parts[1]), "data:image/png;base64,") {
		t.Fatalf("image not sent: %+v", c.fake.Requests()[0].Messages[1].Content)
	}
}

func TestResetQueryRefusalAgentAndSessions(t *testing.T) {
	c := newChatEnv(t, nil, 0)
	newWorkspace(t, c.Env, map[string]any{"name": "W", "queryRefusalResponse": "Nothing here."})
	c.chat(t, "/api/v1/workspace/w/chat", map[string]any{"message": "one", "sessionId": "A"})
	c.chat(t, "/api/v1/workspace/w/chat", map[string]any{"message": "two", "sessionId": 42})
	msgs := c.fake.Requests()[1].Messages
	if len(msgs) != 2 {
		t.Fatalf("session 42 saw another session's history: %+v", msgs)
	}
	var raw map[string]any
	c.DoJSON(t, "POST", "/api/v1/workspace/w/chat", map[string]any{"message": "", "reset": true, "sessionId": "A"}, &raw)
	// Upstream answers a reset with "metrics":{}, present and empty.
	if raw["textResponse"] != "Chat history was reset!" || fmt.Sprint(raw["metrics"]) != "map[]" || raw["error"] != nil {
		t.Fatalf("reset = %+v", raw)
	}
	c.chat(t, "/api/v1/workspace/w/chat", map[string]any{"message": "three", "sessionId": "A"})
	if msgs := c.fake.Requests()[2].Messages; len(msgs) != 2 {
		t.Fatalf("history survived the reset: %+v", msgs)
	}
	calls := len(c.fake.Requests())
	_, out := c.chat(t, "/api/v1/workspace/w/chat", map[string]any{"message": "what?", "mode": "query"})
	if out.TextResponse == nil || *out.TextResponse != "Nothing here." || out.Type != "textResponse" {
		t.Fatalf("query refusal = %+v", out)
	}
	_, out = c.chat(t, "/api/v1/workspace/w/chat", map[string]any{"message": "@agent search the web"})
	if out.TextResponse == nil || !strings.Contains(*out.TextResponse, "not supported") {
		t.Fatalf("@agent = %+v", out)
	}
	if len(c.fake.Requests()) != calls {
		t.Fatal("a refusal or @agent message reached the LLM")
	}
	var h struct{ History []map[string]any }
	c.DoJSON(t, "GET", "/api/v1/workspace/w/chats?apiSessionId=A", nil, &h)
	if len(h.History) != 4 { // with a session, hidden chats are listed too (upstream)
		t.Fatalf("session A history = %d entries", len(h.History))
	}
}

// readEvents reads "data: <json>\n\n" events and checks the framing.
func readEvents(t *testing.T, resp *http.Response) []map[string]any {
	t.Helper()
	defer resp.Body.Close()
	var events []map[string]any
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	expectBlank := false
	for sc.Scan() {
		line := sc.Text()
		if expectBlank {
			if line != "" {
				t.Fatalf("event not followed by a blank line: %q", line)
			}
			expectBlank = false
			continue
		}
		payload, ok := strings.CutPrefix(line, "data: ")
		if !ok || payload == "[DONE]" {
			t.Fatalf("unexpected stream line %q", line)
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(payload), &ev); err != nil {
			t.Fatalf("event %q: %v", payload, err)
		}
		events = append(events, ev)
		expectBlank = true
	}
	return events
}

func TestStreamChatEvents(t *testing.T) {
	c := newChatEnv(t, nil, 0)
	newWorkspace(t, c.Env, map[string]any{"name": "S"})
	upload(t, c.Env, "/api/v1/document/upload", "k.txt", "Kubernetes restarts pods when the liveness probe fails.", map[string]string{"addToWorkspaces": "s"})
	resp := c.Do(t, "POST", "/api/v1/workspace/s/stream-chat", map[string]any{"message": "liveness probe pods"})
	if resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("Cache-Control") != "no-cache" || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("headers = %v", resp.Header)
	}
	events := readEvents(t, resp)
	if len(events) < 4 {
		t.Fatalf("events = %v", events)
	}
	var text strings.Builder
	uuid := events[0]["uuid"]
	for _, ev := range events[:len(events)-2] {
		if ev["type"] != "textResponseChunk" || ev["close"] != false || ev["error"] != false || ev["uuid"] != uuid || len(ev["sources"].([]any)) != 0 {
			t.Fatalf("chunk = %v", ev)
		}
		text.WriteString(ev["textResponse"].(string))
	}
	if text.String() != "Echo: liveness probe pods" {
		t.Fatalf("streamed text = %q", text.String())
	}
	closing, final := events[len(events)-2], events[len(events)-1]
	if closing["type"] != "textResponseChunk" || closing["close"] != true || closing["textResponse"] != "" {
		t.Fatalf("close chunk = %v", closing)
	}
	if final["type"] != "finalizeResponseStream" || final["uuid"] != uuid || final["chatId"] == nil || final["metrics"] == nil || len(final["sources"].([]any)) != 1 {
		t.Fatalf("finaliser = %v", final)
	}
	var h struct{ History []map[string]any }
	c.DoJSON(t, "GET", "/api/v1/workspace/s/chats", nil, &h)
	if len(h.History) != 2 || h.History[1]["content"] != "Echo: liveness probe pods" {
		t.Fatalf("stream not saved: %+v", h)
	}
}

// A client that disconnects mid-stream cancels the LLM request; the
// partial answer is saved.
func TestStreamDisconnectCancelsUpstream(t *testing.T) {
	c := newChatEnv(t, &fakeopenai.Options{ChunkDelay: 100 * time.Millisecond}, 0)
	newWorkspace(t, c.Env, map[string]any{"name": "D"})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", c.URL+"/api/v1/workspace/d/stream-chat", strings.NewReader(`{"message":"one two three four five six seven eight nine ten eleven twelve"}`))
	req.Header.Set("Authorization", "Bearer "+c.Key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	if _, err := br.ReadString('\n'); err != nil { // the first chunk arrived
		t.Fatal(err)
	}
	cancel()
	resp.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for c.fake.Canceled() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the LLM request kept running after the client left")
		}
		time.Sleep(20 * time.Millisecond)
	}
	ws, _ := c.App.Store().Workspaces().GetBySlug(context.Background(), "d")
	for time.Now().Before(deadline) {
		chats, _ := c.App.Store().Chats().List(context.Background(), &anythingllm.ChatFilter{WorkspaceID: ws.ID})
		if len(chats) == 1 {
			if !strings.Contains(chats[0].Response, "Echo:") || strings.Contains(chats[0].Response, "twelve") {
				t.Fatalf("saved = %s, want the partial answer", chats[0].Response)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the partial answer was not saved")
}

func TestThreads(t *testing.T) {
	c := newChatEnv(t, nil, 0)
	newWorkspace(t, c.Env, map[string]any{"name": "T"})
	var th struct {
		Thread  map[string]any
		Message *string
	}
	if st := c.DoJSON(t, "POST", "/api/v1/workspace/t/thread/new", map[string]any{"name": "Support", "slug": "Support Case"}, &th); st != 200 || th.Thread["slug"] != "Support-Case" || th.Thread["name"] != "Support" {
		t.Fatalf("new thread: %d %+v", st, th)
	}
	if st := c.DoJSON(t, "POST", "/api/v1/workspace/t/thread/new", map[string]any{"slug": "Support Case"}, nil); st != 409 {
		t.Fatalf("duplicate thread slug: %d", st)
	}
	if st, out := c.chat(t, "/api/v1/workspace/t/thread/Support-Case/chat", map[string]any{"message": "in thread"}); st != 200 || *out.TextResponse != "Echo: in thread" {
		t.Fatalf("thread chat: %d %+v", st, out)
	}
	c.chat(t, "/api/v1/workspace/t/chat", map[string]any{"message": "outside"})
	if msgs := c.fake.Requests()[1].Messages; len(msgs) != 2 {
		t.Fatal("thread history leaked into the workspace conversation")
	}
	var h struct{ History []map[string]any }
	if st := c.DoJSON(t, "GET", "/api/v1/workspace/t/thread/Support-Case/chats", nil, &h); st != 200 || len(h.History) != 2 || h.History[0]["content"] != "in thread" {
		t.Fatalf("thread chats: %d %+v", st, h)
	}
	if st := c.DoJSON(t, "POST", "/api/v1/workspace/t/thread/Support-Case/update", map[string]any{"name": "Renamed"}, &th); st != 200 || th.Thread["name"] != "Renamed" {
		t.Fatalf("rename: %d %+v", st, th)
	}
	for _, p := range []string{"/api/v1/workspace/ghost/thread/Support-Case/chats", "/api/v1/workspace/t/thread/ghost/chats"} {
		if st := c.DoJSON(t, "GET", p, nil, nil); st != 404 {
			t.Fatalf("%s: %d", p, st)
		}
	}
	resp := c.Do(t, "DELETE", "/api/v1/workspace/t/thread/Support-Case", nil)
	if body := httpapitest.Body(t, resp); resp.StatusCode != 200 || body != "OK" {
		t.Fatalf("delete thread: %d %q", resp.StatusCode, body)
	}
	ws, _ := c.App.Store().Workspaces().GetBySlug(context.Background(), "t")
	if n, _ := c.App.Store().Chats().Count(context.Background(), &anythingllm.ChatFilter{WorkspaceID: ws.ID}); n != 1 {
		t.Fatalf("thread chats survived: %d chats", n)
	}
}

// A 50-turn conversation never sends the model more than its window.
func TestLongConversationStaysInsideWindow(t *testing.T) {
	const window = 1500
	long := strings.Repeat("This answer is deliberately verbose and repetitive. ", 20)
	c := newChatEnv(t, &fakeopenai.Options{Reply: func(*fakeopenai.ChatRequest) string { return long }}, window)
	newWorkspace(t, c.Env, map[string]any{"name": "Long", "openAiHistory": 50})
	tk := tokenizer.New()
	for i := range 50 {
		if st, _ := c.chat(t, "/api/v1/workspace/long/chat", map[string]any{"message": fmt.Sprintf("question number %d %s", i, strings.Repeat("padding ", 30))}); st != 200 {
			t.Fatalf("turn %d: %d", i, st)
		}
	}
	for i, r := range c.fake.Requests() {
		n := 5
		for _, m := range r.Messages {
			n += 3 + tk.CountTokens(m.Text())
		}
		if n > window {
			t.Fatalf("turn %d sent %d tokens to a %d-token window", i, n, window)
		}
		if last := r.Messages[len(r.Messages)-1]; !strings.HasPrefix(last.Text(), fmt.Sprintf("question number %d ", i)) {
			t.Fatalf("turn %d: the user message was cut or lost", i)
		}
	}
	if last := c.fake.Requests()[49]; len(last.Messages) < 3 {
		t.Fatal("no history was kept at all")
	}
}

func TestChatWithoutLLMNamesTheProvider(t *testing.T) {
	env := httpapitest.New(t, &httpapitest.Options{Deps: ragDeps(), App: &anythingllm.Options{LLMProvider: "ollama"}})
	newWorkspace(t, env, map[string]any{"name": "N"})
	var out chatOut
	st := env.DoJSON(t, "POST", "/api/v1/workspace/n/chat", map[string]any{"message": "hi"}, &out)
	if st != 503 || out.Type != "abort" || !strings.Contains(fmt.Sprint(out.Error), "LLM_PROVIDER=ollama") {
		t.Fatalf("no LLM: %d %+v", st, out)
	}
}

// Sources cited in earlier turns fill the context when a search finds
// fewer than topN, as upstream's source back-fill does.
func TestChatBackfillsSourcesFromHistory(t *testing.T) {
	c := newChatEnv(t, nil, 0)
	newWorkspace(t, c.Env, map[string]any{"name": "Kb", "topN": 2, "similarityThreshold": 0.3})
	upload(t, c.Env, "/api/v1/document/upload", "billing.txt", "The billing service sends invoices on the first day of every month.", map[string]string{"addToWorkspaces": "kb"})
	upload(t, c.Env, "/api/v1/document/upload", "birds.txt", "Penguins live in Antarctica and eat fish and krill.", map[string]string{"addToWorkspaces": "kb"})
	_, first := c.chat(t, "/api/v1/workspace/kb/chat", map[string]any{"message": "billing service invoices month", "mode": "chat"})
	if len(first.Sources) != 1 || !strings.Contains(first.Sources[0]["text"].(string), "invoices") {
		t.Fatalf("first turn sources = %+v", first.Sources)
	}
	_, second := c.chat(t, "/api/v1/workspace/kb/chat", map[string]any{"message": "penguins antarctica fish krill", "mode": "chat"})
	if len(second.Sources) != 1 || !strings.Contains(second.Sources[0]["text"].(string), "Penguins") {
		t.Fatalf("second turn sources = %+v", second.Sources)
	}
	sys := c.fake.Requests()[1].Messages[0].Text()
	if !strings.Contains(sys, "Penguins") || !strings.Contains(sys, "invoices") {
		t.Fatalf("the second turn's context lacks the back-filled source: %q", sys)
	}
	// A workspace with topN 1 is full after its search: nothing is back-filled.
	newWorkspace(t, c.Env, map[string]any{"name": "One", "topN": 1, "similarityThreshold": 0.3})
	upload(t, c.Env, "/api/v1/document/upload", "billing2.txt", "The billing service sends invoices on the first day of every month.", map[string]string{"addToWorkspaces": "one"})
	upload(t, c.Env, "/api/v1/document/upload", "birds2.txt", "Penguins live in Antarctica and eat fish and krill.", map[string]string{"addToWorkspaces": "one"})
	c.chat(t, "/api/v1/workspace/one/chat", map[string]any{"message": "billing service invoices month", "mode": "chat"})
	c.chat(t, "/api/v1/workspace/one/chat", map[string]any{"message": "penguins antarctica fish krill", "mode": "chat"})
	if sys := c.fake.Requests()[3].Messages[0].Text(); strings.Contains(sys, "invoices") {
		t.Fatalf("topN 1 back-filled anyway: %q", sys)
	}
}

// An empty completion is upstream's abort, with the call's metrics, and is
// not saved.
func TestEmptyCompletionAborts(t *testing.T) {
	c := newChatEnv(t, &fakeopenai.Options{Reply: func(*fakeopenai.ChatRequest) string { return "  " }}, 0)
	newWorkspace(t, c.Env, map[string]any{"name": "W"})
	st, out := c.chat(t, "/api/v1/workspace/w/chat", map[string]any{"message": "hello", "mode": "chat"})
	if st != 200 || out.Type != "abort" || out.Error != "No text completion could be completed with this input." ||
		out.TextResponse != nil || !out.Close || out.ChatID != 0 || out.Metrics["provider"] != "generic-openai" {
		t.Fatalf("empty completion = %d %+v", st, out)
	}
	var h struct{ History []map[string]any }
	if st := c.DoJSON(t, "GET", "/api/v1/workspace/w/chats", nil, &h); st != 200 || h.History == nil || len(h.History) != 0 {
		t.Fatalf("an aborted chat was saved: %d %+v", st, h.History)
	}
}
