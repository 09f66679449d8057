package httpapi_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/httpapi"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
)

func filesEnv(t *testing.T, maxUpload int64) *httpapitest.Env {
	roots := map[string]anythingllm.BlobStore{}
	for _, r := range []string{anythingllm.RootFiles, anythingllm.RootAssets, anythingllm.RootPfp} {
		fs, err := blobstore.NewFS(t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		roots[r] = fs
	}
	return httpapitest.New(t, &httpapitest.Options{Deps: anythingllm.Deps{FileRoots: roots}, Server: &httpapi.Options{MaxUploadBytes: maxUpload}})
}

type fileOut struct {
	Success bool
	Error   *string
	File    *anythingllm.FileInfo
}

func fileUpload(t *testing.T, env *httpapitest.Env, path, name, content, folder string) (int, fileOut) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	if folder != "" {
		mw.WriteField("folder", folder)
	}
	mw.Close()
	resp := env.DoWith(t, "POST", path, &buf, http.Header{"Authorization": {"Bearer " + env.Key}, "Content-Type": {mw.FormDataContentType()}})
	var out fileOut
	_ = jsonDecode(resp, &out)
	return resp.StatusCode, out
}

func TestFilesAPI(t *testing.T) {
	env := filesEnv(t, 0)
	if st, out := fileUpload(t, env, "/api/v1/files/upload", "report.txt", "hello files", ""); st != 200 || out.File.Path != "report.txt" || out.File.Size != 11 {
		t.Fatalf("upload: %d %+v", st, out)
	}
	if st, _ := fileUpload(t, env, "/api/v1/files/upload", "report.txt", "again", ""); st != 409 {
		t.Fatalf("duplicate name: %d", st)
	}
	if st, out := fileUpload(t, env, "/api/v1/files/upload", "q.csv", "a,b", "reports"); st != 200 || out.File.Path != "reports/q.csv" {
		t.Fatalf("upload into a folder: %d %+v", st, out)
	}
	if st, _ := fileUpload(t, env, "/api/v1/files/assets/upload", "logo.svg", "<svg/>", ""); st != 200 {
		t.Fatalf("asset: %d", st)
	}
	if st, _ := fileUpload(t, env, "/api/v1/files/pfp/upload", "me.exe", "MZ", ""); st != 400 {
		t.Fatalf("pfp must be an image: %d", st)
	}
	if st, _ := fileUpload(t, env, "/api/v1/files/pfp/upload", "me.png", "\x89PNG", ""); st != 200 {
		t.Fatalf("pfp: %d", st)
	}
	var list struct{ Files []anythingllm.FileInfo }
	if st := env.DoJSON(t, "GET", "/api/v1/files", nil, &list); st != 200 || len(list.Files) != 2 || list.Files[0].Path != "report.txt" {
		t.Fatalf("list: %d %+v", st, list)
	}
	var one fileOut
	if st := env.DoJSON(t, "GET", "/api/v1/files/report.txt", nil, &one); st != 200 || one.File.Size != 11 {
		t.Fatalf("details: %d %+v", st, one)
	}
	if st := env.DoJSON(t, "POST", "/api/v1/files/move", map[string]string{"from": "report.txt", "to": "archive/report.txt"}, &one); st != 200 || one.File.Path != "archive/report.txt" {
		t.Fatalf("move: %d %+v", st, one)
	}
	if st := env.DoJSON(t, "DELETE", "/api/v1/files/report.txt/delete", nil, nil); st != 404 {
		t.Fatalf("delete moved-away file: %d", st)
	}
	var info struct {
		Roots map[string]anythingllm.RootUsage
	}
	if st := env.DoJSON(t, "GET", "/api/v1/files/storage-info", nil, &info); st != 200 || info.Roots["files"].Files != 2 || info.Roots["pfp"].Files != 1 || info.Roots["assets"].Bytes != 6 {
		t.Fatalf("storage-info: %d %+v", st, info)
	}
}

func TestFilesRefuseTraversalAndLimits(t *testing.T) {
	env := filesEnv(t, 2000)
	for _, folder := range []string{"../x", "/etc", `..\x`, "%2e%2e", "a/../../b"} {
		if st, out := fileUpload(t, env, "/api/v1/files/upload", "a.txt", "x", folder); st != 400 || out.Success {
			t.Errorf("folder %q: %d %+v", folder, st, out)
		}
	}
	for _, name := range []string{"..", ".hidden"} {
		if st, _ := fileUpload(t, env, "/api/v1/files/upload", name, "x", ""); st != 400 {
			t.Errorf("name %q: %d", name, st)
		}
	}
	// A path in the file name is reduced to its base name.
	if st, out := fileUpload(t, env, "/api/v1/files/upload", "../../etc/passwd", "x", ""); st != 200 || out.File.Path != "passwd" {
		t.Errorf("name with a path: %d %+v", st, out)
	}
	for _, c := range []map[string]string{{"from": "passwd", "to": "../passwd"}, {"from": "../x", "to": "y"}, {"from": "passwd", "to": "/abs"}} {
		if st := env.DoJSON(t, "POST", "/api/v1/files/move", c, nil); st != 400 {
			t.Errorf("move %v: %d", c, st)
		}
	}
	if st, _ := fileUpload(t, env, "/api/v1/files/upload", "big.bin", strings.Repeat("x", 5000), ""); st != 413 {
		t.Errorf("oversized upload: %d", st)
	}
	var list struct{ Files []anythingllm.FileInfo }
	env.DoJSON(t, "GET", "/api/v1/files", nil, &list)
	if len(list.Files) != 1 {
		t.Fatalf("refused requests left files: %+v", list.Files)
	}
}

// The folder may come before or after the file part, or as ?folder=; the
// data is streamed, and a refused upload leaves nothing behind.
func TestFilesUploadFolderOrderAndRoots(t *testing.T) {
	env := filesEnv(t, 0)
	upload := func(path string, parts ...[2]string) (int, fileOut) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, p := range parts {
			if p[0] == "file" {
				fw, _ := mw.CreateFormFile("file", p[1])
				fw.Write([]byte("data of " + p[1]))
			} else {
				mw.WriteField(p[0], p[1])
			}
		}
		mw.Close()
		resp := env.DoWith(t, "POST", path, &buf, http.Header{"Authorization": {"Bearer " + env.Key}, "Content-Type": {mw.FormDataContentType()}})
		var out fileOut
		_ = jsonDecode(resp, &out)
		return resp.StatusCode, out
	}
	if st, out := upload("/api/v1/files/upload", [2]string{"folder", "before"}, [2]string{"file", "a.txt"}); st != 200 || out.File.Path != "before/a.txt" {
		t.Fatalf("folder before file: %d %+v", st, out)
	}
	if st, out := upload("/api/v1/files/upload", [2]string{"file", "b.txt"}, [2]string{"folder", "after"}); st != 200 || out.File.Path != "after/b.txt" {
		t.Fatalf("folder after file: %d %+v", st, out)
	}
	if st, out := upload("/api/v1/files/upload?folder=q", [2]string{"file", "c.txt"}); st != 200 || out.File.Path != "q/c.txt" {
		t.Fatalf("?folder=: %d %+v", st, out)
	}
	// Refused after staging (bad folder, existing name): nothing is left.
	if st, _ := upload("/api/v1/files/upload", [2]string{"file", "d.txt"}, [2]string{"folder", "../up"}); st != 400 {
		t.Fatalf("bad folder after file: %d", st)
	}
	if st, _ := upload("/api/v1/files/upload", [2]string{"file", "b.txt"}, [2]string{"folder", "after"}); st != 409 {
		t.Fatalf("existing name after staging: %d", st)
	}
	if st, _ := upload("/api/v1/files/upload", [2]string{"file", "x.txt"}, [2]string{"file", "y.txt"}); st != 400 {
		t.Fatalf("two file parts: %d", st)
	}
	var info struct {
		Roots map[string]anythingllm.RootUsage
	}
	if env.DoJSON(t, "GET", "/api/v1/files/storage-info", nil, &info); info.Roots["files"].Files != 3 {
		t.Fatalf("storage-info after refused uploads: %+v", info)
	}
	// A file in a folder is addressed with an escaped slash.
	var one fileOut
	if st := env.DoJSON(t, "GET", "/api/v1/files/after%2Fb.txt", nil, &one); st != 200 || one.File.Path != "after/b.txt" {
		t.Fatalf("details in a folder: %d %+v", st, one)
	}
	if st := env.DoJSON(t, "DELETE", "/api/v1/files/after%2Fb.txt/delete", nil, nil); st != 200 {
		t.Fatalf("delete in a folder: %d", st)
	}
	if st := env.DoJSON(t, "DELETE", "/api/v1/files/after/delete", nil, nil); st != 400 {
		t.Fatalf("delete a folder: %d", st)
	}
	// Other roots: listed with ?root=; unknown roots are 400.
	upload("/api/v1/files/assets/upload", [2]string{"file", "logo.png"})
	var list struct{ Files []anythingllm.FileInfo }
	if st := env.DoJSON(t, "GET", "/api/v1/files?root=assets", nil, &list); st != 200 || len(list.Files) != 1 || list.Files[0].Root != "assets" {
		t.Fatalf("assets listing: %d %+v", st, list)
	}
	if st := env.DoJSON(t, "GET", "/api/v1/files?root=..", nil, nil); st != 400 {
		t.Fatalf("unknown root: %d", st)
	}
	if st := env.DoJSON(t, "POST", "/api/v1/files/move", map[string]string{"root": "assets", "from": "logo.png", "to": "brand/logo.png"}, &one); st != 200 || one.File.Root != "assets" {
		t.Fatalf("move in assets: %d %+v", st, one)
	}
	if st := env.DoJSON(t, "DELETE", "/api/v1/files/brand%2Flogo.png/delete?root=assets", nil, nil); st != 200 {
		t.Fatalf("delete in assets: %d", st)
	}
}

// The pipeline's roots (documents, vector cache) can be read, not changed.
func TestFilesReadOnlyRoots(t *testing.T) {
	docs := blobstore.NewMemory()
	if err := docs.Put(t.Context(), "custom-documents/a.json", strings.NewReader("{}")); err != nil {
		t.Fatal(err)
	}
	env := httpapitest.New(t, &httpapitest.Options{Deps: anythingllm.Deps{FileRoots: map[string]anythingllm.BlobStore{anythingllm.RootDocuments: docs}}})
	var list struct{ Files []anythingllm.FileInfo }
	if st := env.DoJSON(t, "GET", "/api/v1/files?root=documents", nil, &list); st != 200 || len(list.Files) != 1 {
		t.Fatalf("documents listing: %d %+v", st, list)
	}
	if st := env.DoJSON(t, "DELETE", "/api/v1/files/custom-documents%2Fa.json/delete?root=documents", nil, nil); st != 400 {
		t.Fatalf("delete in documents: %d", st)
	}
	if st := env.DoJSON(t, "POST", "/api/v1/files/move", map[string]string{"root": "documents", "from": "custom-documents/a.json", "to": "b.json"}, nil); st != 400 {
		t.Fatalf("move in documents: %d", st)
	}
	if _, err := docs.Stat(t.Context(), "custom-documents/a.json"); err != nil {
		t.Fatal("a refused request changed the documents root")
	}
	// The files root is not configured here: a clear 503, not a panic.
	if st := env.DoJSON(t, "GET", "/api/v1/files", nil, nil); st != 503 {
		t.Fatalf("unconfigured root: %d", st)
	}
}
