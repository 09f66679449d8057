package openai_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/providers/openai"
	"github.com/anythingllm-go/anythingllm/providers/providertest/fakeopenai"
)

// trap is a fake OpenAI server that records every Authorization header.
type trap struct {
	*httptest.Server
	mu    sync.Mutex
	auths []string
}

func newTrap(t *testing.T) *trap {
	fake := fakeopenai.New(nil)
	t.Cleanup(fake.Close)
	tr := &trap{}
	tr.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr.mu.Lock()
		tr.auths = append(tr.auths, r.Header.Get("Authorization"))
		tr.mu.Unlock()
		fake.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(tr.Close)
	return tr
}

func (tr *trap) seen() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]string(nil), tr.auths...)
}

const storedKey = "sk-stored-secret-123"

func TestOverridesNeverSendTheStoredKey(t *testing.T) {
	home := newTrap(t)
	def, _ := openai.New(&openai.Options{BaseURL: home.URL + "/v1", APIKey: storedKey, Model: "fake-model"})
	evil := newTrap(t)
	override := openai.Overrides(&openai.OverrideOptions{AllowedHosts: []string{"127.0.0.1/32"}, Default: def})
	chat := &anythingllm.ChatRequest{Messages: []anythingllm.Message{{Role: "user", Content: "hi"}}}

	// A base URL without a key: no key at all.
	p, err := override(t.Context(), anythingllm.GenerateOverride{BaseURL: evil.URL + "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.LLM.Chat(t.Context(), chat); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Embedder.Embed(t.Context(), []string{"x"}); err != nil {
		t.Fatal(err)
	}
	// A base URL with the caller's key: that key only.
	p, _ = override(t.Context(), anythingllm.GenerateOverride{BaseURL: evil.URL + "/v1", APIKey: "sk-caller"})
	if _, err := p.LLM.Chat(t.Context(), chat); err != nil {
		t.Fatal(err)
	}
	got := evil.seen()
	if len(got) != 3 || strings.Contains(got[0], "sk-") || strings.Contains(got[1], "sk-") || got[2] != "Bearer sk-caller" {
		t.Fatalf("the overriding server saw Authorization %q", got)
	}
	for _, a := range got {
		if strings.Contains(a, storedKey) {
			t.Fatalf("the stored key reached the overriding URL: %q", got)
		}
	}
	// A key alone goes to the configured server.
	p, _ = override(t.Context(), anythingllm.GenerateOverride{APIKey: "sk-other"})
	if _, err := p.LLM.Chat(t.Context(), chat); err != nil {
		t.Fatal(err)
	}
	if h := home.seen(); len(h) != 1 || h[0] != "Bearer sk-other" {
		t.Fatalf("the configured server saw %q", h)
	}
}

func TestOverrideToAHostOffTheListIsRefusedBeforeAnyRequest(t *testing.T) {
	evil := newTrap(t)
	override := openai.Overrides(&openai.OverrideOptions{AllowedHosts: []string{"llm.internal", "10.0.0.0/8"}})
	for _, base := range []string{evil.URL + "/v1", "http://169.254.169.254/latest", "file:///etc/passwd", "http://user:pw@llm.internal/v1", "http://localhost:" + evil.URL[strings.LastIndex(evil.URL, ":")+1:]} {
		_, err := override(t.Context(), anythingllm.GenerateOverride{BaseURL: base, APIKey: "sk-caller"})
		if !errors.Is(err, anythingllm.ErrInvalidArgument) || strings.Contains(err.Error(), "pw") {
			t.Errorf("%s: %v, want InvalidArgument", base, err)
		}
	}
	if n := len(evil.seen()); n != 0 {
		t.Fatalf("a refused override made %d requests", n)
	}
	off := openai.Overrides(nil)
	if _, err := off(t.Context(), anythingllm.GenerateOverride{BaseURL: evil.URL}); !errors.Is(err, anythingllm.ErrPermissionDenied) {
		t.Fatalf("no allowed hosts: %v", err)
	}
}
