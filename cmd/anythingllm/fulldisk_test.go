package main

import (
	"bytes"
	"crypto/rand"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// tinyTmpfs mounts a tmpfs of size (e.g. "1m") on a new folder: a real
// file system that fills up. It needs root (or CAP_SYS_ADMIN); the test is
// skipped with the reason otherwise.
func tinyTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if os.Geteuid() != 0 {
		t.Skip("a full disk is simulated with a tmpfs mount, which needs root; skipping")
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("mounting a %s tmpfs on %s: %v; skipping (the test needs CAP_SYS_ADMIN)", size, dir, err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// TestFullDiskUploadIs507: an upload to a files root on a full file system
// (a 1 MiB tmpfs) answers 507 JSON, leaves no partial file behind (a small
// upload fits afterwards, and the root holds only it), and the server
// keeps serving.
func TestFullDiskUploadIs507(t *testing.T) {
	root := tinyTmpfs(t, "1m")
	in := newInstance(t, "FILES_ROOT="+root)
	if _, stderr, err := in.cli("migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, stderr)
	}
	c := &cluster{t: t, replicas: []*instance{in}, key: in.createKey(), client: http.DefaultClient}
	in.start()

	uploadFile := func(query, name string, size int) (int, []byte) {
		t.Helper()
		data := make([]byte, size)
		_, _ = rand.Read(data)
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write(data)
		_ = mw.Close()
		st, b, err := c.call(0, "POST", "/api/v1/files/upload"+query, mw.FormDataContentType(), buf.Bytes())
		if err != nil {
			t.Fatalf("upload %s: %v", name, err)
		}
		return st, b
	}
	// With the folder known first the file is written in place; without,
	// it is staged under a hidden name and moved.
	for _, query := range []string{"?folder=sub", ""} {
		st, b := uploadFile(query, "big.bin", 2<<20)
		if st != 507 || !strings.Contains(string(b), `"error":"`) || !strings.Contains(string(b), "storage is full") {
			t.Fatalf("a 2 MiB upload to a 1 MiB file system: %d %s, want 507 JSON", st, b)
		}
	}
	// Nothing partial is left: the root is empty and a 600 KiB file fits.
	if left := listTree(t, root); len(left) != 0 {
		t.Fatalf("the failed uploads left %v", left)
	}
	if st, b := uploadFile("", "small.bin", 600<<10); st != 200 {
		t.Fatalf("a 600 KiB upload after the failures: %d %s", st, b)
	}
	if left := listTree(t, root); len(left) != 1 || filepath.Base(left[0]) != "small.bin" {
		t.Fatalf("the root holds %v, want only small.bin", left)
	}
	// The server keeps serving.
	c.mustJSON(0, "POST", "/api/v1/workspace/new", map[string]any{"name": "still here"}, nil)
	var files struct {
		Files []any `json:"files"`
	}
	c.mustJSON(0, "GET", "/api/v1/files?root=files", nil, &files)
	if len(files.Files) != 1 {
		t.Fatalf("files listed: %v", files.Files)
	}
}

// listTree lists the regular files under dir, hidden ones included.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
