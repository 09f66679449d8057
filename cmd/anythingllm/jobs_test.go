package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/connectors/web/webfake"
)

func postJSON(t *testing.T, url, key string, body, out any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("POST %s: %d %s", url, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode
}

func searchTexts(t *testing.T, in *instance, key, q string) string {
	t.Helper()
	var out struct{ Results []struct{ Text string } }
	if st := postJSON(t, in.url("/api/v1/workspace/sync/vector-search"), key, map[string]any{"query": q, "topN": 50, "scoreThreshold": 0}, &out); st != 200 {
		t.Fatalf("vector-search: %d", st)
	}
	var b strings.Builder
	for _, r := range out.Results {
		b.WriteString(r.Text)
		b.WriteString("\n")
	}
	return b.String()
}

// TestSyncJobFromASecondProcessReachesTheRunningServer: a page is embedded
// and watched through a running serve; the page changes; `anythingllm jobs
// sync-watched-documents --force` runs as a second process on the same
// SQLite file; the server's search then finds the new text and not the old,
// within seconds (its index follows the vector change log).
func TestSyncJobFromASecondProcessReachesTheRunningServer(t *testing.T) {
	site := webfake.New()
	t.Cleanup(site.Close)
	site.SetPage("/notes", "<html><body><p>The copper kettle whistles at dawn.</p></body></html>")
	in := newInstance(t, "LINK_ALLOWED_HOSTS=127.0.0.1", "SIG_KEY=null", "SIG_SALT=null", "JOBS_ENABLED=1", "JOBS_SYNC_INTERVAL=3600")
	key := in.createKey()
	in.start()
	if !strings.Contains(in.logs.String(), "jobs scheduler running") {
		t.Fatalf("JOBS_ENABLED did not start the scheduler inside serve; log:\n%s", in.logs.String())
	}

	if st := postJSON(t, in.url("/api/v1/workspace/new"), key, map[string]any{"name": "Sync"}, nil); st != 200 {
		t.Fatalf("workspace: %d", st)
	}
	var up struct {
		Success   bool
		Documents []struct{ Location string }
	}
	if st := postJSON(t, in.url("/api/v1/document/upload-link"), key, map[string]any{"link": site.URL + "/notes", "addToWorkspaces": "sync"}, &up); st != 200 || len(up.Documents) != 1 {
		t.Fatalf("upload-link: %d %+v", st, up)
	}
	docpath := up.Documents[0].Location
	if st := postJSON(t, in.url("/api/experimental/toggle-live-sync"), key, map[string]any{"updatedStatus": true}, nil); st != 200 {
		t.Fatalf("toggle: %d", st)
	}
	if st := postJSON(t, in.url("/api/workspace/sync/update-watch-status"), key, map[string]any{"docPath": docpath, "watchStatus": true}, nil); st != 200 {
		t.Fatalf("watch: %d", st)
	}
	if got := searchTexts(t, in, key, "copper kettle"); !strings.Contains(got, "copper kettle") {
		t.Fatalf("before: %q", got)
	}

	// A dry run from the CLI says what it would do and changes nothing.
	site.SetPage("/notes", "<html><body><p>The silver teapot hums at dusk.</p></body></html>")
	out, stderr, err := in.cli("jobs", "sync-watched-documents", "--force", "--dry-run")
	if err != nil || !strings.Contains(out, docpath+": re-embedded") || !strings.Contains(out, "(dry run)") {
		t.Fatalf("dry run: %v\n%s\n%s", err, out, stderr)
	}

	out, stderr, err = in.cli("jobs", "sync-watched-documents", "--force")
	if err != nil || !strings.Contains(out, "[1/1] "+docpath) || !strings.Contains(out, "1 re-embedded") {
		t.Fatalf("sync job: %v\n%s\n%s", err, out, stderr)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := searchTexts(t, in, key, "silver teapot")
		if strings.Contains(got, "silver teapot") && !strings.Contains(got, "copper kettle") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server's index did not follow the job within 10 s: %q", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestCleanupJobDryRunDeletesNothing(t *testing.T) {
	in := newInstance(t)
	dir := filepath.Join(in.storage, "direct-uploads")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	orphan := filepath.Join(dir, "stale-upload.txt")
	if err := os.WriteFile(orphan, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := in.cli("jobs", "cleanup-orphan-documents", "--dry-run")
	if err != nil || !strings.Contains(out, "stale-upload.txt (5 bytes) would delete") || !strings.Contains(out, "nothing deleted") {
		t.Fatalf("dry run: %v\n%s\n%s", err, out, stderr)
	}
	if _, err := os.Stat(orphan); err != nil {
		t.Fatalf("the dry run deleted the file: %v", err)
	}
	out, stderr, err = in.cli("jobs", "cleanup-orphan-documents", "--batch-size", "10")
	if err != nil || !strings.Contains(out, "1 deleted (5 bytes freed)") {
		t.Fatalf("cleanup: %v\n%s\n%s", err, out, stderr)
	}
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Fatalf("the orphan survives: %v", err)
	}
	if _, _, err := in.cli("jobs", "no-such-job"); err == nil {
		t.Fatal("an unknown job exited 0")
	}
}
