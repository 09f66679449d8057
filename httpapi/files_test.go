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
