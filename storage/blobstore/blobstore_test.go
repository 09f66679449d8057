package blobstore_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/blobstore/blobstoretest"
)

func TestConformanceMemory(t *testing.T) {
	blobstoretest.RunConformanceTests(t, func(t *testing.T) anythingllm.BlobStore { return blobstore.NewMemory() })
}

func TestConformanceFS(t *testing.T) {
	blobstoretest.RunConformanceTests(t, func(t *testing.T) anythingllm.BlobStore {
		s, err := blobstore.NewFS(t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// A symlink planted inside the root cannot be used to read or write
// outside it.
func TestFSSymlinkCannotEscape(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.txt")
	if err := os.WriteFile(secret, []byte("top secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(root, "file-link")); err != nil {
		t.Fatal(err)
	}
	s, err := blobstore.NewFS(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Open(ctx, "link/secret.txt"); err == nil {
		t.Fatal("read through a directory symlink that leaves the root")
	}
	if _, err := s.Open(ctx, "file-link"); err == nil {
		t.Fatal("read through a file symlink that leaves the root")
	}
	if err := s.Put(ctx, "link/evil.txt", strings.NewReader("x")); err == nil {
		t.Fatal("wrote through a symlink that leaves the root")
	}
	if _, err := os.Stat(filepath.Join(outside, "evil.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a file was created outside the root")
	}
	if err := s.MkdirAll(ctx, "link/newdir"); err == nil {
		t.Fatal("created a folder through a symlink that leaves the root")
	}
	if err := s.Put(ctx, "plain.txt", strings.NewReader("p")); err != nil {
		t.Fatal(err)
	}
	if err := s.Move(ctx, "plain.txt", "link/moved.txt"); err == nil {
		t.Fatal("moved a file through a symlink that leaves the root")
	}
	if err := s.Move(ctx, "file-link", "stolen.txt"); err == nil {
		t.Fatal("moved a symlink that leaves the root")
	}
	if _, err := s.Stat(ctx, "link/secret.txt"); err == nil {
		t.Fatal("stat through a symlink that leaves the root")
	}
	for info, err := range s.List(ctx, "") {
		if err == nil && (info.Key == "link" || info.Key == "file-link") {
			t.Fatalf("List shows the symlink %s", info.Key)
		}
	}
	for _, err := range s.List(ctx, "link") {
		if err == nil {
			t.Fatal("listed a folder through a symlink that leaves the root")
		}
	}
	if err := s.DeleteAll(ctx, "link"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(secret); string(b) != "top secret" {
		t.Fatal("the file outside the root changed")
	}
	if got := strings.Join(files(t, outside), " "); got != "secret.txt" {
		t.Fatalf("files outside the root: %s", got)
	}
}

// files returns every file and folder below dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if rel, _ := filepath.Rel(dir, p); rel != "." {
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A Put that fails mid-way, by reader error or by cancellation, leaves no
// temp file on disk (List hides temp files, so the conformance suite
// cannot see them).
func TestFSLeavesNoTempFiles(t *testing.T) {
	root := t.TempDir()
	s, err := blobstore.NewFS(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Put(ctx, "a/keep.txt", strings.NewReader("keep")); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 1<<20)
	if err := s.Put(ctx, "a/b.txt", io.MultiReader(strings.NewReader(big), failingReader{})); err == nil {
		t.Fatal("Put with a reader failing mid-way succeeded")
	}
	cctx, cancel := context.WithCancel(ctx)
	if err := s.Put(cctx, "a/c.txt", io.MultiReader(strings.NewReader(big), cancelingReader{cancel}, strings.NewReader(big))); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put canceled mid-way = %v, want context.Canceled", err)
	}
	if err := s.Put(cctx, "a/d.txt", strings.NewReader("x")); err == nil {
		t.Fatal("Put with a canceled context succeeded")
	}
	if err := s.Put(ctx, "a/keep.txt/e.txt", strings.NewReader("x")); err == nil {
		t.Fatal("Put below a file succeeded")
	}
	if got := strings.Join(files(t, root), " "); got != "a a/keep.txt" {
		t.Fatalf("files after failed Puts: %s", got)
	}
}

// Bad keys do not create, change or reveal anything next to the root.
func TestFSBadKeysStayInside(t *testing.T) {
	parent := t.TempDir()
	if err := os.WriteFile(filepath.Join(parent, "x"), []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := blobstore.NewFS(filepath.Join(parent, "root"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Put(ctx, "keep.txt", strings.NewReader("k")); err != nil {
		t.Fatal(err)
	}
	for _, k := range append(blobstoretest.BadKeys, "../root/../x", "../../"+filepath.Base(parent)+"/x") {
		errs := []error{
			s.Put(ctx, k, strings.NewReader("evil")), s.MkdirAll(ctx, k), s.Delete(ctx, k),
			s.DeleteAll(ctx, k), s.Move(ctx, "keep.txt", k), s.Move(ctx, k, "stolen"),
		}
		if _, err := s.Open(ctx, k); err == nil {
			t.Errorf("Open(%q) succeeded", k)
		}
		for i, err := range errs {
			if !errors.Is(err, anythingllm.ErrInvalidArgument) {
				t.Errorf("op %d on %q = %v, want ErrInvalidArgument", i, k, err)
			}
		}
	}
	if got := strings.Join(files(t, parent), " "); got != "root root/keep.txt x" {
		t.Fatalf("files after bad keys: %s", got)
	}
	if b, _ := os.ReadFile(filepath.Join(parent, "x")); string(b) != "outside" {
		t.Fatal("the file outside the root changed")
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

type cancelingReader struct{ cancel context.CancelFunc }

func (c cancelingReader) Read([]byte) (int, error) { c.cancel(); return 0, io.EOF }
