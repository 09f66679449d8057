package httpapi_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"iter"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/httpapi"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
)

// holdLLM is a slow chat model: a stream yields one chunk, then holds
// until its context ends (or, with flood, yields big chunks without end).
type holdLLM struct {
	flood          bool
	mu             sync.Mutex
	started, ended int // streams begun, and whose loop has returned
}

func (h *holdLLM) Chat(ctx context.Context, req *anythingllm.ChatRequest) (*anythingllm.ChatResponse, error) {
	return &anythingllm.ChatResponse{Text: "ok", FinishReason: "stop"}, nil
}

func (h *holdLLM) ChatStream(ctx context.Context, req *anythingllm.ChatRequest) iter.Seq2[anythingllm.ChatChunk, error] {
	return func(yield func(anythingllm.ChatChunk, error) bool) {
		h.mu.Lock()
		h.started++
		h.mu.Unlock()
		defer func() {
			h.mu.Lock()
			h.ended++
			h.mu.Unlock()
		}()
		big := strings.Repeat("x", 64<<10)
		if !yield(anythingllm.ChatChunk{Text: "hello"}, nil) {
			return
		}
		for h.flood {
			if ctx.Err() != nil || !yield(anythingllm.ChatChunk{Text: big}, nil) {
				return
			}
		}
		<-ctx.Done()
		yield(anythingllm.ChatChunk{}, ctx.Err())
	}
}

func (h *holdLLM) counts() (started, ended int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.started, h.ended
}

func holdEnv(t *testing.T, llm *holdLLM, opts *httpapi.Options) *httpapitest.Env {
	t.Helper()
	deps := ragDeps()
	deps.LLM = llm
	env := httpapitest.New(t, &httpapitest.Options{Deps: deps, Server: opts})
	newWorkspace(t, env, map[string]any{"name": "ws"})
	return env
}

// openStream starts a stream and reads its first event, so the stream is
// known to be open; cancel ends it from the client side.
func openStream(t *testing.T, env *httpapitest.Env, key, path, body string) (status int, resp *http.Response, cancel func()) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", env.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		stop()
		t.Fatal(err)
	}
	if resp.StatusCode == 200 {
		line, err := bufio.NewReader(resp.Body).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "data: ") {
			t.Fatalf("first stream line %q: %v", line, err)
		}
	}
	return resp.StatusCode, resp, func() { stop(); resp.Body.Close() }
}

// TestStreamLimitPerKeyAnswers429: a key holding StreamsPerKey open streams
// (workspace, thread and OpenAI-compatible streams all count) gets a 429
// JSON with Retry-After for one more, before any stream byte; another key
// and non-streamed chats are not limited; a stream whose client goes away
// gives its slot back.
func TestStreamLimitPerKeyAnswers429(t *testing.T) {
	llm := &holdLLM{}
	env := holdEnv(t, llm, &httpapi.Options{StreamsPerKey: 3})
	if st := env.DoJSON(t, "POST", "/api/v1/workspace/ws/thread/new", map[string]any{"slug": "th"}, nil); st != 200 {
		t.Fatalf("thread: %d", st)
	}
	chat := `{"message":"hi","mode":"chat"}`
	oai := `{"model":"ws","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	var cancels []func()
	defer func() {
		for _, c := range cancels {
			c()
		}
	}()
	for _, p := range []struct{ path, body string }{
		{"/api/v1/workspace/ws/stream-chat", chat},
		{"/api/v1/workspace/ws/thread/th/stream-chat", chat},
		{"/api/v1/openai/chat/completions", oai},
	} {
		st, _, cancel := openStream(t, env, env.Key, p.path, p.body)
		cancels = append(cancels, cancel)
		if st != 200 {
			t.Fatalf("stream %s under the limit: %d", p.path, st)
		}
	}
	for _, p := range []struct{ path, body, want string }{
		{"/api/v1/workspace/ws/stream-chat", chat, `"type":"abort"`},
		{"/api/v1/openai/chat/completions", oai, `"rate_limit_exceeded"`},
	} {
		st, resp, cancel := openStream(t, env, env.Key, p.path, p.body)
		if st == 200 {
			cancel()
			t.Fatalf("one stream over the limit on %s was admitted", p.path)
		}
		body, _ := io.ReadAll(resp.Body)
		cancel()
		if st != 429 || resp.Header.Get("Retry-After") == "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
			!strings.Contains(string(body), "too many open streams") || !strings.Contains(string(body), p.want) {
			t.Fatalf("one stream over the limit on %s: %d Retry-After=%q %s %s", p.path, st, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"), body)
		}
	}
	// A chat that is not streamed is not counted.
	if st := env.DoJSON(t, "POST", "/api/v1/workspace/ws/chat", map[string]any{"message": "hi", "mode": "chat"}, nil); st != 200 {
		t.Fatalf("plain chat at the stream limit: %d", st)
	}
	// Another key has its own count.
	_, other, err := env.App.CreateAPIKey(context.Background(), &anythingllm.CreateAPIKeyRequest{Name: "other"})
	if err != nil {
		t.Fatal(err)
	}
	st, _, cancel := openStream(t, env, other, "/api/v1/workspace/ws/stream-chat", chat)
	cancels = append(cancels, cancel)
	if st != 200 {
		t.Fatalf("another key's stream: %d", st)
	}
	// The first client goes away: its slot comes back.
	cancels[0]()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, _, cancel := openStream(t, env, env.Key, "/api/v1/workspace/ws/stream-chat", chat)
		cancels = append(cancels, cancel)
		if st == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a client went away, yet the key's next stream still gets %d", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestStreamLimitNegativeIsUnlimited: StreamsPerKey < 0 turns the cap off.
func TestStreamLimitNegativeIsUnlimited(t *testing.T) {
	env := holdEnv(t, &holdLLM{}, &httpapi.Options{StreamsPerKey: -1})
	for i := range 12 {
		st, _, cancel := openStream(t, env, env.Key, "/api/v1/workspace/ws/stream-chat", `{"message":"hi","mode":"chat"}`)
		defer cancel()
		if st != 200 {
			t.Fatalf("stream %d with no limit: %d", i, st)
		}
	}
}

// rawServer serves app with NewHTTPServer's limits on a real listener.
func rawServer(t *testing.T, env *httpapitest.Env, opts *httpapi.Options) string {
	t.Helper()
	srv := httpapi.NewHTTPServer(env.App, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(smallBuffers{ln}) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// smallBuffers gives accepted connections small send buffers, so a client
// that does not read blocks the server's writes after kilobytes rather than
// the megabytes loopback buffers by default (which take long under -race).
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(32 << 10)
	}
	return c, err
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitClosed reads until the server closes the connection; it fails the
// test when the connection is still open after limit.
func waitClosed(t *testing.T, c net.Conn, limit time.Duration) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(limit))
	b, err := io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %v (read so far: %q)", limit, b)
	}
	return string(b)
}

// TestSlowHeadersAreCut: a client sending its headers slower than
// ReadHeaderTimeout has its connection closed.
func TestSlowHeadersAreCut(t *testing.T) {
	env := httpapitest.New(t, nil)
	addr := rawServer(t, env, &httpapi.Options{ReadHeaderTimeout: 300 * time.Millisecond})
	c := dial(t, addr)
	start := time.Now()
	fmt.Fprintf(c, "GET /api/ping HTTP/1.1\r\nHost: x\r\n")
	go func() { // one header line every 100 ms, never the blank line
		for i := 0; i < 100; i++ {
			if _, err := fmt.Fprintf(c, "X-Slow-%d: y\r\n", i); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	got := waitClosed(t, c, 5*time.Second)
	if strings.Contains(got, "200 OK") {
		t.Fatalf("slow headers were served: %q", got)
	}
	t.Logf("closed after %v", time.Since(start).Round(time.Millisecond))
}

// TestOversizedHeaderIs431: a header block over MaxHeaderBytes (the
// default, 64 KiB) is refused with 431.
func TestOversizedHeaderIs431(t *testing.T) {
	env := httpapitest.New(t, nil)
	addr := rawServer(t, env, nil)
	c := dial(t, addr)
	fmt.Fprintf(c, "GET /api/ping HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 100<<10))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("a 100 KiB header: %d, want 431", resp.StatusCode)
	}
	// A header under the limit is fine.
	c = dial(t, addr)
	fmt.Fprintf(c, "GET /api/ping HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 32<<10))
	if resp, err = http.ReadResponse(bufio.NewReader(c), nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("a 32 KiB header: %v %v", resp, err)
	}
}

// TestSlowBodyIsCut: a body trickling in slower than MinBodyRate past
// BodyReadTimeout is answered 408 JSON and its connection closed, and
// nothing is written; a large body at a sane rate, taking longer than
// BodyReadTimeout, is read whole.
func TestSlowBodyIsCut(t *testing.T) {
	env := httpapitest.New(t, &httpapitest.Options{Deps: ragDeps()})
	opts := &httpapi.Options{BodyReadTimeout: 500 * time.Millisecond, MinBodyRate: 10_000}
	addr := rawServer(t, env, opts)
	c := dial(t, addr)
	body := `{"name":"slow` + strings.Repeat("w", 1000) + `"}`
	fmt.Fprintf(c, "POST /api/v1/workspace/new HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", env.Key, len(body))
	go func(body string) { // 10 bytes a second: the whole body would take 100 s
		for i := range len(body) {
			if _, err := c.Write([]byte{body[i]}); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}(body)
	got := waitClosed(t, c, 5*time.Second)
	if !strings.HasPrefix(got, "HTTP/1.1 408") || !strings.Contains(got, `"reading the request body took too long"`) || !strings.Contains(got, "application/json") {
		t.Fatalf("slow body answer: %q", got)
	}
	var ws struct{ Workspaces []any }
	if env.DoJSON(t, "GET", "/api/v1/workspaces", nil, &ws); len(ws.Workspaces) != 0 {
		t.Fatalf("the cut request wrote a workspace: %v", ws.Workspaces)
	}

	// 40 KB at ~40 KB/s takes about 1 s, twice BodyReadTimeout, but each
	// 10 KB received extends the deadline by a second.
	text := strings.Repeat("steady ", 40_000/7)
	body = `{"textContent":"` + text + `","metadata":{"title":"steady"}}`
	c2 := dial(t, addr)
	fmt.Fprintf(c2, "POST /api/v1/document/raw-text HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", env.Key, len(body))
	start := time.Now()
	for i := 0; i < len(body); i += 1000 {
		if _, err := io.WriteString(c2, body[i:min(i+1000, len(body))]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(25 * time.Millisecond)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c2), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("a steady body over %v: %d %s", time.Since(start), resp.StatusCode, b)
	}
}

// TestClientThatNeverReadsAStreamIsDropped: a client that opens a stream
// and never reads it does not hold the server: other requests are served
// meanwhile, and once the socket buffers are full the write deadline ends
// the handler, which gives the key's stream slot back (StreamsPerKey 1,
// so a second stream is admitted only then).
func TestClientThatNeverReadsAStreamIsDropped(t *testing.T) {
	llm := &holdLLM{flood: true}
	deps := ragDeps()
	deps.LLM = llm
	env := httpapitest.New(t, &httpapitest.Options{Deps: deps, NoSchemaCheck: true})
	newWorkspace(t, env, map[string]any{"name": "ws"})
	addr := rawServer(t, env, &httpapi.Options{StreamsPerKey: 1, StreamWriteTimeout: 500 * time.Millisecond})
	c := dial(t, addr)
	_ = c.(*net.TCPConn).SetReadBuffer(32 << 10)
	body := `{"message":"hi","mode":"chat"}`
	fmt.Fprintf(c, "POST /api/v1/workspace/ws/stream-chat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", env.Key, len(body), body)
	// ... and never read c.
	for n := 0; n == 0; n, _ = llm.counts() {
		time.Sleep(10 * time.Millisecond)
	}

	base := "http://" + addr
	stream := func() int {
		// Its own session: the never-read answer (megabytes) is not its history.
		req, _ := http.NewRequest("POST", base+"/api/v1/workspace/ws/stream-chat", strings.NewReader(`{"message":"hi","mode":"chat","sessionId":"poll"}`))
		req.Header.Set("Authorization", "Bearer "+env.Key)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode
	}
	deadline := time.Now().Add(20 * time.Second)
	sawBusy := false
	for {
		resp, err := http.Get(base + "/api/ping")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("ping while a client does not read its stream: %v %v", resp, err)
		}
		resp.Body.Close()
		st := stream()
		if st == 200 {
			break
		}
		if st != 429 {
			t.Fatalf("second stream: %d", st)
		}
		sawBusy = true
		if time.Now().After(deadline) {
			t.Fatal("the stream of a client that never reads still holds its slot after 20 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !sawBusy {
		t.Fatal("the second stream was admitted at once: the first never held its slot")
	}
	if _, ended := llm.counts(); ended == 0 {
		t.Fatal("the never-read stream's LLM call is still running")
	}
}
