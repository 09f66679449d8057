package follow

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/bunstore/bunstoretest"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
)

// logBuffer is a logger whose output a test reads.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// snapIndex makes an index on s with a snapshot at path, logging to a
// buffer the caller reads.
func snapIndex(s anythingllm.Store, path string, opts *Options) (*Index, *logBuffer) {
	lb := &logBuffer{}
	o := Options{}
	if opts != nil {
		o = *opts
	}
	o.Snapshot = path
	o.Logger = slog.New(slog.NewTextHandler(lb, nil))
	return New(s, newFlat, &o), lb
}

const fromSnapshot = "vector index loaded from its snapshot"

// loadFrom loads a new index over s from path and says whether it used the
// snapshot; the index must then agree with the store.
func loadFrom(t *testing.T, s anythingllm.Store, path string) (*Index, bool, string) {
	t.Helper()
	x, lb := snapIndex(s, path, nil)
	if _, err := x.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if err := x.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if d := diff(x, s); d != "" {
		t.Fatalf("index after load: %s\nlog:\n%s", d, lb.String())
	}
	return x, strings.Contains(lb.String(), fromSnapshot), lb.String()
}

// The first load from SQL writes a snapshot; the next start reads it and
// applies what the log gained meanwhile (adds, removes, a dropped
// workspace), ending identical to the database.
func TestSnapshotStartsAndCatchesUp(t *testing.T) {
	for name, s := range map[string]anythingllm.Store{"sqlite": bunstoretest.SQLite(t), "memstore": memstore.New()} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "vectors.snapshot")
			w := mkWorkspace(t, s, "w")
			gone := mkWorkspace(t, s, "gone")
			for _, d := range []string{"a", "b", "c"} {
				addDoc(t, s, w, d, 40)
			}
			addDoc(t, s, gone, "g", 2)
			if _, used, _ := loadFrom(t, s, path); used {
				t.Fatal("loaded from a snapshot that did not exist")
			}
			if _, err := os.Stat(path); err != nil {
				t.Fatalf("no snapshot written: %v", err)
			}
			if _, used, log := loadFrom(t, s, path); !used {
				t.Fatalf("the second start did not use the snapshot:\n%s", log)
			}
			addDoc(t, s, w, "d", 5)
			if err := s.Documents().Remove(ctx, "a"); err != nil {
				t.Fatal(err)
			}
			if err := s.Workspaces().Delete(ctx, gone.ID); err != nil {
				t.Fatal(err)
			}
			if _, used, log := loadFrom(t, s, path); !used || strings.Contains(log, "entries_to_apply=0") {
				t.Fatalf("a start after changes: used=%v\n%s", used, log)
			}
		})
	}
}

// A snapshot that is corrupt, truncated, of another database or older than
// the log keeps is not used: the load reads SQL and writes a good one.
func TestSnapshotRejected(t *testing.T) {
	s := bunstoretest.SQLite(t)
	w := mkWorkspace(t, s, "w")
	addDoc(t, s, w, "a", 50)
	dir := t.TempDir()
	path := filepath.Join(dir, "vectors.snapshot")
	loadFrom(t, s, path)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	other := bunstoretest.SQLite(t)
	ow := mkWorkspace(t, other, "w")
	addDoc(t, other, ow, "a", 50)
	otherPath := filepath.Join(dir, "other.snapshot")
	loadFrom(t, other, otherPath)

	flip := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		c[i] ^= 0x40
		return c
	}
	cases := map[string]struct {
		content []byte
		why     string
	}{
		"flipped vector byte": {flip(good, len(good)/2), "checksum mismatch"},
		"flipped checksum":    {flip(good, len(good)-1), "checksum mismatch"},
		"truncated":           {good[:len(good)/3], "truncated"},
		"empty":               {nil, "not a vector snapshot"},
		"bad version":         {flip(good, 9), "version"},
		"trailing data":       {append(bytes.Clone(good), 0), "data after the checksum"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(path, c.content, 0o600); err != nil {
				t.Fatal(err)
			}
			_, used, log := loadFrom(t, s, path)
			if used || !strings.Contains(log, c.why) {
				t.Fatalf("used=%v, want a rejection mentioning %q:\n%s", used, c.why, log)
			}
			if _, used, log := loadFrom(t, s, path); !used {
				t.Fatalf("the load after a rejection did not write a usable snapshot:\n%s", log)
			}
		})
	}
	t.Run("another database", func(t *testing.T) {
		b, _ := os.ReadFile(otherPath)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, used, log := loadFrom(t, s, path); used || !strings.Contains(log, "another database") {
			t.Fatalf("used=%v:\n%s", used, log)
		}
	})
	t.Run("older than the log keeps", func(t *testing.T) {
		loadFrom(t, s, path) // a good snapshot at the current position
		addDoc(t, s, w, "b", 3)
		if _, err := s.PruneVectorChanges(ctx, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, used, log := loadFrom(t, s, path); used || !strings.Contains(log, "older than the log keeps") {
			t.Fatalf("used=%v:\n%s", used, log)
		}
	})
}

// A start that had many entries to apply rewrites the snapshot in the
// background, so the next start has few.
func TestSnapshotRewrittenWhenFarBehind(t *testing.T) {
	s := bunstoretest.SQLite(t)
	w := mkWorkspace(t, s, "w")
	addDoc(t, s, w, "a", 3)
	path := filepath.Join(t.TempDir(), "vectors.snapshot")
	loadFrom(t, s, path)
	for i := range 5 {
		addDoc(t, s, w, "n"+string(rune('a'+i)), 2)
	}
	x, lb := snapIndex(s, path, &Options{SnapshotMaxLag: 2})
	if _, err := x.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil { // waits for the rewrite
		t.Fatal(err)
	}
	if !strings.Contains(lb.String(), "entries_to_apply=5") {
		t.Fatalf("log:\n%s", lb.String())
	}
	if _, used, log := loadFrom(t, s, path); !used || !strings.Contains(log, "entries_to_apply=0") {
		t.Fatalf("after the rewrite: used=%v\n%s", used, log)
	}
}

// A compact index (texts and metadata read from the store) starts from the
// snapshot without decoding texts, answers with the store's texts, and
// still refuses a snapshot whose text bytes were changed.
func TestSnapshotCompactIndex(t *testing.T) {
	s := bunstoretest.SQLite(t)
	w := mkWorkspace(t, s, "w")
	addDoc(t, s, w, "a", 30)
	path := filepath.Join(t.TempDir(), "vectors.snapshot")
	loadFrom(t, s, path) // writes the snapshot (texts included)
	compact := func() anythingllm.VectorStore {
		return flatvec.New(&flatvec.Options{Payloads: s.Documents().(anythingllm.VectorPayloadReader)})
	}
	load := func() (*Index, string) {
		lb := &logBuffer{}
		x := New(s, compact, &Options{Snapshot: path, Logger: slog.New(slog.NewTextHandler(lb, nil))})
		if _, err := x.Load(ctx); err != nil {
			t.Fatal(err)
		}
		return x, lb.String()
	}
	x, log := load()
	if !strings.Contains(log, fromSnapshot) {
		t.Fatalf("not loaded from the snapshot:\n%s", log)
	}
	ms, err := x.Query(ctx, "w", &anythingllm.VectorQuery{Vector: vec(3), TopK: 3, MinScore: -1})
	if err != nil || len(ms) != 3 || ms[0].Text != "chunk" || ms[0].Metadata["title"] != "a" {
		t.Fatalf("compact matches: %+v %v", ms, err)
	}
	b, _ := os.ReadFile(path)
	i := bytes.Index(b, []byte("chunk"))
	if i < 0 {
		t.Fatal("no text in the snapshot")
	}
	b[i] ^= 0x20
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, log := load(); strings.Contains(log, fromSnapshot) || !strings.Contains(log, "checksum mismatch") {
		t.Fatalf("a changed text was not caught:\n%s", log)
	}
}
