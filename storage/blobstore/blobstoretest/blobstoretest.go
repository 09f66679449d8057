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
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// BadKeys are keys every store must refuse with ErrInvalidArgument,
// touching nothing.
var BadKeys = []string{
	"", "/etc/passwd", "/", "../x", "a/../../x", "a/..", "..", ".", "./a", "a/./b", "a//b", "a/",
	`..\x`, `a\b`, `\\server\share`, "a\x00b", "a\nb", "a\tb", "a\x7fb", "%2e%2e/x", "a%2fb", "%2E%2E%2Fx",
	"a/%2e%2e", "a%5cb", "a%00b", `C:\x`, "C:x", "c:/x", "\xff\xfe", "a/\xc0\xaf",
	".blobtmp-1234", "a/.blobtmp-x/b",
	strings.Repeat("a", 300), strings.Repeat("a/", 600),
}

// GoodKeys are unusual keys every store must accept.
var GoodKeys = []string{
	"a", "a b.txt", ".hidden", "a..b", "x-%20y.txt", "ünïcode/文件.json", "emoji-👍🏽.md",
	"documents/custom-documents/report.pdf-0b9a3c2e-8f5e-4d0c-9b1e-2b6a6f1c9d4e.json",
}

var ctx = context.Background()

// RunConformanceTests runs the suite; newStore returns an empty store.
// The suite uses small data and finishes in about a second.
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
		if err != nil || info.Size != 8 || info.IsDir || info.Key != "documents/custom-documents/a.json" || info.ModTime.IsZero() {
			t.Fatalf("Stat = %+v, %v", info, err)
		}
		info, err = s.Stat(ctx, "documents")
		if err != nil || !info.IsDir || info.Key != "documents" {
			t.Fatalf("Stat(folder) = %+v, %v", info, err)
		}
		info, err = s.Stat(ctx, "")
		if err != nil || !info.IsDir {
			t.Fatalf("Stat(root) = %+v, %v", info, err)
		}
		put(t, s, "empty.txt", "")
		if got := read(t, s, "empty.txt"); got != "" {
			t.Fatalf("empty blob read %q", got)
		}
		if _, err := s.Open(ctx, "documents/missing.json"); !errors.Is(err, anythingllm.ErrNotFound) {
			t.Fatalf("Open(missing) = %v, want ErrNotFound", err)
		}
		if _, err := s.Open(ctx, "nofolder/missing.json"); !errors.Is(err, anythingllm.ErrNotFound) {
			t.Fatalf("Open(missing folder) = %v, want ErrNotFound", err)
		}
		if _, err := s.Stat(ctx, "missing"); !errors.Is(err, anythingllm.ErrNotFound) {
			t.Fatalf("Stat(missing) = %v, want ErrNotFound", err)
		}
		if _, err := s.Open(ctx, "documents"); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Fatalf("Open(folder) = %v, want ErrInvalidArgument", err)
		}
	})
	t.Run("GoodKeysAccepted", func(t *testing.T) {
		s := newStore(t)
		for _, k := range GoodKeys {
			put(t, s, k, "v:"+k)
		}
		for _, k := range GoodKeys {
			if got := read(t, s, k); got != "v:"+k {
				t.Errorf("read(%q) = %q", k, got)
			}
		}
	})
	t.Run("BadKeysRefusedAndTouchNothing", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "keep.txt", "x")
		put(t, s, "a/in.txt", "y")
		before := walk(t, s)
		for _, k := range BadKeys {
			checks := map[string]error{
				"Put":       s.Put(ctx, k, strings.NewReader("evil")),
				"Delete":    s.Delete(ctx, k),
				"DeleteAll": s.DeleteAll(ctx, k),
				"MkdirAll":  s.MkdirAll(ctx, k),
				"MoveFrom":  s.Move(ctx, k, "moved.txt"),
				"MoveTo":    s.Move(ctx, "keep.txt", k),
			}
			_, checks["Open"] = s.Open(ctx, k)
			if k != "" { // "" is the root for Stat and List
				_, checks["Stat"] = s.Stat(ctx, k)
				checks["List"] = errors.New("List yielded nothing")
				for _, err := range s.List(ctx, k) {
					checks["List"] = err
					break
				}
			}
			for op, err := range checks {
				if !errors.Is(err, anythingllm.ErrInvalidArgument) {
					t.Errorf("%s(%q) = %v, want ErrInvalidArgument", op, k, err)
				}
			}
		}
		if after := walk(t, s); after != before {
			t.Fatalf("bad keys changed the store:\n%s\nwant\n%s", after, before)
		}
		if read(t, s, "keep.txt") != "x" || read(t, s, "a/in.txt") != "y" {
			t.Fatal("bad keys changed content")
		}
	})
	t.Run("ListDirectChildrenSorted", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "d/b.txt", "bb")
		put(t, s, "d/a.txt", "a")
		put(t, s, "d/sub/c.txt", "c")
		put(t, s, "d/B.txt", "B")
		put(t, s, "d-sibling.txt", "not a child of d")
		if err := s.MkdirAll(ctx, "d/empty"); err != nil {
			t.Fatal(err)
		}
		var got []string
		for info, err := range s.List(ctx, "d") {
			if err != nil {
				t.Fatal(err)
			}
			if info.IsDir {
				got = append(got, info.Key+"/")
			} else {
				got = append(got, fmt.Sprintf("%s:%d", info.Key, info.Size))
			}
		}
		want := "d/B.txt:1 d/a.txt:1 d/b.txt:2 d/empty/ d/sub/"
		if g := strings.Join(got, " "); g != want {
			t.Fatalf("List = %s, want %s", g, want)
		}
		got = nil
		for info, err := range s.List(ctx, "") {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, info.Key)
		}
		if g := strings.Join(got, " "); g != "d d-sibling.txt" {
			t.Fatalf("List(root) = %s", g)
		}
		n := 0
		for range s.List(ctx, "d") {
			n++
			break
		}
		if n != 1 {
			t.Fatal("List ignored an early break")
		}
		listErr(t, s, "nope", anythingllm.ErrNotFound)
		listErr(t, s, "d/a.txt", anythingllm.ErrInvalidArgument)
	})
	t.Run("FilesAndFolders", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "f/file.txt", "1")
		if err := s.Put(ctx, "f", strings.NewReader("x")); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Errorf("Put onto a folder = %v, want ErrInvalidArgument", err)
		}
		if err := s.Put(ctx, "f/file.txt/child", strings.NewReader("x")); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Errorf("Put below a file = %v, want ErrInvalidArgument", err)
		}
		if err := s.MkdirAll(ctx, "f/file.txt"); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Errorf("MkdirAll onto a file = %v, want ErrInvalidArgument", err)
		}
		if err := s.MkdirAll(ctx, "f/file.txt/sub"); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Errorf("MkdirAll below a file = %v, want ErrInvalidArgument", err)
		}
		for range 2 { // MkdirAll of an existing folder is fine
			if err := s.MkdirAll(ctx, "g/h/i"); err != nil {
				t.Fatal(err)
			}
		}
		if info, err := s.Stat(ctx, "g/h"); err != nil || !info.IsDir {
			t.Fatalf("MkdirAll did not create parents: %+v %v", info, err)
		}
		if got := read(t, s, "f/file.txt"); got != "1" {
			t.Fatalf("file changed to %q", got)
		}
	})
	t.Run("DeleteAndDeleteAll", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "f/a", "1")
		put(t, s, "f/g/b", "2")
		put(t, s, "fg", "sibling with a common prefix")
		if err := s.Delete(ctx, "f/a"); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, "f/a"); !errors.Is(err, anythingllm.ErrNotFound) {
			t.Fatalf("Delete twice = %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx, "f"); !errors.Is(err, anythingllm.ErrFailedPrecondition) {
			t.Fatalf("Delete of a non-empty folder = %v, want ErrFailedPrecondition", err)
		}
		if err := s.MkdirAll(ctx, "e"); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, "e"); err != nil {
			t.Fatalf("Delete of an empty folder = %v", err)
		}
		if _, err := s.Stat(ctx, "e"); !errors.Is(err, anythingllm.ErrNotFound) {
			t.Fatalf("deleted folder still there: %v", err)
		}
		if err := s.DeleteAll(ctx, "f"); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"f/g/b", "f/g", "f"} {
			if _, err := s.Stat(ctx, k); !errors.Is(err, anythingllm.ErrNotFound) {
				t.Fatalf("DeleteAll left %s: %v", k, err)
			}
		}
		if read(t, s, "fg") != "sibling with a common prefix" {
			t.Fatal("DeleteAll removed a sibling")
		}
		if err := s.DeleteAll(ctx, "f"); err != nil {
			t.Fatalf("DeleteAll of nothing = %v", err)
		}
		if err := s.DeleteAll(ctx, "fg"); err != nil {
			t.Fatalf("DeleteAll of a file = %v", err)
		}
		if _, err := s.Stat(ctx, "fg"); !errors.Is(err, anythingllm.ErrNotFound) {
			t.Fatal("DeleteAll of a file left it")
		}
	})
	t.Run("Move", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "a/x.json", "x")
		put(t, s, "b/y.json", "y")
		if err := s.Move(ctx, "a/x.json", "c/d/x.json"); err != nil {
			t.Fatal(err)
		}
		if read(t, s, "c/d/x.json") != "x" {
			t.Fatal("moved content differs")
		}
		if _, err := s.Stat(ctx, "a/x.json"); !errors.Is(err, anythingllm.ErrNotFound) {
			t.Fatal("source still exists after Move")
		}
		if err := s.Move(ctx, "c/d/x.json", "b/y.json"); !errors.Is(err, anythingllm.ErrAlreadyExists) {
			t.Fatalf("Move onto an existing key = %v, want ErrAlreadyExists", err)
		}
		if read(t, s, "b/y.json") != "y" || read(t, s, "c/d/x.json") != "x" {
			t.Fatal("a refused Move changed a file")
		}
		if err := s.Move(ctx, "c/d/x.json", "b"); !errors.Is(err, anythingllm.ErrAlreadyExists) {
			t.Fatalf("Move onto a folder = %v, want ErrAlreadyExists", err)
		}
		if err := s.Move(ctx, "b", "z"); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Fatalf("Move of a folder = %v, want ErrInvalidArgument", err)
		}
		if err := s.Move(ctx, "nope", "z"); !errors.Is(err, anythingllm.ErrNotFound) {
			t.Fatalf("Move(missing) = %v, want ErrNotFound", err)
		}
		if err := s.Move(ctx, "c/d/x.json", "c/d/x.json"); !errors.Is(err, anythingllm.ErrAlreadyExists) {
			t.Fatalf("Move onto itself = %v, want ErrAlreadyExists", err)
		}
		if read(t, s, "c/d/x.json") != "x" {
			t.Fatal("Move onto itself lost the file")
		}
	})
	t.Run("ConcurrentMovesToOneNameOneWins", func(t *testing.T) {
		s := newStore(t)
		const n = 8
		for i := range n {
			put(t, s, fmt.Sprintf("src/%d", i), fmt.Sprint(i))
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.Move(ctx, fmt.Sprintf("src/%d", i), "dst/target")
			}()
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("moves %d and %d both succeeded: one overwrote the other", winner, i)
			case err == nil:
				winner = i
			case !errors.Is(err, anythingllm.ErrAlreadyExists):
				t.Fatalf("move %d: %v, want ErrAlreadyExists", i, err)
			default:
				if got := read(t, s, fmt.Sprintf("src/%d", i)); got != fmt.Sprint(i) {
					t.Fatalf("a refused move lost its source: %q", got)
				}
			}
		}
		if winner < 0 || read(t, s, "dst/target") != fmt.Sprint(winner) {
			t.Fatalf("winner %d, target holds the wrong content", winner)
		}
	})
	t.Run("FailedPutKeepsOldContent", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "doc.json", "old")
		err := s.Put(ctx, "doc.json", io.MultiReader(strings.NewReader(strings.Repeat("partial new", 10000)), errReader{}))
		if err == nil {
			t.Fatal("Put with a failing reader succeeded")
		}
		if got := read(t, s, "doc.json"); got != "old" {
			t.Fatalf("after failed Put: %q, want old content", got)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Put(cctx, "new.json", strings.NewReader("x")); !errors.Is(err, context.Canceled) {
			t.Fatalf("Put with a canceled context = %v, want context.Canceled", err)
		}
		cctx, cancel = context.WithCancel(ctx)
		err = s.Put(cctx, "mid.json", io.MultiReader(strings.NewReader("first part"), cancelReader{cancel}, strings.NewReader("second part")))
		if err == nil {
			t.Fatal("Put canceled mid-way succeeded")
		}
		for _, k := range []string{"new.json", "mid.json"} {
			if _, err := s.Stat(ctx, k); !errors.Is(err, anythingllm.ErrNotFound) {
				t.Fatalf("a canceled Put left %s", k)
			}
		}
		if got := walk(t, s); got != "doc.json:3\n" {
			t.Fatalf("failed Puts left entries:\n%s", got)
		}
	})
	t.Run("ConcurrentReadersSeeWholeContent", func(t *testing.T) {
		s := newStore(t)
		a, b := strings.Repeat("A", 64<<10), strings.Repeat("B", 96<<10)
		put(t, s, "race.bin", a)
		var wg sync.WaitGroup
		stop := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(stop)
			for i := range 30 {
				v := a
				if i%2 == 0 {
					v = b
				}
				if err := s.Put(ctx, "race.bin", strings.NewReader(v)); err != nil {
					t.Error(err)
					return
				}
			}
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
			wg.Add(2)
			go func() {
				defer wg.Done()
				if err := s.Put(ctx, fmt.Sprintf("many/deep/%02d.txt", i), strings.NewReader(fmt.Sprint(i))); err != nil {
					t.Error(err)
				}
			}()
			go func() {
				defer wg.Done()
				if err := s.Put(ctx, "one.txt", strings.NewReader(strings.Repeat(fmt.Sprint(i%10), 10000))); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		n := 0
		for info, err := range s.List(ctx, "many/deep") {
			if err != nil {
				t.Fatal(err)
			}
			if got, want := read(t, s, info.Key), strings.TrimLeft(strings.TrimSuffix(path.Base(info.Key), ".txt"), "0"); got != want && !(got == "0" && want == "") {
				t.Errorf("%s holds %q", info.Key, got)
			}
			n++
		}
		if n != 16 {
			t.Fatalf("listed %d files, want 16", n)
		}
		got := read(t, s, "one.txt")
		if len(got) != 10000 || strings.Count(got, got[:1]) != 10000 {
			t.Fatal("concurrent Puts to one key mixed their content")
		}
	})
}

// walk lists the whole store, one "key:size" or "key/" line per entry.
func walk(t *testing.T, s anythingllm.BlobStore) string {
	t.Helper()
	var b strings.Builder
	var rec func(prefix string)
	rec = func(prefix string) {
		for info, err := range s.List(ctx, prefix) {
			if err != nil {
				t.Fatalf("List(%q): %v", prefix, err)
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

func listErr(t *testing.T, s anythingllm.BlobStore, prefix string, want error) {
	t.Helper()
	var got error
	for _, err := range s.List(ctx, prefix) {
		got = err
		break
	}
	if !errors.Is(got, want) {
		t.Fatalf("List(%q) = %v, want %v", prefix, got, want)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("read failed") }

// cancelReader cancels a context when read, then reports EOF so the
// MultiReader moves on.
type cancelReader struct{ cancel context.CancelFunc }

func (c cancelReader) Read([]byte) (int, error) { c.cancel(); return 0, io.EOF }

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
