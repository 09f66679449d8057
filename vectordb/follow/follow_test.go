package follow

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/bunstore"
	"github.com/anythingllm-go/anythingllm/storage/bunstore/bunstoretest"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
	"github.com/anythingllm-go/anythingllm/vectordb/chromemvec"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
	"github.com/anythingllm-go/anythingllm/vectordb/memvec"
	"github.com/anythingllm-go/anythingllm/vectordb/vectortest"
)

var ctx = context.Background()

func newFlat() anythingllm.VectorStore { return flatvec.New(nil) }

// An Index is a VectorStore like any other, whatever it wraps.
func TestConformance(t *testing.T) {
	inners := map[string]func() anythingllm.VectorStore{
		"flatvec":    newFlat,
		"memvec":     func() anythingllm.VectorStore { return memvec.New() },
		"chromemvec": func() anythingllm.VectorStore { return chromemvec.New(nil) },
	}
	for name, mk := range inners {
		t.Run(name, func(t *testing.T) {
			vectortest.RunConformanceTests(t, func(t *testing.T) anythingllm.VectorStore {
				x := New(memstore.New(), mk, nil)
				if _, err := x.Load(ctx); err != nil {
					t.Fatal(err)
				}
				return x
			})
		})
	}
}

const dim = 8

func vec(seed int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32((seed*7+i*13)%17) - 8
	}
	v[seed%dim] += 20
	return v
}

func mkWorkspace(t testing.TB, s anythingllm.Store, slug string) *anythingllm.Workspace {
	t.Helper()
	now := time.Now().UTC()
	w := &anythingllm.Workspace{Name: slug, Slug: slug, CreatedAt: now, LastUpdatedAt: now}
	if err := s.Workspaces().Create(ctx, w); err != nil {
		t.Fatal(err)
	}
	return w
}

var seed int

// addDoc stores a document with n vectors, as any process's embed does.
func addDoc(t testing.TB, s anythingllm.Store, w *anythingllm.Workspace, docID string, n int) {
	t.Helper()
	now := time.Now().UTC()
	recs := make([]anythingllm.VectorRecord, n)
	for i := range recs {
		seed++
		recs[i] = anythingllm.VectorRecord{ID: fmt.Sprintf("%s-%d", docID, i), DocID: docID, Vector: vec(seed), Text: "chunk", Metadata: map[string]any{"title": docID}}
	}
	doc := &anythingllm.WorkspaceDocument{DocID: docID, Docpath: "f/" + docID + ".json", Filename: docID, WorkspaceID: w.ID, CreatedAt: now, LastUpdatedAt: now}
	if err := s.Documents().Add(ctx, doc, recs); err != nil {
		t.Fatal(err)
	}
}

// diff compares the index with what the store holds: every namespace's
// count and, per namespace, the IDs of every vector (a query for all of
// them). It returns "" when they agree.
func diff(x anythingllm.VectorStore, s anythingllm.Store) string {
	ref := memvec.New()
	if _, err := anythingllm.LoadStoredVectors(ctx, s.Documents(), ref); err != nil {
		return err.Error()
	}
	wantTotal, _ := ref.Total(ctx)
	if got, err := x.Total(ctx); err != nil || got != wantTotal {
		return fmt.Sprintf("total %d (%v), want %d", got, err, wantTotal)
	}
	ws, err := s.Workspaces().List(ctx)
	if err != nil {
		return err.Error()
	}
	for _, w := range ws {
		want, werr := ref.Count(ctx, w.Slug)
		got, gerr := x.Count(ctx, w.Slug)
		if want != got || (werr == nil) != (gerr == nil) {
			return fmt.Sprintf("%s: count %d (%v), want %d (%v)", w.Slug, got, gerr, want, werr)
		}
		if want == 0 {
			continue
		}
		q := &anythingllm.VectorQuery{Vector: vec(1), TopK: want + 1, MinScore: -2}
		wm, _ := ref.Query(ctx, w.Slug, q)
		gm, err := x.Query(ctx, w.Slug, q)
		if err != nil {
			return err.Error()
		}
		if !slices.Equal(sortedIDs(wm), sortedIDs(gm)) {
			return fmt.Sprintf("%s: ids %v, want %v", w.Slug, sortedIDs(gm), sortedIDs(wm))
		}
	}
	return ""
}

func sortedIDs(ms []anythingllm.VectorMatch) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	slices.Sort(out)
	return out
}

// eventually polls cond until it holds or within has passed.
func eventually(t *testing.T, within time.Duration, what string, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		msg := cond()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %s", what, within, msg)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// start loads x and runs it until the test ends (or stop is called).
func start(t *testing.T, x *Index) (stop func()) {
	t.Helper()
	if _, err := x.Load(ctx); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- x.Run(rctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// testTwoProcesses: a and b are two stores on one database (two
// processes); each has a following index, and a write through either
// store reaches the other's index within a second.
func testTwoProcesses(t *testing.T, a, b anythingllm.Store) {
	alpha := mkWorkspace(t, a, "alpha")
	addDoc(t, a, alpha, "d0", 3)
	xa, xb := New(a, newFlat, nil), New(b, newFlat, nil)
	start(t, xa)
	start(t, xb)
	if !xa.Ready() || !xb.Ready() {
		t.Fatal("not Ready after Load")
	}
	if d := diff(xb, b); d != "" {
		t.Fatalf("after Load: %s", d)
	}

	addDoc(t, a, alpha, "d1", 4)
	eventually(t, time.Second, "a document added in A reaches B's index", func() string {
		n, _ := xb.Count(ctx, "alpha")
		if n != 7 {
			return fmt.Sprintf("alpha has %d vectors, want 7", n)
		}
		ms, err := xb.Query(ctx, "alpha", &anythingllm.VectorQuery{Vector: vec(seed), TopK: 1})
		if err != nil || len(ms) == 0 || ms[0].DocID != "d1" || ms[0].Text != "chunk" || ms[0].Metadata["title"] != "d1" {
			return fmt.Sprintf("query for d1's last vector = %+v, %v", ms, err)
		}
		return ""
	})

	if err := b.Documents().Remove(ctx, "d0"); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, "a document removed in B leaves A's index", func() string {
		if n, _ := xa.Count(ctx, "alpha"); n != 4 {
			return fmt.Sprintf("alpha has %d vectors, want 4", n)
		}
		return ""
	})

	gamma := mkWorkspace(t, b, "gamma")
	addDoc(t, b, gamma, "g0", 2)
	eventually(t, time.Second, "a new workspace's document reaches A", func() string {
		if n, _ := xa.Count(ctx, "gamma"); n != 2 {
			return fmt.Sprintf("gamma has %d vectors, want 2", n)
		}
		return ""
	})
	if err := a.Workspaces().Delete(ctx, gamma.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, "a workspace deleted in A drops its namespace in B", func() string {
		if n, err := xb.Count(ctx, "gamma"); !errors.Is(err, anythingllm.ErrNotFound) {
			return fmt.Sprintf("gamma still counts %d (%v)", n, err)
		}
		return ""
	})
	eventually(t, time.Second, "both indexes agree with the database", func() string {
		if d := diff(xa, a); d != "" {
			return "A: " + d
		}
		if d := diff(xb, b); d != "" {
			return "B: " + d
		}
		if n, age := xb.Lag(); n != 0 || age != 0 {
			return fmt.Sprintf("B's lag = %d entries, %v", n, age)
		}
		return ""
	})
}

func sqlitePair(t *testing.T) (a, b *bunstore.Store, path string) {
	path = filepath.Join(t.TempDir(), bunstore.FileName)
	return bunstoretest.SQLiteAt(t, path), bunstoretest.SQLiteAt(t, path), path
}

func TestTwoProcessesSQLite(t *testing.T) {
	a, b, _ := sqlitePair(t)
	testTwoProcesses(t, a, b)
}

func TestTwoProcessesPostgres(t *testing.T) {
	dsn, opts := bunstoretest.PostgresSchema(t)
	testTwoProcesses(t, bunstoretest.PostgresAt(t, dsn, opts), bunstoretest.PostgresAt(t, dsn, opts))
}

func TestOneProcessMemstore(t *testing.T) {
	s := memstore.New()
	testTwoProcesses(t, s, s)
}

// testPrunedFollowerReloads: a follower that was away while the entries
// after its position were pruned reloads in full and ends up identical.
func testPrunedFollowerReloads(t *testing.T, a, b anythingllm.Store) {
	w := mkWorkspace(t, a, "w")
	addDoc(t, a, w, "d0", 2)
	xb := New(b, newFlat, nil)
	if _, err := xb.Load(ctx); err != nil {
		t.Fatal(err)
	}
	// B is not following; A writes and prunes everything.
	addDoc(t, a, w, "d1", 3)
	if err := a.Documents().Remove(ctx, "d0"); err != nil {
		t.Fatal(err)
	}
	w2 := mkWorkspace(t, a, "w2")
	addDoc(t, a, w2, "e0", 1)
	if _, err := a.(anythingllm.VectorChangeLog).PruneVectorChanges(ctx, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if d := diff(xb, b); d == "" {
		t.Fatal("the test is void: B agrees before catching up")
	}
	if err := xb.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if n := xb.reloads.Load(); n != 1 {
		t.Fatalf("reloads = %d, want 1", n)
	}
	if d := diff(xb, b); d != "" {
		t.Fatalf("after the reload: %s", d)
	}
	// It follows on from the reloaded position.
	addDoc(t, a, w2, "e1", 2)
	if err := xb.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if d := diff(xb, b); d != "" || xb.reloads.Load() != 1 {
		t.Fatalf("after following on: %s (reloads %d)", d, xb.reloads.Load())
	}
}

func TestPrunedFollowerReloadsSQLite(t *testing.T) {
	a, b, _ := sqlitePair(t)
	testPrunedFollowerReloads(t, a, b)
}

func TestPrunedFollowerReloadsPostgres(t *testing.T) {
	dsn, opts := bunstoretest.PostgresSchema(t)
	testPrunedFollowerReloads(t, bunstoretest.PostgresAt(t, dsn, opts), bunstoretest.PostgresAt(t, dsn, opts))
}

func TestPrunedFollowerReloadsMemstore(t *testing.T) {
	s := memstore.New()
	testPrunedFollowerReloads(t, s, s)
}

// Run prunes entries older than Retention.
func TestRunPrunes(t *testing.T) {
	s := memstore.New()
	w := mkWorkspace(t, s, "w")
	addDoc(t, s, w, "d0", 1)
	x := New(s, newFlat, &Options{Retention: time.Nanosecond})
	start(t, x)
	eventually(t, 2*time.Second, "Run prunes old entries", func() string {
		cs, _ := s.VectorChanges(ctx, 0, 0)
		if len(cs) != 0 {
			return fmt.Sprintf("%d entries left", len(cs))
		}
		return ""
	})
}

// A follower killed and started again (a new Index on a new store on the
// same file) catches up with what was written meanwhile.
func TestRestartedFollowerCatchesUp(t *testing.T) {
	a, b, path := sqlitePair(t)
	w := mkWorkspace(t, a, "w")
	addDoc(t, a, w, "d0", 2)
	xb := New(b, newFlat, nil)
	stop := start(t, xb)
	addDoc(t, a, w, "d1", 2)
	eventually(t, time.Second, "B follows", func() string { return diff(xb, b) })
	stop()
	_ = b.Close() // the process dies

	addDoc(t, a, w, "d2", 3)
	if err := a.Documents().Remove(ctx, "d0"); err != nil {
		t.Fatal(err)
	}
	b2 := bunstoretest.SQLiteAt(t, path)
	xb2 := New(b2, newFlat, nil)
	start(t, xb2)
	if d := diff(xb2, b2); d != "" {
		t.Fatalf("after restart: %s", d)
	}
	addDoc(t, a, w, "d3", 1)
	eventually(t, time.Second, "the restarted follower follows", func() string { return diff(xb2, b2) })
}

// App.LoadVectorIndex lets a VectorLoader load itself.
func TestAppLoadVectorIndexUsesLoad(t *testing.T) {
	s := memstore.New()
	w := mkWorkspace(t, s, "w")
	addDoc(t, s, w, "d0", 5)
	x := New(s, newFlat, nil)
	app, err := anythingllm.New(anythingllm.Deps{Store: s, Vectors: x}, &anythingllm.Options{LoadIndexAtStart: true})
	if err != nil {
		t.Fatal(err)
	}
	n, err := app.LoadVectorIndex(ctx)
	if err != nil || n != 5 {
		t.Fatalf("LoadVectorIndex = %d, %v", n, err)
	}
	if !x.Ready() || !app.IndexReady() {
		t.Fatal("the Index was not loaded through Load")
	}
	if d := diff(x, s); d != "" {
		t.Fatal(d)
	}
}

// Run may start before the first Load (serve starts both at once); it
// follows from the loaded position.
func TestRunWaitsForLoad(t *testing.T) {
	s := memstore.New()
	w := mkWorkspace(t, s, "w")
	addDoc(t, s, w, "d0", 2)
	x := New(s, newFlat, nil)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- x.Run(rctx) }()
	t.Cleanup(func() { cancel(); <-done })
	if x.Ready() {
		t.Fatal("Ready before Load")
	}
	if _, err := x.Load(ctx); err != nil {
		t.Fatal(err)
	}
	addDoc(t, s, w, "d1", 3)
	eventually(t, time.Second, "Run follows after Load", func() string { return diff(x, s) })
	if n, _ := x.Total(ctx); n != 5 {
		t.Fatalf("total %d, want 5", n)
	}
}

// When PostgreSQL drops the LISTEN connection, the watcher reconnects by
// itself: with the fallback poll an hour away, a change still arrives.
func TestListenReconnectsPostgres(t *testing.T) {
	dsn, opts := bunstoretest.PostgresSchema(t)
	a, b := bunstoretest.PostgresAt(t, dsn, opts), bunstoretest.PostgresAt(t, dsn, opts)
	w := mkWorkspace(t, a, "w")
	xb := New(b, newFlat, &Options{PollEvery: time.Hour})
	start(t, xb)
	addDoc(t, a, w, "d0", 1)
	eventually(t, 2*time.Second, "a change arrives by NOTIFY", func() string { return diff(xb, b) })

	// The schema's own channel (bunstore names it after the schema).
	h := fnv.New32a()
	_, _ = h.Write([]byte(opts.SearchPath))
	listen := fmt.Sprintf(`LISTEN "anythingllm_vector_changes_%08x"`, h.Sum32())
	var n int
	if err := a.DB().QueryRowContext(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query = ? AND pid <> pg_backend_pid()`, listen).Scan(&n); err != nil || n == 0 {
		t.Fatalf("terminating the LISTEN sessions: %d, %v", n, err)
	}
	// Keep writing until one arrives; each write is a NOTIFY the watcher
	// can only receive after reconnecting.
	deadline := time.Now().Add(10 * time.Second)
	for i := 1; ; i++ {
		addDoc(t, a, w, fmt.Sprint("r", i), 1)
		time.Sleep(200 * time.Millisecond)
		if diff(xb, b) == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no change arrived within 10 s of the LISTEN connection dropping: %s", diff(xb, b))
		}
	}
}
