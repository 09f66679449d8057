package main

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestBlobsCopy moves a single machine's files into the database (and on
// into S3 when one is configured): the server then serves every document
// and file from the new store, and a second copy finds everything present.
func TestBlobsCopy(t *testing.T) {
	in := newInstance(t)
	c := &cluster{t: t, replicas: []*instance{in}}
	c.key = in.createKey()
	c.client = http.DefaultClient
	in.start()
	c.mustJSON(0, "POST", "/api/v1/workspace/new", map[string]any{"name": "before"}, nil)
	c.mustJSON(0, "POST", "/api/v1/workspace/new", map[string]any{"name": "after"}, nil)
	var stored struct {
		Documents []struct {
			Location string `json:"location"`
		} `json:"documents"`
	}
	c.mustJSON(0, "POST", "/api/v1/document/raw-text", map[string]any{"textContent": "Otters hold hands while sleeping.", "metadata": map[string]string{"title": "otters"}, "addToWorkspaces": "before"}, &stored)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "runbook.txt")
	fw.Write([]byte("restart the pods"))
	mw.Close()
	if st, b, err := c.call(0, "POST", "/api/v1/files/upload", mw.FormDataContentType(), buf.Bytes()); err != nil || st != 200 {
		t.Fatalf("file upload: %d %v %s", st, err, b)
	}
	in.stop()

	copied := regexp.MustCompile(`copied and verified (\d+) files \((\d+) bytes\), (\d+) already present`)
	run := func(from, to string) []string {
		t.Helper()
		out, stderr, err := in.cli("blobs", "copy", "--from", from, "--to", to)
		if err != nil {
			t.Fatalf("blobs copy --from %s --to %s: %v\n%s", from, to, err, stderr)
		}
		m := copied.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("blobs copy printed %q", out)
		}
		if !strings.Contains(stderr, "documents:") {
			t.Fatalf("no progress on stderr: %q", stderr)
		}
		return m[1:]
	}
	if m := run("file", "database"); m[0] != "2" || m[2] != "0" {
		t.Fatalf("first copy: %v files copied / already present, want 2 / 0", m)
	}
	if m := run("file", "database"); m[0] != "0" || m[2] != "2" {
		t.Fatalf("second copy: %v files copied / already present, want 0 / 2", m)
	}
	if _, stderr, err := in.cli("blobs", "copy", "--from", "file", "--to", "file"); err == nil || !strings.Contains(stderr, "must differ") {
		t.Fatalf("copy onto itself: %v %s", err, stderr)
	}
	if _, stderr, err := in.cli("blobs", "copy", "--from", "file", "--to", "ftp://x"); err == nil || !strings.Contains(stderr, "not a blob store") {
		t.Fatalf("unknown store: %v %s", err, stderr)
	}

	// Only the database now: the server must find everything there.
	target := "database"
	if u := s3TestURL(t); u != "" {
		target = u + "&prefix=blobs-copy-" + randomToken(8)
		if m := run("database", target); m[0] != "2" {
			t.Fatalf("copy to S3: %v", m)
		}
	} else {
		t.Log("ANYTHINGLLM_TEST_S3_URL is not set; the S3 leg of the copy is skipped")
	}
	if err := os.RemoveAll(in.storage + "/documents"); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(in.storage + "/files"); err != nil {
		t.Fatal(err)
	}
	in.env = append(in.env, "BLOB_STORE="+target)
	in.start()
	if st, b, _ := c.jsonCall(0, "GET", "/api/v1/documents", nil); st != 200 || !strings.Contains(string(b), "otters") {
		t.Fatalf("documents after the copy: %d %s", st, b)
	}
	if st, b, _ := c.jsonCall(0, "GET", "/api/v1/files", nil); st != 200 || !strings.Contains(string(b), "runbook.txt") {
		t.Fatalf("files after the copy: %d %s", st, b)
	}
	// Embedding reads the document's JSON from the new store.
	c.mustJSON(0, "POST", "/api/v1/workspace/after/update-embeddings", map[string]any{"adds": []string{stored.Documents[0].Location}}, nil)
	if st, b, _ := c.jsonCall(0, "POST", "/api/v1/workspace/after/vector-search", map[string]any{"query": "otters sleeping", "scoreThreshold": 0}); st != 200 || !strings.Contains(string(b), "Otters hold hands") {
		t.Fatalf("search after the copy: %d %s", st, b)
	}
}
