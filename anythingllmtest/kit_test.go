package anythingllmtest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllmtest"
	"github.com/anythingllm-go/anythingllm/providers/providertest"
)

type chatAnswer struct {
	Type         string  `json:"type"`
	TextResponse *string `json:"textResponse"`
	Error        any     `json:"error"`
	Sources      []struct {
		Text string `json:"text"`
	} `json:"sources"`
}

func chat(t *testing.T, srv *anythingllmtest.Server, slug, message string) chatAnswer {
	t.Helper()
	var out chatAnswer
	st, err := srv.DoJSON(t.Context(), "POST", "/api/v1/workspace/"+slug+"/chat", map[string]string{"message": message, "mode": "chat"}, &out)
	if err != nil || st != 200 {
		t.Fatalf("chat: %d %v", st, err)
	}
	return out
}

func TestServerChatAnswersTheScriptedReply(t *testing.T) {
	m := anythingllmtest.NewChatModel().Reply("scripted answer")
	srv := anythingllmtest.NewServer(t, anythingllmtest.WithChatModel(m), anythingllmtest.WithWorkspace("Kit Space"))
	if srv.Model != m {
		t.Fatal("Server.Model is not the scripted model passed in")
	}
	got := chat(t, srv, "kit-space", "hello")
	if got.Type != "textResponse" || got.TextResponse == nil || *got.TextResponse != "scripted answer" {
		t.Fatalf("chat = %+v", got)
	}
	if p := m.LastPrompt(); !strings.Contains(p, "user: hello") {
		t.Fatalf("recorded prompt lacks the user message:\n%s", p)
	}
	// The queue is spent: the fallback echoes.
	if got := chat(t, srv, "kit-space", "again"); *got.TextResponse != "Echo: again" {
		t.Fatalf("after the queue: %q", *got.TextResponse)
	}
}

func TestServerWithoutAKeyIsRefused(t *testing.T) {
	srv := anythingllmtest.NewServer(t)
	resp, err := srv.HTTP.Client().Get(srv.URL + "/api/v1/auth")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("no key: %d, want 403", resp.StatusCode)
	}
	var auth struct{ Authenticated bool }
	if st, err := srv.DoJSON(t.Context(), "GET", "/api/v1/auth", nil, &auth); err != nil || st != 200 || !auth.Authenticated {
		t.Fatalf("with Server.Key: %d %v %+v", st, err, auth)
	}
}

func TestPromptCarriesRetrievedDocumentAfterIngest(t *testing.T) {
	srv := anythingllmtest.NewServer(t, anythingllmtest.WithWorkspace("kb"))
	const fact = "The lighthouse keeper of Skerryvore is named Angus MacLeod."
	var up struct{ Success bool }
	st, err := srv.DoJSON(t.Context(), "POST", "/api/v1/document/raw-text", map[string]any{
		"textContent": fact, "metadata": map[string]string{"title": "keeper"}, "addToWorkspaces": "kb",
	}, &up)
	if err != nil || st != 200 || !up.Success {
		t.Fatalf("raw-text: %d %v %+v", st, err, up)
	}
	got := chat(t, srv, "kb", "Who is the lighthouse keeper of Skerryvore?")
	if len(got.Sources) == 0 || !strings.Contains(got.Sources[0].Text, "Angus MacLeod") {
		t.Fatalf("no source cited: %+v", got)
	}
	reqs := srv.Model.Requests()
	if len(reqs) != 1 || reqs[0].Messages[0].Role != anythingllm.RoleSystem || !strings.Contains(reqs[0].Messages[0].Content, fact) {
		t.Fatalf("the system prompt lacks the document:\n%s", srv.Model.LastPrompt())
	}
}

func TestServerStreamYieldsScriptedChunks(t *testing.T) {
	m := anythingllmtest.NewChatModel().Then(anythingllmtest.Turn{Chunks: []string{"Hel", "lo, ", "world"}})
	srv := anythingllmtest.NewServer(t, anythingllmtest.WithChatModel(m), anythingllmtest.WithWorkspace("s"))
	resp, err := srv.Do(t.Context(), "POST", "/api/v1/workspace/s/stream-chat", map[string]string{"message": "hi"})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var chunks []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var ev chatAnswer
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			t.Fatalf("event %q: %v", data, err)
		}
		if ev.Type == "textResponseChunk" && ev.TextResponse != nil && *ev.TextResponse != "" {
			chunks = append(chunks, *ev.TextResponse)
		}
	}
	if want := []string{"Hel", "lo, ", "world"}; !slices.Equal(chunks, want) {
		t.Fatalf("stream chunks = %q, want %q", chunks, want)
	}
}

func TestInjectedErrorSurfaces(t *testing.T) {
	// A refusal, not an outage: the App retries outages and rate limits.
	m := anythingllmtest.NewChatModel().Fail(anythingllm.Errorf(anythingllm.PermissionDenied, "the scripted LLM is down"))
	srv := anythingllmtest.NewServer(t, anythingllmtest.WithChatModel(m), anythingllmtest.WithWorkspace("e"))
	got := chat(t, srv, "e", "hello?")
	if got.Type != "abort" || got.Error != "the scripted LLM is down" {
		t.Fatalf("chat after an injected error = %+v", got)
	}

	// In the library, a failure mid-stream sends an abort event after the
	// chunks already sent.
	boom := errors.New("connection reset")
	m.Then(anythingllmtest.Turn{Chunks: []string{"partial "}, Err: anythingllm.WrapError(anythingllm.Unavailable, boom, "stream broke")})
	var events []*anythingllm.ChatResult
	err := srv.App.StreamChat(t.Context(), "e", &anythingllm.ChatInput{Message: "go"}, func(r *anythingllm.ChatResult) error {
		events = append(events, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	abort := slices.IndexFunc(events, func(r *anythingllm.ChatResult) bool { return r.Type == "abort" })
	if events[0].Type != "textResponseChunk" || *events[0].TextResponse != "partial " || abort < 1 || anythingllm.ErrorMessage(events[abort].Error) != "stream broke" {
		t.Fatalf("events: first %+v, abort at %d", events[0], abort)
	}
}

func TestChatModelScriptOrder(t *testing.T) {
	ctx := context.Background()
	m := anythingllmtest.NewChatModel().
		ReplyTo("weather", "sunny").
		Reply("queued").
		Respond(func(req *anythingllm.ChatRequest) string { return "fallback" })
	ask := func(msg string) (string, error) {
		resp, err := m.Chat(ctx, &anythingllm.ChatRequest{Messages: []anythingllm.Message{{Role: anythingllm.RoleUser, Content: msg}}})
		if err != nil {
			return "", err
		}
		return resp.Text, nil
	}
	for _, c := range []struct{ msg, want string }{{"weather?", "queued"}, {"weather?", "sunny"}, {"other", "fallback"}} {
		if got, err := ask(c.msg); err != nil || got != c.want {
			t.Fatalf("ask(%q) = %q, %v; want %q", c.msg, got, err, c.want)
		}
	}
	if m.Calls() != 3 || len(m.Prompts()) != 3 || m.Prompts()[2] != "user: other\n" {
		t.Fatalf("recorded %d calls, prompts %q", m.Calls(), m.Prompts())
	}
}

func TestEmbedderFailsOnDemandAndCounts(t *testing.T) {
	ctx := context.Background()
	e := anythingllmtest.NewEmbedder(8).Fail(anythingllm.ErrRateLimited)
	if _, err := e.Embed(ctx, []string{"a"}); !errors.Is(err, anythingllm.ErrRateLimited) {
		t.Fatalf("first call: %v", err)
	}
	vs, err := e.Embed(ctx, []string{"red apples", "red apples", "", "blue sky"})
	if err != nil || len(vs) != 4 || len(vs[0]) != 8 {
		t.Fatalf("second call: %d vectors, %v", len(vs), err)
	}
	if !slices.Equal(vs[0], vs[1]) || slices.Equal(vs[0], vs[3]) || vs[2][0] != 1 {
		t.Fatalf("not deterministic or not distinct: %v", vs)
	}
	if e.Calls() != 2 || e.Texts() != 4 {
		t.Fatalf("calls %d texts %d", e.Calls(), e.Texts())
	}
}

func TestKitPassesProviderConformance(t *testing.T) {
	providertest.RunChatModelTests(t, providertest.ChatHarness{
		New: func(t *testing.T) anythingllm.ChatModel { return anythingllmtest.NewChatModel() },
		SlowStream: func(t *testing.T) (anythingllm.ChatModel, func() bool) {
			m := anythingllmtest.NewChatModel().ChunkDelay(10 * time.Millisecond)
			return m, func() bool { return m.Abandoned() > 0 }
		},
	})
	providertest.RunEmbedderTests(t, func(t *testing.T) anythingllm.Embedder { return anythingllmtest.NewEmbedder(0) })
}

func TestNewAppServesTheLibraryWithoutHTTP(t *testing.T) {
	ctx := t.Context()
	emb := anythingllmtest.NewEmbedder(32)
	app := anythingllmtest.NewApp(t, anythingllmtest.WithEmbedder(emb), anythingllmtest.WithWorkspace("Lib"))
	if _, err := app.CreateRawText(ctx, &anythingllm.RawTextRequest{TextContent: "Penguins live in the southern hemisphere.",
		Metadata: anythingllm.DocumentMetadata{Title: "penguins"}, AddToWorkspaces: []string{"lib"}}); err != nil {
		t.Fatal(err)
	}
	if emb.Texts() != 1 {
		t.Fatalf("the kit embedder embedded %d texts, want 1 chunk", emb.Texts())
	}
	hits, err := app.VectorSearch(ctx, "lib", &anythingllm.VectorSearchRequest{Query: "where do penguins live"})
	if err != nil || len(hits) != 1 || !strings.Contains(hits[0].Text, "southern hemisphere") {
		t.Fatalf("vector search: %+v, %v", hits, err)
	}
	res, err := app.Chat(ctx, "lib", &anythingllm.ChatInput{Message: "where do penguins live?"})
	if err != nil || res.TextResponse == nil || *res.TextResponse != "Echo: where do penguins live?" {
		t.Fatalf("chat with the default scripted model: %+v, %v", res, err)
	}
}

func TestClientGoneStopsTheScriptedStream(t *testing.T) {
	m := anythingllmtest.NewChatModel().ChunkDelay(20 * time.Millisecond).Reply("one two three four five six seven eight nine ten")
	srv := anythingllmtest.NewServer(t, anythingllmtest.WithChatModel(m), anythingllmtest.WithWorkspace("s"))
	ctx, cancel := context.WithCancel(t.Context())
	resp, err := srv.Do(ctx, "POST", "/api/v1/workspace/s/stream-chat", map[string]string{"message": "count"})
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() && !strings.Contains(sc.Text(), "one ") {
	}
	cancel()
	resp.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for m.Abandoned() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the stream kept running after the client went away")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
