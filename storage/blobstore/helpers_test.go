package blobstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/blobstore/blobstoretest"
)

func TestConformanceSubMemory(t *testing.T) {
	blobstoretest.RunConformanceTests(t, func(t *testing.T) anythingllm.BlobStore {
		return blobstore.Sub(blobstore.NewMemory(), "roots/documents")
	})
}

func TestConformanceSubFS(t *testing.T) {
	blobstoretest.RunConformanceTests(t, func(t *testing.T) anythingllm.BlobStore {
		s, err := blobstore.NewFS(t.TempDir(), &blobstore.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return blobstore.Sub(s, "vector-cache")
	})
}

func putS(t *testing.T, s anythingllm.BlobStore, key, v string) {
	t.Helper()
	if err := s.Put(context.Background(), key, strings.NewReader(v)); err != nil {
		t.Fatalf("Put(%s): %v", key, err)
	}
}

func readS(t *testing.T, s anythingllm.BlobStore, key string) string {
	t.Helper()
	r, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open(%s): %v", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tree lists a store, one "key:size" or "key/" per line.
func tree(t *testing.T, s anythingllm.BlobStore) string {
	t.Helper()
	var b strings.Builder
	var rec func(string)
	rec = func(p string) {
		for info, err := range s.List(context.Background(), p) {
			if err != nil {
				t.Fatalf("List(%q): %v", p, err)
			}
			if info.IsDir {
				fmt.Fprintf(&b, "%s/\n", info.Key)
				rec(info.Key)
			} else {
				fmt.Fprintf(&b, "%s:%d\n", info.Key, info.Size)
			}
		}
	}
	rec("")
	return b.String()
}

func TestSubMapsKeysAndStaysInside(t *testing.T) {
	ctx := context.Background()
	parent := blobstore.NewMemory()
	putS(t, parent, "outside.txt", "o")
	putS(t, parent, "root-sibling/x", "s")
	s := blobstore.Sub(parent, "root")
	if info, err := s.Stat(ctx, ""); err != nil || !info.IsDir {
		t.Fatalf("Stat of a sub root not yet created = %+v, %v", info, err)
	}
	if got := tree(t, s); got != "" {
		t.Fatalf("a fresh sub store lists:\n%s", got)
	}
	putS(t, s, "a/b.txt", "b")
	if got := readS(t, parent, "root/a/b.txt"); got != "b" {
		t.Fatalf("parent holds %q", got)
	}
	if info, err := s.Stat(ctx, "a/b.txt"); err != nil || info.Key != "a/b.txt" {
		t.Fatalf("Stat = %+v, %v", info, err)
	}
	if got := tree(t, s); got != "a/\na/b.txt:1\n" {
		t.Fatalf("sub lists:\n%s", got)
	}
	for _, k := range []string{"../outside.txt", "..", "../root-sibling/x", "/outside.txt"} {
		if _, err := s.Open(ctx, k); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Errorf("Open(%q) = %v, want ErrInvalidArgument", k, err)
		}
		if err := s.DeleteAll(ctx, k); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Errorf("DeleteAll(%q) = %v, want ErrInvalidArgument", k, err)
		}
	}
	if got := tree(t, parent); got != "outside.txt:1\nroot/\nroot/a/\nroot/a/b.txt:1\nroot-sibling/\nroot-sibling/x:1\n" {
		t.Fatalf("parent after:\n%s", got)
	}
	for _, bad := range []string{"", "../x", "a//b", "/abs"} {
		b := blobstore.Sub(parent, bad)
		if err := b.Put(ctx, "k", strings.NewReader("x")); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Errorf("Sub(%q).Put = %v, want ErrInvalidArgument", bad, err)
		}
		if _, err := b.Stat(ctx, ""); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Errorf("Sub(%q).Stat(\"\") = %v, want ErrInvalidArgument", bad, err)
		}
		for _, err := range b.List(ctx, "") {
			if !errors.Is(err, anythingllm.ErrInvalidArgument) {
				t.Errorf("Sub(%q).List = %v, want ErrInvalidArgument", bad, err)
			}
		}
	}
}

func sampleTree(t *testing.T) anythingllm.BlobStore {
	src := blobstore.NewMemory()
	putS(t, src, "documents/custom-documents/a.json", `{"a":1}`)
	putS(t, src, "documents/custom-documents/b.json", strings.Repeat("b", 300<<10))
	putS(t, src, "documents/other/c.json", "c")
	putS(t, src, "top.txt", "")
	if err := src.MkdirAll(context.Background(), "vector-cache/empty"); err != nil {
		t.Fatal(err)
	}
	return src
}

func TestCopy(t *testing.T) {
	ctx := context.Background()
	src := sampleTree(t)
	dst := blobstore.NewMemory()
	putS(t, dst, "documents/only-in-dst.txt", "kept")
	var calls []string
	var last, total int64
	stats, err := blobstore.Copy(ctx, dst, src, &blobstore.CopyOptions{Progress: func(done, tot int64, key string) {
		if done < last || done > tot {
			t.Errorf("progress went from %d to %d of %d", last, done, tot)
		}
		last, total = done, tot
		calls = append(calls, key)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 4 || last != total || total != int64(7+300<<10+1) {
		t.Fatalf("progress: %d calls, %d of %d", len(calls), last, total)
	}
	if stats.Files != 4 || stats.Skipped != 0 || stats.Bytes != total || stats.Dirs != 4 {
		t.Fatalf("stats = %+v", stats)
	}
	want := strings.Replace(tree(t, src), "documents/other/", "documents/only-in-dst.txt:4\ndocuments/other/", 1)
	if got := tree(t, dst); got != want {
		t.Fatalf("dst:\n%s\nwant:\n%s", got, want)
	}
	if readS(t, dst, "documents/custom-documents/b.json") != strings.Repeat("b", 300<<10) {
		t.Fatal("content differs")
	}

	// Again with SkipExisting: nothing written but the changed file.
	putS(t, dst, "documents/other/c.json", "C")
	stats, err = blobstore.Copy(ctx, dst, src, &blobstore.CopyOptions{SkipExisting: true})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Files != 1 || stats.Skipped != 3 || stats.Dirs != 0 || stats.Bytes != 1 {
		t.Fatalf("second run stats = %+v", stats)
	}
	if readS(t, dst, "documents/other/c.json") != "c" {
		t.Fatal("a changed file was skipped")
	}
	// Without SkipExisting everything is written again.
	stats, err = blobstore.Copy(ctx, dst, src, nil)
	if err != nil || stats.Files != 4 || stats.Skipped != 0 {
		t.Fatalf("third run = %+v, %v", stats, err)
	}
}

// corrupting is a store whose Put silently changes one byte of large blobs.
type corrupting struct{ anythingllm.BlobStore }

func (c corrupting) Put(ctx context.Context, key string, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(b) > 1000 {
		b = bytes.Clone(b)
		b[500] ^= 1
	}
	return c.BlobStore.Put(ctx, key, bytes.NewReader(b))
}

func TestCopyVerificationFails(t *testing.T) {
	ctx := context.Background()
	src := sampleTree(t)
	dst := corrupting{blobstore.NewMemory()}
	stats, err := blobstore.Copy(ctx, dst, src, nil)
	if !errors.Is(err, anythingllm.ErrInternal) || !strings.Contains(err.Error(), "b.json") {
		t.Fatalf("Copy onto a corrupting store = %v, want ErrInternal naming b.json", err)
	}
	if stats.Files != 1 { // a.json, then b.json failed
		t.Fatalf("stats = %+v", stats)
	}
	// SkipExisting does not take a corrupt copy for identical.
	_, err = blobstore.Copy(ctx, dst.BlobStore, src, &blobstore.CopyOptions{SkipExisting: true})
	if err != nil {
		t.Fatal(err)
	}
	if readS(t, dst, "documents/custom-documents/b.json") != strings.Repeat("b", 300<<10) {
		t.Fatal("SkipExisting kept the corrupt copy")
	}
}

func TestCopyStopsOnErrors(t *testing.T) {
	ctx := context.Background()
	src := sampleTree(t)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := blobstore.Copy(cctx, blobstore.NewMemory(), src, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Copy with a canceled context = %v", err)
	}
	dst := blobstore.NewMemory()
	putS(t, dst, "documents", "a file where src has a folder")
	if _, err := blobstore.Copy(ctx, dst, src, nil); !errors.Is(err, anythingllm.ErrInvalidArgument) {
		t.Fatalf("Copy onto a conflicting file = %v, want ErrInvalidArgument", err)
	}
}
