// Package browser tests the API docs in a real headless Chromium: it starts
// the stock binary, opens Swagger UI, authorizes with a fresh API key and
// runs "Try it out" on GET /api/v1/auth.
//
// The test needs Chromium (Debian: apt-get install chromium); it skips with a
// message when none is found. Set CHROMIUM to choose the executable and
// ANYTHINGLLM_TEST_ARTIFACTS to choose where the screenshot is kept
// (default: e2e/browser/artifacts).
package browser

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func findChromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startServer builds and starts the stock binary and returns its base URL
// and a fresh API key made with `anythingllm apikey create`.
func startServer(t *testing.T, extraEnv ...string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "anythingllm")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/anythingllm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the binary: %v\n%s", err, out)
	}
	storage := filepath.Join(dir, "storage")
	port := freePort(t)
	env := append(os.Environ(), "STORAGE_DIR="+storage, fmt.Sprintf("SERVER_PORT=%d", port))
	env = append(env, extraEnv...)

	create := exec.Command(bin, "apikey", "create", "--name", "browser-test")
	create.Env = env
	out, err := create.Output()
	if err != nil {
		t.Fatalf("apikey create: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	key := strings.TrimSpace(lines[len(lines)-1])
	if !regexp.MustCompile(`^[0-9A-Z]{7}(-[0-9A-Z]{7}){3}$`).MatchString(key) {
		t.Fatalf("apikey create printed %q, not a key", key)
	}

	var logs bytes.Buffer
	srv := exec.Command(bin, "serve")
	srv.Env = env
	srv.Stdout, srv.Stderr = &logs, &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = srv.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = srv.Process.Kill()
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/api/ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not answer /api/ping within 30 s; log:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return base, key
}

func artifactsDir(t *testing.T) string {
	dir := os.Getenv("ANYTHINGLLM_TEST_ARTIFACTS")
	if dir == "" {
		dir = "artifacts"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// newBrowser starts headless Chromium for the test (or skips it).
func newBrowser(t *testing.T) (context.Context, string) {
	t.Helper()
	chromium := findChromium()
	if chromium == "" {
		t.Skip("no Chromium found (install Debian's chromium package, or set CHROMIUM); skipping the browser test")
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	// Chromium may still write to its profile while it exits, which made
	// t.TempDir's strict cleanup fail the test; remove it best-effort.
	profile, err := os.MkdirTemp("", "anythingllm-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 20 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 1600),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	return ctx, chromium
}

func TestSwaggerUITryItOutAuth(t *testing.T) {
	ctx, chromium := newBrowser(t)
	base, key := startServer(t)

	const op = `#operations-Authentication-get_v1_auth`
	var status, body string
	steps := []struct {
		name string
		act  chromedp.Action
	}{
		{"open /api/docs/", chromedp.Navigate(base + "/api/docs/")},
		{"wait for the page", chromedp.WaitVisible(`.swagger-ui .info`, chromedp.ByQuery)},
		{"open Authorize", chromedp.Click(`.swagger-ui .auth-wrapper .authorize`, chromedp.ByQuery)},
		{"wait for the dialog", chromedp.WaitVisible(`.modal-ux input`, chromedp.ByQuery)},
		{"type the key", chromedp.SendKeys(`.modal-ux input`, key, chromedp.ByQuery)},
		{"authorize", chromedp.Click(`.modal-ux .auth-btn-wrapper .authorize`, chromedp.ByQuery)},
		{"close the dialog", chromedp.Click(`.modal-ux .auth-btn-wrapper .btn-done`, chromedp.ByQuery)},
		{"dialog closed", chromedp.WaitNotPresent(`.modal-ux`, chromedp.ByQuery)},
		{"expand GET /v1/auth", chromedp.Click(op+` .opblock-summary`, chromedp.ByQuery)},
		{"Try it out", chromedp.Click(op+` .try-out__btn`, chromedp.ByQuery)},
		{"Execute", chromedp.Click(op+` .execute`, chromedp.ByQuery)},
		{"wait for the response", chromedp.WaitVisible(op+` .live-responses-table tbody .response-col_status`, chromedp.ByQuery)},
		{"read the status", chromedp.Text(op+` .live-responses-table tbody .response-col_status`, &status, chromedp.ByQuery)},
		{"read the body", chromedp.Text(op+` .live-responses-table tbody .response-col_description`, &body, chromedp.ByQuery)},
	}
	screenshot := func(name string) {
		var shot []byte
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, chromedp.FullScreenshot(&shot, 100)); err != nil {
			t.Logf("screenshot failed: %v", err)
			return
		}
		path := filepath.Join(artifactsDir(t), name)
		if err := os.WriteFile(path, shot, 0o644); err == nil {
			t.Logf("screenshot: %s", path)
		}
	}
	// Start the browser on the test's context; later steps get their own
	// timeouts without closing it.
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}
	for _, st := range steps {
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := chromedp.Run(sctx, st.act)
		cancel()
		if err != nil {
			screenshot("swagger-failed.png")
			t.Fatalf("step %q: %v", st.name, err)
		}
	}
	screenshot("swagger-try-it-out.png")
	if !strings.HasPrefix(strings.TrimSpace(status), "200") {
		t.Fatalf("Try it out on GET /v1/auth showed status %q, want 200", status)
	}
	if !strings.Contains(body, `"authenticated": true`) && !strings.Contains(body, `"authenticated":true`) {
		t.Fatalf("response body on the page = %q, want authenticated true", firstLine(body))
	}
}

func firstLine(s string) string {
	sc := bufio.NewScanner(strings.NewReader(s))
	if sc.Scan() {
		return sc.Text()
	}
	return ""
}

// TestRedocRendersTheAPI opens /api/redoc/ with ReDoc's bundle served by
// the binary from REDOC_SCRIPT_FILE (ANYTHINGLLM_TEST_REDOC_JS names it;
// .ci/steps/30-browser.sh fetches it with npm pack) and checks that ReDoc
// rendered the API: its title and an operation from the schema.
func TestRedocRendersTheAPI(t *testing.T) {
	js := os.Getenv("ANYTHINGLLM_TEST_REDOC_JS")
	if js == "" {
		t.Skip("ANYTHINGLLM_TEST_REDOC_JS is not set (a path to redoc.standalone.js from the npm package redoc); skipping the ReDoc browser test")
	}
	ctx, chromium := newBrowser(t)
	base, _ := startServer(t, "REDOC_SCRIPT_FILE="+js)
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}
	var title, page string
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	err := chromedp.Run(sctx,
		chromedp.Navigate(base+"/api/redoc/"),
		chromedp.WaitVisible(`//h1[contains(., "AnythingLLM Developer API")]`, chromedp.BySearch),
		chromedp.Text(`h1`, &title, chromedp.ByQuery),
		chromedp.Text(`body`, &page, chromedp.ByQuery),
	)
	if err != nil {
		var shot []byte
		if chromedp.Run(ctx, chromedp.FullScreenshot(&shot, 80)) == nil {
			_ = os.WriteFile(filepath.Join(artifactsDir(t), "redoc-failed.png"), shot, 0o644)
		}
		t.Fatalf("ReDoc did not render: %v", err)
	}
	if !strings.Contains(page, "Verify the API key") || !strings.Contains(page, "Chat with a workspace") {
		t.Fatalf("ReDoc's page lacks the schema's operations; title %q, page starts %q", title, firstLine(page))
	}
	var shot []byte
	if chromedp.Run(ctx, chromedp.FullScreenshot(&shot, 80)) == nil {
		path := filepath.Join(artifactsDir(t), "redoc.png")
		if os.WriteFile(path, shot, 0o644) == nil {
			t.Logf("screenshot: %s", path)
		}
	}
}
