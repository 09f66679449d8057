package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
	"github.com/anythingllm-go/anythingllm/providers/openai"
	"github.com/anythingllm-go/anythingllm/providers/providertest/fakeopenai"
)

// With OPENAI_OVERRIDE_ALLOWED_HOSTS' policy, X-OpenAI-Base-URL reaches an
// allowed host without the stored key, and a host off the list is a 400
// before any request.
func TestProviderOverrideOnlyToAllowedHostsWithoutTheStoredKey(t *testing.T) {
	const stored = "sk-stored-secret-456"
	home := fakeopenai.New(nil)
	t.Cleanup(home.Close)
	def, _ := openai.New(&openai.Options{BaseURL: home.BaseURL(), APIKey: stored, Model: "fake-model"})
	fake := fakeopenai.New(nil)
	t.Cleanup(fake.Close)
	var mu sync.Mutex
	var auths []string
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
		fake.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(trap.Close)
	env := httpapitest.New(t, &httpapitest.Options{Deps: anythingllm.Deps{LLM: def, Embedder: def, Images: def, TTS: def},
		App: &anythingllm.Options{Override: openai.Overrides(&openai.OverrideOptions{AllowedHosts: []string{"127.0.0.1"}, Default: def})}})
	do := func(path, body, base, key string) (int, string) {
		h := http.Header{"Authorization": {"Bearer " + env.Key}, "Content-Type": {"application/json"}}
		if base != "" {
			h.Set("X-OpenAI-Base-URL", base)
		}
		if key != "" {
			h.Set("X-OpenAI-Key", key)
		}
		resp := env.DoWith(t, "POST", path, strings.NewReader(body), h)
		return resp.StatusCode, httpapitest.Body(t, resp)
	}
	chat := `{"model":"fake-model","messages":[{"role":"user","content":"hi"}]}`
	if st, body := do("/api/llm/generate", chat, trap.URL+"/v1", ""); st != 200 || !strings.Contains(body, "Echo: hi") {
		t.Fatalf("allowed override: %d %s", st, body)
	}
	if st, body := do("/api/embedding", `{"input":"x"}`, trap.URL+"/v1", "sk-mine"); st != 200 {
		t.Fatalf("allowed override with a key: %d %s", st, body)
	}
	if st, body := do("/api/tts", `{"input":"x"}`, trap.URL+"/v1", ""); st != 200 {
		t.Fatalf("tts override: %d %s", st, body)
	}
	mu.Lock()
	got := append([]string(nil), auths...)
	mu.Unlock()
	if len(got) != 3 || got[1] != "Bearer sk-mine" {
		t.Fatalf("the trap saw %q", got)
	}
	for _, a := range got {
		if strings.Contains(a, stored) {
			t.Fatalf("the stored key reached the overriding URL: %q", got)
		}
	}
	for _, base := range []string{"http://169.254.169.254/latest/meta-data", "http://localhost:" + trap.URL[strings.LastIndex(trap.URL, ":")+1:] + "/v1", "gopher://127.0.0.1/"} {
		st, body := do("/api/llm/generate", chat, base, "")
		if st != 400 || !strings.Contains(body, "OPENAI_OVERRIDE_ALLOWED_HOSTS") {
			t.Errorf("%s: %d %s, want 400", base, st, body)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(auths) != 3 {
		t.Fatalf("refused overrides made %d requests", len(auths)-3)
	}
}
