package blobstore_test

import (
	"context"
	"errors"
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
	if b, _ := os.ReadFile(secret); string(b) != "top secret" {
		t.Fatal("the file outside the root changed")
	}
}

func TestFSLeavesNoTempFiles(t *testing.T) {
	root := t.TempDir()
	s, err := blobstore.NewFS(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = s.Put(ctx, "a/b.txt", strings.NewReader("x"))
	var leftovers []string
	_ = filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			leftovers = append(leftovers, p)
		}
		return nil
	})
	if len(leftovers) != 0 {
		t.Fatalf("files left after a canceled Put: %v", leftovers)
	}
}
