package main

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests build the real binary once and drive it as a user would.

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "anythingllm-bin-")
	if err != nil {
		panic(err)
	}
	binPath = filepath.Join(dir, "anythingllm")
	if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the binary: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var keyRE = regexp.MustCompile(`^[0-9A-Z]{7}(-[0-9A-Z]{7}){3}$`)

type instance struct {
	t       *testing.T
	storage string
	port    int
	env     []string
	cmd     *exec.Cmd
	logs    *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func newInstance(t *testing.T, extraEnv ...string) *instance {
	in := &instance{t: t, storage: filepath.Join(t.TempDir(), "storage"), port: freePort(t)}
	in.env = append(os.Environ(), "STORAGE_DIR="+in.storage, fmt.Sprintf("SERVER_PORT=%d", in.port), "ANYTHINGLLM_API_KEY=")
	in.env = append(in.env, extraEnv...)
	return in
}

func (in *instance) url(p string) string { return fmt.Sprintf("http://127.0.0.1:%d%s", in.port, p) }

// cli runs a command to completion and returns stdout, stderr.
func (in *instance) cli(args ...string) (string, string, error) {
	cmd := exec.Command(binPath, args...)
	cmd.Env = in.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

func (in *instance) createKey() string {
	in.t.Helper()
	out, stderr, err := in.cli("apikey", "create", "--name", "test")
	if err != nil {
		in.t.Fatalf("apikey create: %v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	key := lines[len(lines)-1]
	if !keyRE.MatchString(key) {
		in.t.Fatalf("apikey create printed %q", out)
	}
	return key
}

func (in *instance) start() {
	in.t.Helper()
	in.logs = &syncBuffer{}
	in.cmd = exec.Command(binPath, "serve")
	in.cmd.Env = in.env
	in.cmd.Stdout, in.cmd.Stderr = in.logs, in.logs
	if err := in.cmd.Start(); err != nil {
		in.t.Fatal(err)
	}
	in.t.Cleanup(func() {
		if in.cmd.ProcessState == nil {
			_ = in.cmd.Process.Kill()
			_ = in.cmd.Wait()
		}
		if in.t.Failed() {
			in.t.Logf("server log:\n%s", in.logs.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(in.url("/api/ping"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	in.t.Fatalf("server did not answer /api/ping; log:\n%s", in.logs.String())
}

func (in *instance) stop() {
	in.t.Helper()
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	if err := in.cmd.Wait(); err != nil {
		in.t.Fatalf("server exited with %v after SIGTERM; log:\n%s", err, in.logs.String())
	}
}

func get(t *testing.T, url, auth string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeKeysAndAuth(t *testing.T) {
	in := newInstance(t)
	in.start()
	key := in.createKey() // while the server runs on the same storage
	if st, body := get(t, in.url("/api/v1/auth"), "Bearer "+key); st != 200 || body != `{"authenticated":true}`+"\n" {
		t.Fatalf("auth with the new key: %d %q", st, body)
	}
	for name, h := range map[string]string{
		"wrong key": "Bearer AAAAAAA-BBBBBBB-CCCCCCC-DDDDDDD", "no header": "", "Bearer alone": "Bearer",
		"two spaces": "Bearer  " + key, "Basic": "Basic " + key,
	} {
		if st, body := get(t, in.url("/api/v1/auth"), h); st != 403 || body != `{"error":"No valid api key found."}`+"\n" {
			t.Errorf("%s: %d %q", name, st, body)
		}
	}

	out, _, err := in.cli("apikey", "list")
	if err != nil || !strings.Contains(out, key[:7]+"-...") || strings.Contains(out, key) {
		t.Fatalf("apikey list = %q, %v (want the prefix only)", out, err)
	}

	// Restart: the key still works.
	in.stop()
	in.start()
	if st, _ := get(t, in.url("/api/v1/auth"), "Bearer "+key); st != 200 {
		t.Fatalf("key lost across restart: %d", st)
	}

	// Revoke: the key stops working at once, without a restart.
	idLine := strings.Fields(strings.Split(strings.TrimSpace(out), "\n")[1])
	if _, stderr, err := in.cli("apikey", "revoke", idLine[0]); err != nil {
		t.Fatalf("revoke: %v %s", err, stderr)
	}
	if st, _ := get(t, in.url("/api/v1/auth"), "Bearer "+key); st != 403 {
		t.Fatalf("revoked key answered %d", st)
	}
	in.stop()

	// The key never appears in plaintext under STORAGE_DIR (database, WAL,
	// anything else).
	err = filepath.Walk(in.storage, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(key)) {
			t.Errorf("the key is stored in plaintext in %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBootstrapKeyFromEnvironment(t *testing.T) {
	const boot = "BOOTSTR-APKEY00-1234567-ABCDEFG"
	in := newInstance(t, "ANYTHINGLLM_API_KEY="+boot)
	in.start()
	if st, _ := get(t, in.url("/api/v1/auth"), "Bearer "+boot); st != 200 {
		t.Fatalf("bootstrap key: %d", st)
	}
	in.stop()
	if strings.Contains(in.logs.String(), boot) {
		t.Fatal("the bootstrap key appears in the log")
	}
}

// SIGTERM while a request is still being received: the server waits for it
// and answers it before exiting.
func TestGracefulShutdownFinishesInFlightRequest(t *testing.T) {
	in := newInstance(t)
	in.start()
	key := in.createKey()
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", in.url("/api/llm/generate"), pr)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		resp.Body.Close()
		done <- result{status: resp.StatusCode}
	}()
	_, _ = pw.Write([]byte(`{"messages":[{"role":"user",`))
	time.Sleep(200 * time.Millisecond)
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(300 * time.Millisecond)
	_, _ = pw.Write([]byte(`"content":"hi"}]}`))
	pw.Close()
	r := <-done
	if r.err != nil {
		t.Fatalf("in-flight request failed during shutdown: %v", r.err)
	}
	if r.status != 503 { // no LLM is configured in this test: a complete, clear answer
		t.Fatalf("in-flight request answered %d", r.status)
	}
	if err := in.cmd.Wait(); err != nil {
		t.Fatalf("server exit: %v", err)
	}
	if !strings.Contains(in.logs.String(), "stopped") {
		t.Fatalf("no clean stop in the log:\n%s", in.logs.String())
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	in := newInstance(t)
	for _, args := range [][]string{{"--help"}, {"help"}, {"serve", "--help"}, {"migrate", "-h"}, {"apikey", "--help"},
		{"apikey", "create", "--help"}, {"apikey", "list", "--help"}, {"apikey", "revoke", "--help"}, {"version", "--help"}, {"help", "serve"}} {
		out, stderr, err := in.cli(args...)
		if err != nil || !strings.Contains(out, "Usage") {
			t.Errorf("anythingllm %s: err=%v stdout=%q stderr=%q", strings.Join(args, " "), err, out, stderr)
		}
	}
	if _, stderr, err := in.cli("frobnicate"); err == nil || !strings.Contains(stderr, "unknown command") {
		t.Errorf("unknown command: err=%v stderr=%q", err, stderr)
	}
	if _, _, err := in.cli("apikey", "revoke", "abc"); err == nil {
		t.Error("apikey revoke abc succeeded")
	}
}

func TestMigrateTwice(t *testing.T) {
	in := newInstance(t)
	for i := range 2 {
		if _, stderr, err := in.cli("migrate"); err != nil || !strings.Contains(stderr, "up to date") {
			t.Fatalf("migrate #%d: %v %s", i+1, err, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(in.storage, "anythingllm.db")); err != nil {
		t.Fatalf("no database at STORAGE_DIR/anythingllm.db: %v", err)
	}
}

func TestBadConfigurationIsAClearError(t *testing.T) {
	in := newInstance(t, "SERVER_PORT=notaport")
	_, stderr, err := in.cli("serve")
	if err == nil || !strings.Contains(stderr, "SERVER_PORT must be a port number") {
		t.Fatalf("bad SERVER_PORT: err=%v stderr=%q", err, stderr)
	}
	in = newInstance(t, "DATABASE_URL=mysql://x")
	if _, stderr, err = in.cli("migrate"); err == nil || !strings.Contains(stderr, "DATABASE_URL must be a postgres:// URL") {
		t.Fatalf("bad DATABASE_URL: err=%v stderr=%q", err, stderr)
	}
}

func TestEnvFile(t *testing.T) {
	in := newInstance(t)
	envFile := filepath.Join(t.TempDir(), "custom.env")
	other := filepath.Join(t.TempDir(), "from-env-file")
	if err := os.WriteFile(envFile, []byte("STORAGE_DIR="+other+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The real environment wins over the file, so clear STORAGE_DIR.
	var env []string
	for _, e := range in.env {
		if !strings.HasPrefix(e, "STORAGE_DIR=") {
			env = append(env, e)
		}
	}
	in.env = env
	if _, stderr, err := in.cli("--env-file", envFile, "migrate"); err != nil {
		t.Fatalf("migrate with --env-file: %v %s", err, stderr)
	}
	if _, err := os.Stat(filepath.Join(other, "anythingllm.db")); err != nil {
		t.Fatalf("--env-file STORAGE_DIR not used: %v", err)
	}
}

// The CLI turns multi-user mode on while the server runs; the server sees
// it without a restart.
func TestEnableMultiUserFromCLI(t *testing.T) {
	in := newInstance(t)
	in.start()
	key := in.createKey()
	if _, body := get(t, in.url("/api/v1/admin/is-multi-user-mode"), "Bearer "+key); body != `{"isMultiUser":false}`+"\n" {
		t.Fatalf("before: %s", body)
	}
	out, stderr, err := in.cli("users", "enable-multi-user", "--username", "admin", "--password", "s3cret-pass")
	if err != nil || !strings.Contains(out, "multi-user mode enabled") {
		t.Fatalf("enable: %v %s %s", err, out, stderr)
	}
	if _, body := get(t, in.url("/api/v1/admin/is-multi-user-mode"), "Bearer "+key); body != `{"isMultiUser":true}`+"\n" {
		t.Fatalf("after: %s", body)
	}
	if st, body := get(t, in.url("/api/v1/admin/users"), "Bearer "+key); st != 200 || !strings.Contains(body, `"username":"admin"`) || strings.Contains(body, "$2a$") {
		t.Fatalf("users: %d %s", st, body)
	}
	if _, _, err := in.cli("users", "enable-multi-user", "--username", "other", "--password", "s3cret-pass"); err == nil {
		t.Fatal("enabling twice succeeded")
	}
	out, _, _ = in.cli("users", "list")
	if !strings.Contains(out, "admin") {
		t.Fatalf("users list = %q", out)
	}
	in.stop()
	if strings.Contains(in.logs.String(), "s3cret-pass") {
		t.Fatal("the password reached the server log")
	}
}

// A scripted admin session against the stock binary, with a secret in the
// environment that must never show up in a response or the log.
func TestScriptedAdminSession(t *testing.T) {
	const secret = "sk-scripted-secret-4242"
	in := newInstance(t, "OPEN_AI_KEY="+secret, "LOG_LEVEL=debug")
	in.start()
	key := in.createKey()
	if _, stderr, err := in.cli("users", "enable-multi-user", "--username", "boss", "--password", "boss-password"); err != nil {
		t.Fatalf("enable-multi-user: %v %s", err, stderr)
	}
	var bodies []string
	call := func(method, path, ctype string, body io.Reader) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, in.url(path), body)
		req.Header.Set("Authorization", "Bearer "+key)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		bodies = append(bodies, string(b))
		return resp.StatusCode, string(b)
	}
	jsonCall := func(method, path, body string) (int, string) {
		return call(method, path, "application/json", strings.NewReader(body))
	}
	steps := []struct {
		method, path, body string
		want               int
		contains           string
	}{
		{"POST", "/api/v1/workspace/new", `{"name":"Ops"}`, 200, `"slug":"ops"`},
		{"POST", "/api/v1/admin/users/new", `{"username":"sam","password":"sam-password"}`, 200, `"username":"sam"`},
		{"POST", "/api/v1/admin/users/new", `{"username":"Bad Name","password":"sam-password"}`, 400, "Username must start"},
		{"POST", "/api/v1/admin/invite/new", `{"workspace_ids":[1]}`, 200, `"status":"pending"`},
		{"POST", "/api/v1/admin/workspaces/ops/manage-users", `{"user_ids":[2]}`, 200, `"username":"sam"`},
		{"GET", "/api/v1/admin/workspaces/1/users", ``, 200, `"username":"sam"`},
		{"GET", "/api/v1/admin/users", ``, 200, `"username":"boss"`},
		{"GET", "/api/v1/system", ``, 200, `"OpenAiKey":true`},
		{"POST", "/api/v1/system/update-env", `{"GroqApiKey":"` + secret + `-stored","OpenAiModelPref":"gpt-4o"}`, 200, `"GroqApiKey":"******"`},
		{"GET", "/api/v1/system", ``, 200, `"GroqApiKey":true`},
		{"GET", "/api/v1/system/env-dump", ``, 200, `OK`},
		{"GET", "/api/v1/admin/invites", ``, 200, `"status":"pending"`},
		{"POST", "/api/v1/admin/preferences", `{"support_email":"ops@example.com"}`, 200, `"success":true`},
		{"POST", "/api/v1/admin/workspace-chats", `{"offset":0}`, 200, `"hasPages":false`},
	}
	for _, s := range steps {
		st, body := jsonCall(s.method, s.path, s.body)
		if st != s.want || !strings.Contains(body, s.contains) {
			t.Fatalf("%s %s: %d %s", s.method, s.path, st, body)
		}
	}
	for _, typ := range []string{"jsonl", "json", "csv", "jsonAlpaca"} {
		if st, _ := jsonCall("GET", "/api/v1/system/export-chats?type="+typ, ""); st != 200 {
			t.Fatalf("export %s: %d", typ, st)
		}
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "runbook.txt")
	fw.Write([]byte("restart the pods"))
	mw.Close()
	if st, body := call("POST", "/api/v1/files/upload", mw.FormDataContentType(), &buf); st != 200 {
		t.Fatalf("file upload: %d %s", st, body)
	}
	if st, body := jsonCall("POST", "/api/v1/files/move", `{"from":"runbook.txt","to":"ops/runbook.txt"}`); st != 200 {
		t.Fatalf("file move: %d %s", st, body)
	}
	if st, body := jsonCall("GET", "/api/v1/files", ""); st != 200 || !strings.Contains(body, `"path":"ops/runbook.txt"`) {
		t.Fatalf("file list: %d %s", st, body)
	}
	if st, body := jsonCall("DELETE", "/api/v1/files/ops%2Frunbook.txt/delete", ""); st != 200 {
		t.Fatalf("file delete: %d %s", st, body)
	}
	if st, body := jsonCall("GET", "/api/v1/files/storage-info", ""); st != 200 || !strings.Contains(body, `"files":{"files":0,"bytes":0}`) {
		t.Fatalf("storage-info after delete: %d %s", st, body)
	}
	in.stop()
	dump, err := os.ReadFile(filepath.Join(in.storage, "env-dump", "anythingllm.env"))
	if err != nil || !strings.Contains(string(dump), "OPEN_MODEL_PREF='gpt-4o'") {
		t.Fatalf("env-dump file: %v %s", err, dump)
	}
	bodies = append(bodies, string(dump))
	if !strings.Contains(in.logs.String(), "/api/v1/system/update-env") {
		t.Fatalf("the request log is missing, so the leak check below would prove nothing:\n%s", in.logs.String())
	}
	for _, b := range append(bodies, in.logs.String()) {
		if strings.Contains(b, secret) || strings.Contains(b, "boss-password") || strings.Contains(b, "$2a$") {
			t.Fatalf("a secret leaked: %.300s", b)
		}
	}
}
