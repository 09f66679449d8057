// Package blobstoretest is the conformance suite for anythingllm.BlobStore.
//
//	func TestConformance(t *testing.T) {
//		blobstoretest.RunConformanceTests(t, func(t *testing.T) anythingllm.BlobStore { return blobstore.NewMemory() })
//	}
package blobstoretest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// BadKeys are keys every store must refuse with ErrInvalidArgument.
var BadKeys = []string{
	"", "/etc/passwd", "../x", "a/../../x", "a/..", "..", ".", "./a", "a/./b", "a//b", "a/",
	`..\x`, `a\b`, "a\x00b", "a\nb", "%2e%2e/x", "a%2fb", "%2E%2E%2Fx", `C:\x`, "C:x",
	strings.Repeat("a", 300), strings.Repeat("a/", 600),
}

var ctx = context.Background()

// RunConformanceTests runs the suite; newStore returns an empty store.
func RunConformanceTests(t *testing.T, newStore func(t *testing.T) anythingllm.BlobStore) {
	t.Run("PutOpenStat", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "documents/custom-documents/a.json", "hello")
		if got := read(t, s, "documents/custom-documents/a.json"); got != "hello" {
			t.Fatalf("read %q", got)
		}
		put(t, s, "documents/custom-documents/a.json", "replaced")
		if got := read(t, s, "documents/custom-documents/a.json"); got != "replaced" {
			t.Fatalf("overwrite: read %q", got)
		}
		info, err := s.Stat(ctx, "documents/custom-documents/a.json")
		if err != nil || info.Size != 8 || info.IsDir || info.Key != "documents/custom-documents/a.json" {
			t.Fatalf("Stat = %+v, %v", info, err)
		}
		info, err = s.Stat(ctx, "documents")
		if err != nil || !info.IsDir {
			t.Fatalf("Stat(folder) = %+v, %v", info, err)
		}
		if _, err := s.Open(ctx, "documents/missing.json"); !errors.Is(err, anythingllm.ErrNotFound) {
			t.Fatalf("Open(missing) = %v, want ErrNotFound", err)
		}
		if _, err := s.Stat(ctx, "missing"); !errors.Is(err, anythingllm.ErrNotFound) {
			t.Fatalf("Stat(missing) = %v, want ErrNotFound", err)
		}
		if _, err := s.Open(ctx, "documents"); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Fatalf("Open(folder) = %v, want ErrInvalidArgument", err)
		}
	})
	t.Run("BadKeysRefusedAndTouchNothing", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "keep.txt", "x")
		for _, k := range BadKeys {
			if k == "" {
				continue // "" is the root for List and Stat
			}
			checks := map[string]error{
				"Put":       s.Put(ctx, k, strings.NewReader("evil")),
				"Delete":    s.Delete(ctx, k),
				"DeleteAll": s.DeleteAll(ctx, k),
				"MkdirAll":  s.MkdirAll(ctx, k),
				"MoveFrom":  s.Move(ctx, k, "moved.txt"),
				"MoveTo":    s.Move(ctx, "keep.txt", k),
			}
			_, checks["Open"] = s.Open(ctx, k)
			_, checks["Stat"] = s.Stat(ctx, k)
			for _, err := range s.List(ctx, k) {
				checks["List"] = err
				break
			}
			for op, err := range checks {
				if !errors.Is(err, anythingllm.ErrInvalidArgument) {
					t.Errorf("%s(%q) = %v, want ErrInvalidArgument", op, k, err)
				}
			}
		}
		if err := s.Put(ctx, "", strings.NewReader("x")); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Errorf("Put(\"\") = %v, want ErrInvalidArgument", err)
		}
		var keys []string
		for info, err := range s.List(ctx, "") {
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, info.Key)
		}
		if len(keys) != 1 || keys[0] != "keep.txt" || read(t, s, "keep.txt") != "x" {
			t.Fatalf("bad keys changed the store: %v", keys)
		}
	})
	t.Run("ListDirectChildrenSorted", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "d/b.txt", "bb")
		put(t, s, "d/a.txt", "a")
		put(t, s, "d/sub/c.txt", "c")
		if err := s.MkdirAll(ctx, "d/empty"); err != nil {
			t.Fatal(err)
		}
		var got []string
		for info, err := range s.List(ctx, "d") {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%s:%v:%d", info.Key, info.IsDir, info.Size))
		}
		want := "d/a.txt:false:1 d/b.txt:false:2 d/empty:true:0 d/sub:true:0"
		if g := strings.Join(got, " "); !strings.HasPrefix(g, "d/a.txt:false:1 d/b.txt:false:2 d/empty:true:") || !strings.Contains(g, "d/sub:true:") || len(got) != 4 {
			t.Fatalf("List = %s, want %s", g, want)
		}
		for _, err := range s.List(ctx, "nope") {
			if !errors.Is(err, anythingllm.ErrNotFound) {
				t.Fatalf("List(missing) = %v, want ErrNotFound", err)
			}
		}
	})
	t.Run("DeleteAndDeleteAll", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "f/a", "1")
		put(t, s, "f/g/b", "2")
		if err := s.Delete(ctx, "f/a"); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, "f/a"); !errors.Is(err, anythingllm.ErrNotFound) {
			t.Fatalf("Delete twice = %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx, "f"); err == nil {
			t.Fatal("Delete of a non-empty folder succeeded")
		}
		if err := s.DeleteAll(ctx, "f"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Stat(ctx, "f/g/b"); !errors.Is(err, anythingllm.ErrNotFound) {
			t.Fatal("DeleteAll left a file")
		}
		if err := s.DeleteAll(ctx, "f"); err != nil {
			t.Fatalf("DeleteAll of nothing = %v", err)
		}
	})
	t.Run("Move", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "a/x.json", "x")
		put(t, s, "b/y.json", "y")
		if err := s.Move(ctx, "a/x.json", "c/x.json"); err != nil {
			t.Fatal(err)
		}
		if read(t, s, "c/x.json") != "x" {
			t.Fatal("moved content differs")
		}
		if _, err := s.Stat(ctx, "a/x.json"); !errors.Is(err, anythingllm.ErrNotFound) {
			t.Fatal("source still exists after Move")
		}
		if err := s.Move(ctx, "c/x.json", "b/y.json"); !errors.Is(err, anythingllm.ErrAlreadyExists) {
			t.Fatalf("Move onto an existing key = %v, want ErrAlreadyExists", err)
		}
		if read(t, s, "b/y.json") != "y" {
			t.Fatal("Move overwrote the target")
		}
		if err := s.Move(ctx, "nope", "z"); !errors.Is(err, anythingllm.ErrNotFound) {
			t.Fatalf("Move(missing) = %v, want ErrNotFound", err)
		}
	})
	t.Run("FailedPutKeepsOldContent", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "doc.json", "old")
		err := s.Put(ctx, "doc.json", io.MultiReader(strings.NewReader("partial new"), errReader{}))
		if err == nil {
			t.Fatal("Put with a failing reader succeeded")
		}
		if got := read(t, s, "doc.json"); got != "old" {
			t.Fatalf("after failed Put: %q, want old content", got)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Put(cctx, "new.json", strings.NewReader("x")); err == nil {
			t.Fatal("Put with a canceled context succeeded")
		}
		if _, err := s.Stat(ctx, "new.json"); !errors.Is(err, anythingllm.ErrNotFound) {
			t.Fatal("a canceled Put left a file")
		}
		n := 0
		for range s.List(ctx, "") {
			n++
		}
		if n != 1 {
			t.Fatalf("failed Puts left %d entries, want 1", n)
		}
	})
	t.Run("ConcurrentReadersSeeWholeContent", func(t *testing.T) {
		s := newStore(t)
		a, b := strings.Repeat("A", 64<<10), strings.Repeat("B", 64<<10)
		put(t, s, "race.bin", a)
		var wg sync.WaitGroup
		stop := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 30; i++ {
				v := a
				if i%2 == 0 {
					v = b
				}
				if err := s.Put(ctx, "race.bin", strings.NewReader(v)); err != nil {
					t.Error(err)
				}
			}
			close(stop)
		}()
		for done := false; !done; {
			select {
			case <-stop:
				done = true
			default:
			}
			got := read(t, s, "race.bin")
			if got != a && got != b {
				t.Fatalf("reader saw a torn write of %d bytes", len(got))
			}
		}
		wg.Wait()
	})
	t.Run("ConcurrentPuts", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.Put(ctx, fmt.Sprintf("many/%02d.txt", i), strings.NewReader(fmt.Sprint(i))); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		n := 0
		for _, err := range s.List(ctx, "many") {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 16 {
			t.Fatalf("listed %d files, want 16", n)
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("read failed") }

func put(t *testing.T, s anythingllm.BlobStore, key, v string) {
	t.Helper()
	if err := s.Put(ctx, key, strings.NewReader(v)); err != nil {
		t.Fatalf("Put(%s): %v", key, err)
	}
}

func read(t *testing.T, s anythingllm.BlobStore, key string) string {
	t.Helper()
	r, err := s.Open(ctx, key)
	if err != nil {
		t.Fatalf("Open(%s): %v", key, err)
	}
	defer r.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
