package anythingllm_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
)

func filesApp(t *testing.T) (*anythingllm.App, string) {
	t.Helper()
	base := t.TempDir()
	roots := map[string]anythingllm.BlobStore{}
	for _, r := range []string{anythingllm.RootFiles, anythingllm.RootAssets, anythingllm.RootPfp, anythingllm.RootDocuments} {
		fs, err := blobstore.NewFS(filepath.Join(base, r), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { fs.Close() })
		roots[r] = fs
	}
	app, err := anythingllm.New(anythingllm.Deps{Store: memstore.New(), FileRoots: roots}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return app, base
}

// Every traversal attempt is refused with InvalidArgument and writes
// nothing, inside or outside the roots.
func TestFilesConfineNames(t *testing.T) {
	ctx := context.Background()
	app, base := filesApp(t)
	for _, c := range []struct{ folder, name string }{
		{"../escape", "a.txt"}, {"/abs", "a.txt"}, {`..\win`, "a.txt"}, {"%2e%2e", "a.txt"}, {"a/../../b", "a.txt"},
		{"ok", ".."}, {"ok", "."}, {"ok", ".env"}, {"ok", ""}, {"a\x00b", "a.txt"}, {".hidden", "a.txt"}, {"ok", "x/.."},
	} {
		if _, err := app.SaveFile(ctx, anythingllm.RootFiles, c.folder, c.name, strings.NewReader("x")); anythingllm.Code(err) != anythingllm.InvalidArgument {
			t.Errorf("folder %q name %q: %v", c.folder, c.name, err)
		}
	}
	for _, c := range [][2]string{{"../x", "y"}, {"y", "../../x"}, {"y", "/etc/x"}, {"y", ".staging-x"}} {
		if _, err := app.MoveFile(ctx, "", c[0], c[1]); anythingllm.Code(err) != anythingllm.InvalidArgument && anythingllm.Code(err) != anythingllm.NotFound {
			t.Errorf("move %q -> %q: %v", c[0], c[1], err)
		}
	}
	for _, name := range []string{"../files/x", "/etc/passwd", "..", "a/../../b"} {
		if err := app.DeleteFile(ctx, "", name); anythingllm.Code(err) != anythingllm.InvalidArgument {
			t.Errorf("delete %q: %v", name, err)
		}
		if _, err := app.FileDetails(ctx, "", name); anythingllm.Code(err) != anythingllm.InvalidArgument {
			t.Errorf("details %q: %v", name, err)
		}
	}
	if _, err := app.ListFiles(ctx, "../etc"); anythingllm.Code(err) != anythingllm.InvalidArgument {
		t.Errorf("unknown root: %v", err)
	}
	var written []string
	_ = filepath.WalkDir(base, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			written = append(written, p)
		}
		return nil
	})
	if len(written) != 0 {
		t.Fatalf("refused calls wrote %v", written)
	}
	// A path in the file name is reduced to its base name.
	info, err := app.SaveFile(ctx, anythingllm.RootFiles, "", "../../etc/passwd", strings.NewReader("x"))
	if err != nil || info.Path != "passwd" {
		t.Fatalf("name with a path: %v %+v", err, info)
	}
}

func TestFilesStagingAndRoots(t *testing.T) {
	ctx := context.Background()
	app, _ := filesApp(t)
	s, err := app.StageFile(ctx, anythingllm.RootFiles, "late.txt", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	// A staged upload is invisible until committed.
	if list, _ := app.ListFiles(ctx, ""); len(list) != 0 {
		t.Fatalf("staged upload listed: %+v", list)
	}
	if usage, _ := app.StorageInfo(ctx); usage[anythingllm.RootFiles].Files != 0 {
		t.Fatalf("staged upload counted: %+v", usage)
	}
	info, err := app.CommitFile(ctx, s, "inbox")
	if err != nil || info.Path != "inbox/late.txt" || info.Size != 5 {
		t.Fatalf("commit: %v %+v", err, info)
	}
	// A refused commit removes the staged data.
	s2, _ := app.StageFile(ctx, anythingllm.RootFiles, "late.txt", strings.NewReader("again"))
	if _, err := app.CommitFile(ctx, s2, "inbox"); anythingllm.Code(err) != anythingllm.AlreadyExists {
		t.Fatalf("commit onto an existing name: %v", err)
	}
	usage, _ := app.StorageInfo(ctx)
	if usage[anythingllm.RootFiles].Files != 1 || usage[anythingllm.RootFiles].Bytes != 5 {
		t.Fatalf("after a refused commit: %+v", usage)
	}
	if _, err := app.StageFile(ctx, anythingllm.RootPfp, "me.exe", strings.NewReader("MZ")); anythingllm.Code(err) != anythingllm.InvalidArgument {
		t.Fatalf("pfp must be an image: %v", err)
	}
	// Read-only roots refuse changes; unconfigured roots are Unavailable.
	for _, err := range []error{
		func() error {
			_, err := app.SaveFile(ctx, anythingllm.RootDocuments, "", "x.json", strings.NewReader("{}"))
			return err
		}(),
		app.DeleteFile(ctx, anythingllm.RootDocuments, "x.json"),
	} {
		if anythingllm.Code(err) != anythingllm.InvalidArgument {
			t.Errorf("change in documents root: %v", err)
		}
	}
	if _, err := app.ListFiles(ctx, anythingllm.RootVectorCache); anythingllm.Code(err) != anythingllm.Unavailable {
		t.Errorf("unconfigured root: %v", err)
	}
	if _, err := app.MoveFile(ctx, "", "inbox/late.txt", "done/late.txt"); err != nil {
		t.Fatal(err)
	}
	if _, err := app.FileDetails(ctx, "", "inbox/late.txt"); anythingllm.Code(err) != anythingllm.NotFound {
		t.Fatalf("old name after move: %v", err)
	}
	if err := app.DeleteFile(ctx, "", "done"); anythingllm.Code(err) != anythingllm.InvalidArgument {
		t.Fatalf("deleting a folder: %v", err)
	}
	if err := app.DeleteFile(ctx, "", "done/late.txt"); err != nil {
		t.Fatal(err)
	}
}
