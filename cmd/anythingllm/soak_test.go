package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/providers/providertest/fakeopenai"
)

// soakSeconds is how long the soak's load runs in all (half before the
// SIGKILL, half after the restart): ANYTHINGLLM_TEST_SOAK_SECONDS, default 60.
func soakSeconds() time.Duration {
	if s, err := strconv.Atoi(os.Getenv("ANYTHINGLLM_TEST_SOAK_SECONDS")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 60 * time.Second
}

// TestSoakKillRestart: 64 clients create workspaces and threads, chat
// through a fake LLM, store raw text and search, against one stock binary;
// halfway it is SIGKILLed and restarted on the same data, and the load goes
// on. No answer is a 5xx except while the server is down, and every write
// the server acknowledged is there afterwards (counted per kind).
func TestSoakKillRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("the soak runs for a minute per database; skipped with -short")
	}
	t.Run("SQLite", func(t *testing.T) { runSoak(t) })
	t.Run("PostgreSQL", func(t *testing.T) {
		runSoak(t, "DATABASE_URL="+postgresSchema(t), "DATABASE_MAX_CONNECTIONS=16")
	})
}

// soakLedger counts what the server acknowledged.
type soakLedger struct {
	mu         sync.Mutex
	workspaces []string // slugs
	threads    []string // slugs, in the base workspace
	docs       []string // document file names
	chats      []string // prompts
	calls      map[string]int
	failures   []string
}

func (l *soakLedger) add(dst *[]string, v string) {
	l.mu.Lock()
	*dst = append(*dst, v)
	l.mu.Unlock()
}

func (l *soakLedger) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.failures) < 20 {
		l.failures = append(l.failures, fmt.Sprintf(format, args...))
	}
}

func runSoak(t *testing.T, env ...string) {
	llm := fakeopenai.New(nil)
	t.Cleanup(llm.Close)
	in := newInstance(t, append([]string{"LLM_PROVIDER=generic-openai", "GENERIC_OPEN_AI_BASE_PATH=" + llm.BaseURL(),
		"GENERIC_OPEN_AI_MODEL_PREF=fake-model", "STREAM_LIMIT_PER_KEY=0"}, env...)...)
	if _, stderr, err := in.cli("migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, stderr)
	}
	c := &cluster{t: t, replicas: []*instance{in}, key: in.createKey(), client: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}}
	in.start()
	c.mustJSON(0, "POST", "/api/v1/workspace/new", map[string]any{"name": "base"}, nil)

	// down is 1 from the SIGKILL until the restarted server answers:
	// transport errors and 5xx are expected only for requests that overlap
	// that window.
	var down, epoch atomic.Int64
	l := &soakLedger{calls: map[string]int{}}
	step := func(client, n int) {
		startEpoch := epoch.Load()
		var op string
		var ack func(b []byte)
		var st int
		var b []byte
		var err error
		tok := randomToken(12)
		switch n % 8 {
		case 0:
			op = "workspace"
			st, b, err = c.jsonCall(0, "POST", "/api/v1/workspace/new", map[string]any{"name": "soak " + tok})
			ack = func(b []byte) {
				var out struct{ Workspace struct{ Slug string } }
				if json.Unmarshal(b, &out) != nil || out.Workspace.Slug == "" {
					l.fail("workspace answer: %s", b)
					return
				}
				l.add(&l.workspaces, out.Workspace.Slug)
			}
		case 1, 2:
			op = "raw-text"
			st, b, err = c.jsonCall(0, "POST", "/api/v1/document/raw-text", map[string]any{
				"textContent": "Soak note " + tok + ".", "metadata": map[string]string{"title": tok}, "addToWorkspaces": "base"})
			ack = func(b []byte) {
				var out struct{ Documents []struct{ Location string } }
				if json.Unmarshal(b, &out) != nil || len(out.Documents) != 1 {
					l.fail("raw-text answer: %s", b)
					return
				}
				l.add(&l.docs, filepath.Base(out.Documents[0].Location))
			}
		case 3:
			op = "thread"
			st, b, err = c.jsonCall(0, "POST", "/api/v1/workspace/base/thread/new", map[string]any{"name": tok})
			ack = func(b []byte) {
				var out struct{ Thread struct{ Slug string } }
				if json.Unmarshal(b, &out) != nil || out.Thread.Slug == "" {
					l.fail("thread answer: %s", b)
					return
				}
				l.add(&l.threads, out.Thread.Slug)
			}
		case 4, 5:
			op = "chat"
			prompt := fmt.Sprintf("soak question %s from %d", tok, client)
			st, b, err = c.jsonCall(0, "POST", "/api/v1/workspace/base/chat", map[string]any{"message": prompt, "mode": "chat", "sessionId": "c" + strconv.Itoa(client)})
			ack = func(b []byte) {
				if !bytes.Contains(b, []byte(`"error":null`)) {
					l.fail("chat answered an error: %s", b)
					return
				}
				l.add(&l.chats, prompt)
			}
		default:
			op = "vector-search"
			st, b, err = c.jsonCall(0, "POST", "/api/v1/workspace/base/vector-search", map[string]any{"query": tok, "topN": 4})
		}
		l.mu.Lock()
		l.calls[op]++
		l.mu.Unlock()
		overlapsKill := down.Load() == 1 || epoch.Load() != startEpoch
		switch {
		case err != nil || st >= 500:
			if !overlapsKill {
				l.fail("%s: %d %v %.200s", op, st, err, b)
			}
			if err != nil {
				time.Sleep(20 * time.Millisecond) // the port is closed: do not spin
			}
		case st != 200:
			l.fail("%s: %d %.200s", op, st, b)
		case ack != nil:
			ack(b)
		}
	}
	load := func(d time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		var wg sync.WaitGroup
		for client := range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := client; ctx.Err() == nil; n++ {
					step(client, n)
				}
			}()
		}
		wg.Wait()
	}

	total := soakSeconds()
	// First half, then the SIGKILL while the second half's load is running.
	done := make(chan struct{})
	go func() {
		defer close(done)
		load(total)
	}()
	time.Sleep(total / 2)
	down.Store(1)
	epoch.Add(1)
	_ = in.cmd.Process.Signal(syscall.SIGKILL)
	_ = in.cmd.Wait()
	before := func() map[string]int {
		l.mu.Lock()
		defer l.mu.Unlock()
		return map[string]int{"workspaces": len(l.workspaces), "threads": len(l.threads), "docs": len(l.docs), "chats": len(l.chats)}
	}()
	in.start() // same STORAGE_DIR and database
	down.Store(0)
	epoch.Add(1)
	<-done

	l.mu.Lock()
	defer l.mu.Unlock()
	t.Logf("soak %v, 64 clients: calls %v; acknowledged before the kill %v; in all %d workspaces, %d threads, %d documents, %d chats",
		total, l.calls, before, len(l.workspaces), len(l.threads), len(l.docs), len(l.chats))
	if len(l.failures) > 0 {
		t.Fatalf("unexpected answers (outside the kill window):\n%s", strings.Join(l.failures, "\n"))
	}
	for what, n := range before {
		if n < 5 {
			t.Fatalf("too few %s acknowledged before the kill to prove anything: %v", what, before)
		}
	}

	// Every acknowledged write is there after the restart.
	body := func(method, path string) []byte {
		st, b, err := c.jsonCall(0, method, path, nil)
		if err != nil || st != 200 {
			t.Fatalf("%s %s after the soak: %d %v", method, path, st, err)
		}
		return b
	}
	missing := map[string]int{}
	check := func(what string, b []byte, items []string, quote bool) {
		for _, it := range items {
			needle := it
			if quote {
				needle = `"` + it + `"`
			}
			if !bytes.Contains(b, []byte(needle)) {
				if missing[what]++; missing[what] <= 3 {
					t.Errorf("acknowledged %s %q is missing after the restart", what, it)
				}
			}
		}
	}
	check("workspace", body("GET", "/api/v1/workspaces"), l.workspaces, true)
	check("thread", body("GET", "/api/v1/workspace/base"), l.threads, true)
	check("document", body("GET", "/api/v1/documents"), l.docs, true)
	check("chat", body("GET", "/api/v1/system/export-chats?type=json"), l.chats, false)
	if len(missing) > 0 {
		t.Fatalf("acknowledged writes lost: %v", missing)
	}
	t.Logf("every acknowledged write present after the SIGKILL and restart: %d workspaces, %d threads, %d documents, %d chats",
		len(l.workspaces), len(l.threads), len(l.docs), len(l.chats))
}
