package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/anythingllm-go/anythingllm/storage/bunstore/bunstoretest"
)

// TestSecretsNeverLeak sets distinctive secrets in the environment (a
// provider key, the generic OpenAI key, SIG_KEY and SIG_SALT, JWT_SECRET, a database
// password in the DSN when PostgreSQL is available), through update-env
// and in connector tokens; points the LLM and the connectors at a hostile
// upstream that echoes every credential it receives in its error bodies;
// then calls many routes (settings, env-dump, exports, the OpenAPI
// document, chats and connector imports that fail) and asserts that no
// secret appears in any response, in the env-dump file or in the server's
// log (stdout and stderr, at debug level).
func TestSecretsNeverLeak(t *testing.T) {
	secret := func(what string) string { return "S3CRET" + what + randomToken(10) }
	var (
		openAIKey   = secret("openai")
		genericKey  = secret("generic")
		sigKey      = secret("sig")
		sigSalt     = secret("salt")
		jwtSecret   = secret("jwt")
		dbPassword  = secret("dbpw")
		updatedKey  = secret("updated")
		gitlabToken = secret("gitlab")
		confToken   = secret("confluence")
		confPAT     = secret("pat")
	)
	secrets := map[string]string{"OPEN_AI_KEY": openAIKey, "GENERIC_OPEN_AI_API_KEY": genericKey, "SIG_KEY": sigKey, "SIG_SALT": sigSalt,
		"JWT_SECRET": jwtSecret, "update-env GenericOpenAiKey": updatedKey, "gitlab accessToken": gitlabToken,
		"confluence accessToken": confToken, "confluence personalAccessToken": confPAT}

	// A hostile upstream: whatever it is asked, it answers an error that
	// repeats the credentials and the URL it received.
	var seenMu sync.Mutex
	var seen strings.Builder
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		seenMu.Lock()
		fmt.Fprintf(&seen, "%v\n", r.Header)
		seenMu.Unlock()
		echo := fmt.Sprintf("auth=%q private-token=%q url=%q", r.Header.Get("Authorization"), r.Header.Get("Private-Token"), r.URL.String())
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": "Incorrect API key provided: " + echo, "type": "invalid_request_error"},
			"message": echo})
	}))
	t.Cleanup(hostile.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(hostile.URL, "http://"))

	env := []string{"LOG_LEVEL=debug", "LLM_PROVIDER=generic-openai", "GENERIC_OPEN_AI_BASE_PATH=" + hostile.URL + "/v1",
		"GENERIC_OPEN_AI_MODEL_PREF=m", "GENERIC_OPEN_AI_API_KEY=" + genericKey, "OPEN_AI_KEY=" + openAIKey,
		"SIG_KEY=" + sigKey, "SIG_SALT=" + sigSalt, "JWT_SECRET=" + jwtSecret, "LINK_ALLOWED_HOSTS=127.0.0.1",
		"BLOB_STORE=file"} // env-dump then writes a file to read back
	if dsn := os.Getenv(bunstoretest.PostgresDSNEnv); dsn != "" {
		u, err := url.Parse(postgresSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		// The test server trusts loopback, so any password connects.
		u.User = url.UserPassword(u.User.Username(), dbPassword)
		env = append(env, "DATABASE_URL="+u.String())
		secrets["DATABASE_URL password"] = dbPassword
	} else {
		t.Logf("%s is not set: SQLite, no database password to hide", bunstoretest.PostgresDSNEnv)
	}
	in := newInstance(t, env...)
	if _, stderr, err := in.cli("migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, stderr)
	}
	c := &cluster{t: t, replicas: []*instance{in}, key: in.createKey(), client: http.DefaultClient}
	in.start()

	var answers strings.Builder
	call := func(method, path, body string) int {
		t.Helper()
		st, b, err := c.call(0, method, path, "application/json", []byte(body))
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		fmt.Fprintf(&answers, "%s %s -> %d %s\n", method, path, st, b)
		return st
	}
	if st := call("POST", "/api/v1/system/update-env", `{"GenericOpenAiKey":"`+updatedKey+`"}`); st != 200 {
		t.Fatalf("update-env: %d\n%s", st, answers.String())
	}
	call("POST", "/api/v1/workspace/new", `{"name":"vault"}`)
	call("POST", "/api/v1/document/raw-text", `{"textContent":"hello","metadata":{"title":"t"},"addToWorkspaces":"vault"}`)
	calls := []struct{ method, path, body string }{
		{"GET", "/api/v1/system", ""},
		{"GET", "/api/v1/system/env-dump", ""},
		{"GET", "/api/schema", ""},
		{"GET", "/api/schema?format=yaml", ""},
		{"GET", "/api/docs", ""},
		{"GET", "/api/v1/auth", ""},
		{"GET", "/api/v1/workspaces", ""},
		{"GET", "/api/v1/workspace/vault", ""},
		{"POST", "/api/v1/workspace/vault/chat", `{"message":"hi","mode":"chat"}`},
		{"POST", "/api/v1/workspace/vault/stream-chat", `{"message":"hi","mode":"chat"}`},
		{"POST", "/api/v1/openai/chat/completions", `{"model":"vault","messages":[{"role":"user","content":"hi"}]}`},
		{"POST", "/api/v1/openai/chat/completions", `{"model":"vault","stream":true,"messages":[{"role":"user","content":"hi"}]}`},
		{"GET", "/api/v1/openai/models", ""},
		{"POST", "/api/llm/generate", `{"messages":[{"role":"user","content":"hi"}]}`},
		{"POST", "/api/v1/ext/gitlab/repo", `{"repo":"` + hostile.URL + `/group/project","accessToken":"` + gitlabToken + `"}`},
		{"POST", "/api/v1/ext/gitlab/branches", `{"repo":"` + hostile.URL + `/group/project","accessToken":"` + gitlabToken + `"}`},
		{"POST", "/api/v1/ext/confluence", `{"baseUrl":"http://127.0.0.1:` + port + `/wiki","spaceKey":"S","username":"u","accessToken":"` + confToken + `","cloud":false}`},
		{"POST", "/api/v1/ext/confluence", `{"baseUrl":"http://127.0.0.1:` + port + `/wiki","spaceKey":"S","personalAccessToken":"` + confPAT + `","cloud":false}`},
		{"GET", "/api/v1/system/export-chats?type=jsonl", ""},
		{"GET", "/api/v1/system/export-chats?type=json", ""},
		{"GET", "/api/v1/system/export-chats?type=csv", ""},
		{"GET", "/api/v1/system/export-chats?type=jsonAlpaca", ""},
		{"POST", "/api/v1/admin/workspace-chats", `{}`},
		{"GET", "/api/v1/files/storage-info", ""},
	}
	for _, cl := range calls {
		call(cl.method, cl.path, cl.body)
	}
	dump, err := os.ReadFile(filepath.Join(in.storage, "env-dump", "anythingllm.env"))
	if err != nil {
		t.Fatalf("env-dump wrote no file: %v", err)
	}
	// The hostile upstream really was asked with the credentials, so the
	// echoes had something to leak.
	seenMu.Lock()
	for _, s := range []string{updatedKey, gitlabToken, confPAT} {
		if !strings.Contains(seen.String(), s) {
			t.Errorf("the hostile upstream never received %s: the test proves less than it claims", s[:12])
		}
	}
	seenMu.Unlock()
	in.stop()
	logs := in.logs.String()
	for name, s := range secrets {
		for where, text := range map[string]string{"a response": answers.String(), "the env-dump file": string(dump), "the server log": logs} {
			if i := strings.Index(text, s); i >= 0 {
				t.Errorf("the secret from %s appears in %s: …%s…", name, where, text[max(0, i-200):min(len(text), i+len(s)+50)])
			}
		}
	}
	if !strings.Contains(answers.String(), "-> 200") || len(logs) == 0 {
		t.Fatalf("nothing was exercised:\n%s", answers.String())
	}
	t.Logf("%d calls, %d bytes of answers, %d bytes of log, %d secrets checked", len(calls)+3, answers.Len(), len(logs), len(secrets))
	if t.Failed() {
		t.Logf("answers:\n%s", answers.String())
	}
}
