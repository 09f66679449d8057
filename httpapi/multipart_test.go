package httpapi_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/httpapi"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
)

// multipartBody builds a form with a file part (raw file name, so control
// characters can be sent) and fields.
func multipartBody(fileName, content string, fields [][2]string) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		_ = mw.WriteField(f[0], f[1])
	}
	h := textproto.MIMEHeader{}
	disp := fmt.Sprintf(`form-data; name="file"; filename="%s"`, fileName)
	if enc, ok := strings.CutPrefix(fileName, "utf8:"); ok { // RFC 2231: percent-encoded, decoded by the server
		disp = `form-data; name="file"; filename*=UTF-8''` + enc
	}
	h.Set("Content-Disposition", disp)
	h.Set("Content-Type", "text/plain")
	pw, _ := mw.CreatePart(h)
	_, _ = pw.Write([]byte(content))
	_ = mw.Close()
	return &buf, mw.FormDataContentType()
}

// TestMultipartTextFieldsRefuseControlCharacters: a NUL or another control
// character in an upload's file name, addToWorkspaces, metadata or folder
// is a 400 naming the field, and nothing is stored.
func TestMultipartTextFieldsRefuseControlCharacters(t *testing.T) {
	env := httpapitest.New(t, &httpapitest.Options{Deps: ragDeps(), NoSchemaCheck: true})
	newWorkspace(t, env, map[string]any{"name": "kb"})
	cases := []struct {
		path, file string
		fields     [][2]string
		want       string
	}{
		// A raw control character in a part's header: net/textproto
		// refuses the header itself.
		{"/api/v1/document/upload", "a\x00b.txt", nil, "malformed multipart body"},
		{"/api/v1/document/upload", "a\x1bb.txt", nil, "malformed multipart body"},
		// Percent-encoded (RFC 2231), it is decoded into the file name.
		{"/api/v1/document/upload", "utf8:a%00b.txt", nil, "the file name contains a NUL character"},
		{"/api/v1/document/upload", "utf8:a%1Bb.txt", nil, "the file name contains a control character"},
		{"/api/v1/document/upload", "utf8:a%7Fb.txt", nil, "the file name contains a control character"},
		{"/api/v1/document/upload", "utf8:a%C2%85b.txt", nil, "the file name contains a control character"},
		{"/api/v1/document/upload", "ok.txt", [][2]string{{"addToWorkspaces", "kb\x00"}}, "addToWorkspaces contains a NUL character"},
		{"/api/v1/document/upload", "ok.txt", [][2]string{{"addToWorkspaces", "kb,\x01x"}}, "addToWorkspaces contains a control character"},
		{"/api/v1/document/upload", "ok.txt", [][2]string{{"metadata", `{"title":"t\u0000"}`}}, "metadata.title contains a NUL character"},
		{"/api/v1/document/upload", "ok.txt", [][2]string{{"metadata", `{"docAuthor":"a\u0007"}`}}, "metadata.docAuthor contains a control character"},
		{"/api/v1/files/upload", "utf8:a%00.txt", nil, "the file name contains a NUL character"},
		{"/api/v1/files/upload", "ok.txt", [][2]string{{"folder", "f\x00"}}, "folder contains a NUL character"},
		{"/api/v1/files/upload?folder=f%01", "ok.txt", nil, "folder contains a control character"},
		{"/api/stt/transcribe", "utf8:a%00.mp3", nil, "the file name contains a NUL character"},
		{"/api/stt/transcribe", "a.mp3", [][2]string{{"language", "e\x00n"}}, "language contains a NUL character"},
	}
	for _, c := range cases {
		body, ctype := multipartBody(c.file, "some text for the document", c.fields)
		resp := env.DoWith(t, "POST", c.path, body, http.Header{"Authorization": {"Bearer " + env.Key}, "Content-Type": {ctype}})
		b := httpapitest.Body(t, resp)
		if resp.StatusCode != 400 || !strings.Contains(b, c.want) {
			t.Errorf("POST %s file %q fields %q = %d %s, want 400 %q", c.path, c.file, c.fields, resp.StatusCode, b, c.want)
		}
	}
	// Newlines and tabs are text in metadata; nothing above was stored.
	body, ctype := multipartBody("fine.txt", "fine text", [][2]string{{"metadata", `{"description":"line one\nline\ttwo"}`}})
	resp := env.DoWith(t, "POST", "/api/v1/document/upload", body, http.Header{"Authorization": {"Bearer " + env.Key}, "Content-Type": {ctype}})
	if b := httpapitest.Body(t, resp); resp.StatusCode != 200 {
		t.Fatalf("a description with a newline and a tab: %d %s", resp.StatusCode, b)
	}
	resp = env.Do(t, "GET", "/api/v1/documents", nil)
	if b := httpapitest.Body(t, resp); strings.Count(b, `"name":"fine.txt-`) != 1 || strings.Contains(b, "ok.txt") {
		t.Fatalf("documents after the refusals: %s", b)
	}
	resp = env.Do(t, "GET", "/api/v1/files", nil)
	if b := httpapitest.Body(t, resp); strings.Contains(b, ".txt") {
		t.Fatalf("files after the refusals: %s", b)
	}
}

// TestBodyCapWhateverTheContentType: a JSON route caps its body at
// MaxBodyBytes whether the body is labelled application/json, text/plain
// or multipart/form-data (upload routes alone take MaxUploadBytes), and
// the oversized body writes nothing.
func TestBodyCapWhateverTheContentType(t *testing.T) {
	env := httpapitest.New(t, &httpapitest.Options{NoSchemaCheck: true, Deps: ragDeps(),
		Server: &httpapi.Options{MaxBodyBytes: 1000, MaxUploadBytes: 1 << 20}})
	big := `{"name":"` + strings.Repeat("n", 2000) + `"}`
	for _, ct := range []string{"application/json", "text/plain", "multipart/form-data; boundary=x", "application/octet-stream", ""} {
		for _, chunked := range []bool{false, true} {
			var r interface{ Read([]byte) (int, error) } = strings.NewReader(big)
			if chunked {
				r = struct{ *strings.Reader }{strings.NewReader(big)} // no length known: sent chunked
			}
			h := http.Header{"Authorization": {"Bearer " + env.Key}}
			if ct != "" {
				h.Set("Content-Type", ct)
			}
			resp := env.DoWith(t, "POST", "/api/v1/workspace/new", r, h)
			b := httpapitest.Body(t, resp)
			// Sent with its length, the cap answers before the handler;
			// sent chunked, the decoder refuses a non-JSON label (400)
			// or stops reading at the cap (413).
			jsonish := ct == "" || ct == "application/json" || ct == "text/plain"
			if resp.StatusCode != 413 && (jsonish || !chunked || resp.StatusCode != 400) {
				t.Errorf("a 2 KB body labelled %q (chunked %v) on a JSON route: %d %s, want 413", ct, chunked, resp.StatusCode, b)
			}
			// update-env reads its body whatever the label: the cap holds.
			r = strings.NewReader(`{"OllamaLLMModelPref":"` + strings.Repeat("m", 2000) + `"}`)
			if chunked {
				r = struct{ *strings.Reader }{r.(*strings.Reader)}
			}
			resp = env.DoWith(t, "POST", "/api/v1/system/update-env", r, h)
			b = httpapitest.Body(t, resp)
			if resp.StatusCode != 413 {
				t.Errorf("a 2 KB update-env labelled %q (chunked %v): %d %s, want 413", ct, chunked, resp.StatusCode, b)
			}
		}
	}
	resp := env.Do(t, "GET", "/api/v1/workspaces", nil)
	if b := httpapitest.Body(t, resp); strings.Contains(b, `"slug"`) {
		t.Fatalf("an oversized body wrote a workspace: %s", b)
	}
	resp = env.Do(t, "GET", "/api/v1/system", nil)
	if b := httpapitest.Body(t, resp); strings.Contains(b, "mmmmmmmm") {
		t.Fatalf("an oversized update-env was applied: %.300s", b)
	}
	// An upload route still takes more than MaxBodyBytes.
	body, ctype := multipartBody("big.txt", strings.Repeat("word ", 1000), nil)
	resp = env.DoWith(t, "POST", "/api/v1/document/upload", body, http.Header{"Authorization": {"Bearer " + env.Key}, "Content-Type": {ctype}})
	if b := httpapitest.Body(t, resp); resp.StatusCode != 200 {
		t.Fatalf("a 5 KB upload under MaxUploadBytes: %d %s", resp.StatusCode, b)
	}
}
