package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/collector"
	"github.com/anythingllm-go/anythingllm/anythingllm/collector/collectortest"
	"github.com/anythingllm-go/anythingllm/anythingllm/tokenizer"
	"github.com/anythingllm-go/anythingllm/httpapi"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
	"github.com/anythingllm-go/anythingllm/providers/native"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/bunstore/bunstoretest"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
)

// sharedParser is one collector for every test of the package: PDFium's
// WebAssembly is compiled once (cached on disk) instead of per test, which
// under -race on a busy machine took longer than a parse's deadline.
var sharedParser = sync.OnceValue(func() *collector.Collector {
	return collector.New(&collector.Options{CacheDir: filepath.Join(os.TempDir(), "anythingllm-httpapi-test-wazero"), ParseTimeout: 5 * time.Minute})
})

func ragDeps() anythingllm.Deps {
	return anythingllm.Deps{Vectors: flatvec.New(nil), Embedder: native.New(), Tokenizer: tokenizer.New(), Parser: sharedParser()}
}

func ragEnv(t *testing.T) *httpapitest.Env {
	return httpapitest.New(t, &httpapitest.Options{Deps: ragDeps()})
}

type uploadOut struct {
	Success   bool
	Error     *string
	Documents []struct {
		ID, Title, PageContent, Location string
		WordCount                        int
		TokenCountEstimate               int `json:"token_count_estimate"`
	}
}

// upload sends a multipart upload with the file part first and the fields
// after it (clients send them in any order).
func upload(t *testing.T, env *httpapitest.Env, path, name, content string, fields map[string]string) (int, uploadOut) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	mw.Close()
	h := http.Header{"Authorization": {"Bearer " + env.Key}, "Content-Type": {mw.FormDataContentType()}}
	resp := env.DoWith(t, "POST", path, &buf, h)
	var out uploadOut
	_ = jsonDecode(resp, &out)
	return resp.StatusCode, out
}

type searchOut struct {
	Results []struct {
		ID, Text        string
		Score, Distance float64
		Metadata        map[string]any
	}
	Message string
}

func search(t *testing.T, env *httpapitest.Env, slug, q string) searchOut {
	t.Helper()
	var out searchOut
	if st := env.DoJSON(t, "POST", "/api/v1/workspace/"+slug+"/vector-search", map[string]any{"query": q}, &out); st != 200 {
		t.Fatalf("search %q: %d %s", q, st, out.Message)
	}
	return out
}

func TestUploadFormatsYieldText(t *testing.T) {
	env := ragEnv(t)
	cases := map[string]struct{ content, want string }{
		"notes.txt":  {"Plain text about zebras.", "Plain text about zebras."},
		"readme.md":  {"# Title\n\nMarkdown about giraffes.", "Markdown about giraffes."},
		"table.csv":  {"name,animal\nann,okapi\n", "ann,okapi"},
		"data.json":  {`{"animal":"pangolin"}`, "pangolin"},
		"page.html":  {"<html><head><script>var hidden=1</script></head><body><p>HTML about tapirs</p></body></html>", "HTML about tapirs"},
		"feed.xml":   {"<feed><item>XML about lemurs</item></feed>", "XML about lemurs"},
		"My File.md": {"spaces in the name", "spaces in the name"},
	}
	for name, c := range cases {
		st, out := upload(t, env, "/api/v1/document/upload", name, c.content, nil)
		if st != 200 || !out.Success || len(out.Documents) != 1 {
			t.Fatalf("%s: %d %+v", name, st, out)
		}
		d := out.Documents[0]
		if !strings.Contains(d.PageContent, c.want) || d.Title != name || !strings.HasPrefix(d.Location, "custom-documents/") || d.TokenCountEstimate == 0 {
			t.Errorf("%s: %+v", name, d)
		}
		if strings.Contains(d.PageContent, "hidden") {
			t.Errorf("%s: script text leaked into the document", name)
		}
	}
	_, out := upload(t, env, "/api/v1/document/upload", "My File.md", "x", nil)
	if loc := out.Documents[0].Location; !strings.HasPrefix(loc, "custom-documents/My-File.md-") {
		t.Fatalf("stored name = %s, want upstream's My-File.md-<uuid>.json", loc)
	}
}

func TestUploadFailuresNameTheFile(t *testing.T) {
	env := ragEnv(t)
	for name, c := range map[string]struct {
		content string
		status  int
		want    string
	}{
		"virus.exe":  {"MZ", 400, "File extension .exe not supported"},
		"empty.txt":  {"   \n ", 400, "No text content found in empty.txt."},
		"binary.txt": {"abc\x00def", 400, "binary.txt is not a UTF-8 text file."},
	} {
		st, out := upload(t, env, "/api/v1/document/upload", name, c.content, nil)
		if st != c.status || out.Success || out.Error == nil || !strings.Contains(*out.Error, c.want) {
			t.Errorf("%s: %d %+v", name, st, out)
		}
	}
	resp := env.Do(t, "POST", "/api/v1/document/upload", strings.NewReader("not multipart"))
	if resp.StatusCode != 400 {
		t.Fatalf("non-multipart upload: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestUploadSizeLimit(t *testing.T) {
	env := httpapitest.New(t, &httpapitest.Options{Deps: ragDeps(), Server: &httpapi.Options{MaxUploadBytes: 1000}})
	st, out := upload(t, env, "/api/v1/document/upload", "big.txt", strings.Repeat("a", 5000), nil)
	if st != 413 || out.Success {
		t.Fatalf("oversized upload: %d %+v", st, out)
	}
	var tree struct{ LocalFiles anythingllm.DocumentTree }
	env.DoJSON(t, "GET", "/api/v1/documents", nil, &tree)
	if n := len(tree.LocalFiles.Items[0].Items); n != 0 {
		t.Fatalf("a refused upload stored %d files", n)
	}
}

func TestRawTextAndListing(t *testing.T) {
	env := ragEnv(t)
	var out uploadOut
	if st := env.DoJSON(t, "POST", "/api/v1/document/raw-text", map[string]any{"textContent": "hello raw world", "metadata": map[string]any{"title": "My Note.txt", "docAuthor": "me", "published": 1705417620000}}, &out); st != 200 || !out.Success {
		t.Fatalf("raw-text: %d %+v", st, out)
	}
	d := out.Documents[0]
	if d.Title != "my-note.txt" || !strings.HasPrefix(d.Location, "custom-documents/raw-my-note-") || d.WordCount != 3 {
		t.Fatalf("raw doc = %+v", d)
	}
	for body, want := range map[string]string{
		`{"textContent":"x","metadata":{}}`:           "Required metadata key:values are 'title'",
		`{"textContent":"","metadata":{"title":"t"}}`: "The 'textContent' key cannot have an empty value.",
	} {
		var e uploadOut
		resp := env.Do(t, "POST", "/api/v1/document/raw-text", strings.NewReader(body))
		_ = jsonDecode(resp, &e)
		if resp.StatusCode != 422 || e.Error == nil || !strings.Contains(*e.Error, want) {
			t.Errorf("%s: %d %+v", body, resp.StatusCode, e)
		}
	}
	var tree struct{ LocalFiles anythingllm.DocumentTree }
	env.DoJSON(t, "GET", "/api/v1/documents", nil, &tree)
	f := tree.LocalFiles.Items[0]
	if f.Name != "custom-documents" || len(f.Items) != 1 || f.Items[0].PageContent != nil || f.Items[0].Title != "my-note.txt" || f.Items[0].DocAuthor != "me" {
		t.Fatalf("listing = %+v", tree.LocalFiles)
	}
	if f.Items[0].Published != "1/16/2024, 3:07:00 PM" {
		t.Fatalf("published = %q", f.Items[0].Published)
	}
	var one struct{ Document map[string]any }
	if st := env.DoJSON(t, "GET", "/api/v1/document/"+f.Items[0].Name, nil, &one); st != 200 || one.Document["title"] != "my-note.txt" {
		t.Fatalf("get by name: %d %v", st, one)
	}
	if st := env.DoJSON(t, "GET", "/api/v1/document/missing.json", nil, nil); st != 404 {
		t.Fatalf("missing doc: %d", st)
	}
	var types struct{ Types map[string][]string }
	if st := env.DoJSON(t, "GET", "/api/v1/document/accepted-file-types", nil, &types); st != 200 || len(types.Types["text/plain"]) == 0 {
		t.Fatalf("types: %d %v", st, types)
	}
	var schema struct{ Schema map[string]string }
	if env.DoJSON(t, "GET", "/api/v1/document/metadata-schema", nil, &schema); schema.Schema["title"] != "string" {
		t.Fatalf("schema: %v", schema)
	}
}

// 100 documents embed into a workspace, and a question finds its document's
// chunk first.
func TestHundredDocumentsRightChunkFirst(t *testing.T) {
	env := ragEnv(t)
	newWorkspace(t, env, map[string]any{"name": "Zoo"})
	animals := []string{"aardvark", "bison", "caribou", "dingo", "echidna", "ferret", "gazelle", "hyena", "ibex", "jackal"}
	colors := []string{"crimson", "teal", "amber", "violet", "olive", "indigo", "scarlet", "ochre", "cobalt", "magenta"}
	for i := range 100 {
		a, c := animals[i%10], colors[i/10]
		text := fmt.Sprintf("Record %d. The %s %s lives in enclosure number %d and eats %s pellets every morning.", i, c, a, i, c)
		if st, out := upload(t, env, "/api/v1/document/upload", fmt.Sprintf("doc%03d.txt", i), text, map[string]string{"addToWorkspaces": "zoo"}); st != 200 || !out.Success {
			t.Fatalf("upload %d: %d %+v", i, st, out)
		}
	}
	var count struct{ VectorCount int }
	env.DoJSON(t, "GET", "/api/v1/system/vector-count", nil, &count)
	if count.VectorCount != 100 {
		t.Fatalf("vector count = %d, want 100", count.VectorCount)
	}
	for _, probe := range []struct{ q, want string }{
		{"where does the teal hyena live?", "teal hyena"},
		{"scarlet dingo enclosure", "scarlet dingo"},
		{"what does the violet aardvark eat", "violet aardvark"},
	} {
		out := search(t, env, "zoo", probe.q)
		if len(out.Results) == 0 || !strings.Contains(out.Results[0].Text, probe.want) {
			t.Fatalf("%q: first result %+v", probe.q, out.Results)
		}
		r := out.Results[0]
		if r.Score < 0.25 || r.Distance < 0 || r.Metadata["title"] == "" || r.Metadata["tokenCount"] == nil || !strings.HasPrefix(r.Text, "<document_metadata>") {
			t.Fatalf("%q: result shape %+v", probe.q, r)
		}
	}
}

func TestUpdateEmbeddingsReportsUnknownAndNeverDuplicates(t *testing.T) {
	env := ragEnv(t)
	newWorkspace(t, env, map[string]any{"name": "W"})
	_, out := upload(t, env, "/api/v1/document/upload", "a.txt", "alpha document about quokkas", nil)
	dp := out.Documents[0].Location
	var res struct {
		Workspace struct{ Documents []map[string]any }
		NotFound  []string
	}
	body := map[string]any{"adds": []string{dp, dp, "custom-documents/ghost.json"}}
	if st := env.DoJSON(t, "POST", "/api/v1/workspace/w/update-embeddings", body, &res); st != 200 || len(res.Workspace.Documents) != 1 ||
		len(res.NotFound) != 1 || res.NotFound[0] != "custom-documents/ghost.json" {
		t.Fatalf("adds: %d %+v", st, res)
	}
	env.DoJSON(t, "POST", "/api/v1/workspace/w/update-embeddings", map[string]any{"adds": []string{dp}}, &res)
	var count struct{ VectorCount int }
	env.DoJSON(t, "GET", "/api/v1/system/vector-count", nil, &count)
	if count.VectorCount != 1 {
		t.Fatalf("re-adding duplicated vectors: %d", count.VectorCount)
	}
	var pin struct{ Message string }
	if st := env.DoJSON(t, "POST", "/api/v1/workspace/w/update-pin", map[string]any{"docPath": dp, "pinStatus": true}, &pin); st != 200 || pin.Message != "Pin status updated successfully" {
		t.Fatalf("pin: %d %v", st, pin)
	}
	if st := env.DoJSON(t, "POST", "/api/v1/workspace/w/update-pin", map[string]any{"docPath": "custom-documents/ghost.json", "pinStatus": true}, nil); st != 404 {
		t.Fatalf("pin unknown: %d", st)
	}
	if st := env.DoJSON(t, "POST", "/api/v1/workspace/w/update-embeddings", map[string]any{"deletes": []string{dp}}, &res); st != 200 || len(res.Workspace.Documents) != 0 {
		t.Fatalf("deletes: %d %+v", st, res)
	}
	if out := search(t, env, "w", "quokkas"); len(out.Results) != 0 || out.Message != "No embeddings found for this workspace." {
		t.Fatalf("search after delete: %+v", out)
	}
	if st := env.DoJSON(t, "POST", "/api/v1/workspace/nope/update-embeddings", body, nil); st != 404 {
		t.Fatalf("unknown workspace: %d", st)
	}
}

func TestVectorSearchBadInput(t *testing.T) {
	env := ragEnv(t)
	newWorkspace(t, env, map[string]any{"name": "S"})
	var out map[string]any
	if st := env.DoJSON(t, "POST", "/api/v1/workspace/s/vector-search", map[string]any{"query": " "}, &out); st != 400 || out["message"] != "Query parameter cannot be empty." {
		t.Fatalf("empty query: %d %v", st, out)
	}
	if st := env.DoJSON(t, "POST", "/api/v1/workspace/ghost/vector-search", map[string]any{"query": "x"}, &out); st != 404 || !strings.Contains(out["message"].(string), "is not a valid workspace") {
		t.Fatalf("unknown workspace: %d %v", st, out)
	}
}

// Every route that takes a name or docpath refuses traversal and encoded
// forms with 400 and touches nothing.
func TestTraversalRefused(t *testing.T) {
	env := ragEnv(t)
	newWorkspace(t, env, map[string]any{"name": "T"})
	bad := []string{"../../etc/passwd", "/etc/passwd.json", `..\..\x.json`, "custom-documents/../../x.json", "%2e%2e/x.json", "a/b\x00.json", "custom-documents/%2e%2e%2fx.json"}
	for _, p := range bad {
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/api/v1/workspace/t/update-embeddings", map[string]any{"adds": []string{p}}},
			{"POST", "/api/v1/workspace/t/update-embeddings", map[string]any{"deletes": []string{p}}},
			{"POST", "/api/v1/workspace/t/update-pin", map[string]any{"docPath": p, "pinStatus": true}},
			{"DELETE", "/api/v1/system/remove-documents", map[string]any{"names": []string{p}}},
			{"POST", "/api/v1/document/create-folder", map[string]any{"name": p}},
		} {
			if st := env.DoJSON(t, c.method, c.path, c.body, nil); st != 400 {
				t.Errorf("%s %s with %q: %d, want 400", c.method, c.path, p, st)
			}
		}
	}
	for _, folder := range []string{"..", "%2e%2e", "a%2fb", ".hidden"} {
		if st, _ := upload(t, env, "/api/v1/document/upload/"+folder, "x.txt", "text", nil); st != 400 && st != 404 {
			t.Errorf("upload into folder %q: %d", folder, st)
		}
	}
	var tree struct{ LocalFiles anythingllm.DocumentTree }
	env.DoJSON(t, "GET", "/api/v1/documents", nil, &tree)
	if len(tree.LocalFiles.Items) != 1 || len(tree.LocalFiles.Items[0].Items) != 0 {
		t.Fatalf("bad names created something: %+v", tree.LocalFiles)
	}
}

func TestUploadIntoFolderAndCreateFolder(t *testing.T) {
	env := ragEnv(t)
	var res map[string]any
	if st := env.DoJSON(t, "POST", "/api/v1/document/create-folder", map[string]any{"name": "reports"}, &res); st != 200 || res["success"] != true {
		t.Fatalf("create-folder: %d %v", st, res)
	}
	if st := env.DoJSON(t, "POST", "/api/v1/document/create-folder", map[string]any{"name": "reports"}, &res); st != 409 || res["message"] != "Folder by that name already exists" {
		t.Fatalf("create-folder twice: %d %v", st, res)
	}
	st, out := upload(t, env, "/api/v1/document/upload/reports", "q1.txt", "first quarter", nil)
	if st != 200 || !strings.HasPrefix(out.Documents[0].Location, "reports/q1.txt-") {
		t.Fatalf("upload into folder: %d %+v", st, out)
	}
}

// Deleting a workspace leaves no vectors (SQL and index) and no rows.
func TestWorkspaceDeleteLeavesNoVectors(t *testing.T) {
	deps := ragDeps()
	env := httpapitest.New(t, &httpapitest.Options{Deps: deps})
	newWorkspace(t, env, map[string]any{"name": "Gone"})
	newWorkspace(t, env, map[string]any{"name": "Kept"})
	upload(t, env, "/api/v1/document/upload", "g.txt", "gone text", map[string]string{"addToWorkspaces": "gone,kept"})
	ctx := context.Background()
	if n, _ := deps.Vectors.Total(ctx); n != 2 {
		t.Fatalf("index holds %d vectors, want 2", n)
	}
	resp := env.Do(t, "DELETE", "/api/v1/workspace/gone", nil)
	resp.Body.Close()
	if n, _ := env.App.Store().Documents().CountVectors(ctx, 0); n != 1 {
		t.Fatalf("SQL vectors after delete = %d, want 1", n)
	}
	if n, _ := deps.Vectors.Total(ctx); n != 1 {
		t.Fatalf("index vectors after delete = %d, want 1", n)
	}
	if out := search(t, env, "kept", "gone text"); len(out.Results) != 1 {
		t.Fatalf("the other workspace lost its vectors: %+v", out)
	}
}

func TestRemoveDocumentsEverywhere(t *testing.T) {
	env := ragEnv(t)
	newWorkspace(t, env, map[string]any{"name": "A"})
	newWorkspace(t, env, map[string]any{"name": "B"})
	_, out := upload(t, env, "/api/v1/document/upload", "r.txt", "removable text", map[string]string{"addToWorkspaces": "a, b"})
	var res map[string]any
	if st := env.DoJSON(t, "DELETE", "/api/v1/system/remove-documents", map[string]any{"names": []string{out.Documents[0].Location, "custom-documents/ghost.json"}}, &res); st != 200 || res["message"] != "Documents removed successfully" {
		t.Fatalf("remove: %d %v", st, res)
	}
	var count struct{ VectorCount int }
	env.DoJSON(t, "GET", "/api/v1/system/vector-count", nil, &count)
	var tree struct{ LocalFiles anythingllm.DocumentTree }
	env.DoJSON(t, "GET", "/api/v1/documents", nil, &tree)
	if count.VectorCount != 0 || len(tree.LocalFiles.Items[0].Items) != 0 {
		t.Fatalf("after remove: %d vectors, files %+v", count.VectorCount, tree.LocalFiles.Items)
	}
}

// A restart (a new App on the same SQLite file and folder) keeps documents,
// embeddings and search results once the index is reloaded from SQL.
func TestRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	st := bunstoretest.SQLiteAt(t, filepath.Join(dir, "anythingllm.db"))
	blobs, err := blobstore.NewFS(filepath.Join(dir, "files"), nil)
	if err != nil {
		t.Fatal(err)
	}
	deps := ragDeps()
	deps.Store, deps.Blobs = st, blobs
	env := httpapitest.New(t, &httpapitest.Options{Deps: deps})
	newWorkspace(t, env, map[string]any{"name": "Persist"})
	upload(t, env, "/api/v1/document/upload", "p.txt", "persistent narwhal facts", map[string]string{"addToWorkspaces": "persist"})

	deps2 := ragDeps()
	deps2.Store, deps2.Blobs = st, blobs
	env2 := httpapitest.New(t, &httpapitest.Options{Deps: deps2, App: &anythingllm.Options{LoadIndexAtStart: true}})
	n, err := env2.App.LoadVectorIndex(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("LoadVectorIndex = %d, %v", n, err)
	}
	if out := search(t, env2, "persist", "narwhal facts"); len(out.Results) != 1 || !strings.Contains(out.Results[0].Text, "narwhal") {
		t.Fatalf("after restart: %+v", out)
	}
}

// Every binary format, uploaded through HTTP, yields its text and can be
// searched.
func TestUploadBinaryFormats(t *testing.T) {
	env := ragEnv(t)
	newWorkspace(t, env, map[string]any{"name": "Bin"})
	cases := map[string]struct {
		data []byte
		want string
		docs int
	}{
		"report.docx": {collectortest.DOCX(t, "Word text about otters."), "otters", 1},
		"deck.pptx":   {collectortest.PPTX(t, 3), "Slide number 3", 1},
		"notes.odt":   {collectortest.ODF(t, "OpenDocument text about badgers."), "badgers", 1},
		"talk.odp":    {collectortest.ODF(t, "Presentation about herons."), "herons", 1},
		"book.epub":   {collectortest.EPUB(t), "lighthouses", 1},
		"prices.xlsx": {collectortest.XLSX(t), "mango", 2},
		"mail.eml":    {[]byte(collectortest.EML), "north region", 1},
		"box.mbox":    {collectortest.MBOX(), "first message", 2},
		"doc.pdf":     {collectortest.PDF([]string{"PDF page about volcanoes"}, false), "volcanoes", 1},
	}
	for name, c := range cases {
		st, out := upload(t, env, "/api/v1/document/upload", name, string(c.data), map[string]string{"addToWorkspaces": "bin"})
		if st != 200 || len(out.Documents) != c.docs {
			t.Fatalf("%s: %d %+v", name, st, out)
		}
		all := ""
		for _, d := range out.Documents {
			all += d.PageContent
		}
		if !strings.Contains(all, c.want) {
			t.Errorf("%s: %q not in %q", name, c.want, all)
		}
	}
	if res := search(t, env, "bin", "volcanoes page"); len(res.Results) == 0 || !strings.Contains(res.Results[0].Text, "volcanoes") {
		t.Fatalf("search over the PDF: %+v", res)
	}
	var types struct{ Types map[string][]string }
	env.DoJSON(t, "GET", "/api/v1/document/accepted-file-types", nil, &types)
	if len(types.Types["application/pdf"]) != 1 {
		t.Fatalf("accepted types lack PDF: %v", types.Types)
	}
	st, out := upload(t, env, "/api/v1/document/upload", "broken.pdf", "%PDF-1.4 garbage", nil)
	if st != 400 || out.Error == nil || !strings.Contains(*out.Error, "broken.pdf") {
		t.Fatalf("broken pdf: %d %+v", st, out)
	}
}
