package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// changeLog returns the store's VectorChangeLog or skips the test.
func changeLog(t *testing.T, s anythingllm.Store) anythingllm.VectorChangeLog {
	t.Helper()
	l, ok := s.(anythingllm.VectorChangeLog)
	if !ok {
		t.Skipf("%T does not implement anythingllm.VectorChangeLog", s)
	}
	return l
}

type change struct {
	op      anythingllm.VectorChangeOp
	ns, doc string
}

func changesOf(t *testing.T, l anythingllm.VectorChangeLog, after int64) []anythingllm.VectorChange {
	t.Helper()
	cs, err := l.VectorChanges(ctx, after, 0)
	must(t, err)
	return cs
}

func summary(cs []anythingllm.VectorChange) []change {
	out := make([]change, len(cs))
	for i, c := range cs {
		out[i] = change{c.Op, c.Namespace, c.DocID}
	}
	return out
}

// testChangeLogOrder: every write that changes the vectors appends one
// entry, in order, with increasing Seq; paging and bounds agree.
func testChangeLogOrder(t *testing.T, s anythingllm.Store) {
	l := changeLog(t, s)
	oldest, newest, err := l.VectorChangeBounds(ctx)
	must(t, err)
	if oldest != 1 || newest != 0 {
		t.Fatalf("bounds of an empty log = %d, %d, want 1, 0", oldest, newest)
	}
	start := time.Now().Add(-time.Second)
	a := mkWorkspace(t, s, "alpha")
	b := mkWorkspace(t, s, "beta")
	mkDoc(t, s, a.ID, "d1", "f/1.json", 2)
	mkDoc(t, s, b.ID, "d2", "f/2.json", 1)
	mkDoc(t, s, a.ID, "d3", "f/3.json", 0)
	must(t, s.Documents().Remove(ctx, "d1"))
	must(t, s.Workspaces().Delete(ctx, b.ID))
	// Writes that do not touch vectors append nothing.
	mkThread(t, s, a.ID, "th")
	must(t, s.Documents().SetPinned(ctx, a.ID, "f/3.json", true))
	u := mkUser(t, s, "u", anythingllm.RoleDefault)
	must(t, s.Users().Delete(ctx, u.ID))

	cs := changesOf(t, l, 0)
	want := []change{
		{anythingllm.VectorUpsert, "alpha", "d1"},
		{anythingllm.VectorUpsert, "beta", "d2"},
		{anythingllm.VectorUpsert, "alpha", "d3"},
		{anythingllm.VectorDeleteDoc, "alpha", "d1"},
		{anythingllm.VectorDropNamespace, "beta", ""},
	}
	if got := summary(cs); !slices.Equal(got, want) {
		t.Fatalf("log = %+v\nwant %+v", got, want)
	}
	for i, c := range cs {
		if i > 0 && c.Seq <= cs[i-1].Seq {
			t.Fatalf("seq %d after %d", c.Seq, cs[i-1].Seq)
		}
		if c.At.Before(start) || c.At.After(time.Now().Add(time.Second)) {
			t.Fatalf("entry %d At = %v, not the write's time", c.Seq, c.At)
		}
	}
	page := changesOf(t, l, cs[1].Seq)
	if len(page) != 3 || page[0].Seq != cs[2].Seq {
		t.Fatalf("VectorChanges after %d = %+v", cs[1].Seq, page)
	}
	page, err = l.VectorChanges(ctx, cs[0].Seq, 2)
	must(t, err)
	if len(page) != 2 || page[0].Seq != cs[1].Seq || page[1].Seq != cs[2].Seq {
		t.Fatalf("VectorChanges limit 2 = %+v", page)
	}
	if page := changesOf(t, l, cs[4].Seq); len(page) != 0 {
		t.Fatalf("VectorChanges after the newest = %+v", page)
	}
	oldest, newest, err = l.VectorChangeBounds(ctx)
	must(t, err)
	if oldest > cs[0].Seq || newest != cs[4].Seq {
		t.Fatalf("bounds = %d, %d; want oldest <= %d, newest %d", oldest, newest, cs[0].Seq, cs[4].Seq)
	}
}

// testChangeLogAtomic: an entry exists exactly when its write committed.
func testChangeLogAtomic(t *testing.T, s anythingllm.Store) {
	l := changeLog(t, s)
	w := mkWorkspace(t, s, "w")
	mkDoc(t, s, w.ID, "d1", "f/1.json", 1)
	_, before, err := l.VectorChangeBounds(ctx)
	must(t, err)

	dup := &anythingllm.WorkspaceDocument{DocID: "d2", Filename: "1.json", Docpath: "f/1.json", WorkspaceID: w.ID, CreatedAt: now(), LastUpdatedAt: now()}
	wantCode(t, s.Documents().Add(ctx, dup, []anythingllm.VectorRecord{{ID: "v", Vector: vec(8, 1), Text: "t"}}), anythingllm.ErrAlreadyExists, "docpath twice")
	wantCode(t, s.Documents().Remove(ctx, "missing"), anythingllm.ErrNotFound, "removing a missing document")
	wantCode(t, s.Workspaces().Delete(ctx, w.ID+1000), anythingllm.ErrNotFound, "deleting a missing workspace")
	err = s.InTx(ctx, func(tx anythingllm.Store) error {
		mkDoc(t, tx, w.ID, "d3", "f/3.json", 2)
		must(t, tx.Documents().Remove(ctx, "d1"))
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx = %v", err)
	}
	if cs := changesOf(t, l, before); len(cs) != 0 {
		t.Fatalf("failed writes left log entries: %+v", summary(cs))
	}
	if _, newest, _ := l.VectorChangeBounds(ctx); newest != before {
		t.Fatalf("newest moved from %d to %d without a commit", before, newest)
	}

	must(t, s.InTx(ctx, func(tx anythingllm.Store) error {
		mkDoc(t, tx, w.ID, "d3", "f/3.json", 2)
		return tx.Documents().Remove(ctx, "d1")
	}))
	want := []change{{anythingllm.VectorUpsert, "w", "d3"}, {anythingllm.VectorDeleteDoc, "w", "d1"}}
	if got := summary(changesOf(t, l, before)); !slices.Equal(got, want) {
		t.Fatalf("committed InTx logged %+v, want %+v", got, want)
	}
}

// testChangeLogPrune: pruning removes old entries, and the bounds tell a
// reader behind them that it fell behind.
func testChangeLogPrune(t *testing.T, s anythingllm.Store) {
	l := changeLog(t, s)
	w := mkWorkspace(t, s, "w")
	mkDoc(t, s, w.ID, "d1", "f/1.json", 1)
	mkDoc(t, s, w.ID, "d2", "f/2.json", 1)
	time.Sleep(5 * time.Millisecond) // so the next entries are written later
	mkDoc(t, s, w.ID, "d3", "f/3.json", 1)
	cs := changesOf(t, l, 0)
	if len(cs) != 3 {
		t.Fatalf("log = %+v", summary(cs))
	}
	n, err := l.PruneVectorChanges(ctx, cs[0].At.Add(-time.Hour))
	must(t, err)
	if n != 0 || len(changesOf(t, l, 0)) != 3 {
		t.Fatalf("pruning before every entry removed %d", n)
	}
	n, err = l.PruneVectorChanges(ctx, cs[2].At)
	must(t, err)
	if n != 2 {
		t.Fatalf("pruned %d entries, want the 2 older ones", n)
	}
	if got := changesOf(t, l, 0); len(got) != 1 || got[0].Seq != cs[2].Seq {
		t.Fatalf("after prune: %+v", got)
	}
	oldest, newest, err := l.VectorChangeBounds(ctx)
	must(t, err)
	if oldest != cs[1].Seq+1 || newest != cs[2].Seq {
		t.Fatalf("bounds = %d, %d; want %d, %d", oldest, newest, cs[1].Seq+1, cs[2].Seq)
	}
	if !(oldest > cs[0].Seq+1) {
		t.Fatal("a reader at the first entry is not told it fell behind")
	}
	if !(oldest <= cs[1].Seq+1) {
		t.Fatal("a reader at the last pruned entry is told it fell behind")
	}
	// Pruning everything keeps newest, and new entries follow it.
	_, err = l.PruneVectorChanges(ctx, time.Now().Add(time.Hour))
	must(t, err)
	oldest, newest, err = l.VectorChangeBounds(ctx)
	must(t, err)
	if oldest != cs[2].Seq+1 || newest != cs[2].Seq {
		t.Fatalf("bounds of a pruned-empty log = %d, %d; want %d, %d", oldest, newest, cs[2].Seq+1, cs[2].Seq)
	}
	must(t, s.Documents().Remove(ctx, "d2"))
	got := changesOf(t, l, newest)
	if len(got) != 1 || got[0].Seq <= newest || got[0].Op != anythingllm.VectorDeleteDoc {
		t.Fatalf("entry after pruning everything: %+v", got)
	}
}

// testChangeLogWatch: a watcher is woken after a commit, and its channel
// is closed when its context ends.
func testChangeLogWatch(t *testing.T, s anythingllm.Store) {
	l := changeLog(t, s)
	w := mkWorkspace(t, s, "w")
	wctx, cancel := contextWithCancel()
	ch := l.WatchVectorChanges(wctx)
	// The watcher may need a moment to start (LISTEN, first poll); keep
	// writing until it wakes, within a deadline.
	deadline := time.After(10 * time.Second)
	for i := 0; ; i++ {
		mkDoc(t, s, w.ID, fmt.Sprintf("d%d", i), fmt.Sprintf("f/%d.json", i), 1)
		select {
		case <-ch:
			cancel()
			for range ch { // drained and closed
			}
			return
		case <-time.After(250 * time.Millisecond):
		case <-deadline:
			cancel()
			t.Fatal("no wake-up within 10 s of committed changes")
		}
	}
}

func contextWithCancel() (context.Context, context.CancelFunc) { return context.WithCancel(ctx) }

// testLocker: within one store, a held name cannot be taken again until
// it is unlocked; other names are independent.
func testLocker(t *testing.T, s anythingllm.Store) {
	l, ok := s.(anythingllm.Locker)
	if !ok {
		t.Skipf("%T does not implement anythingllm.Locker", s)
	}
	unlock, ok, err := l.TryLock(ctx, "job:a")
	must(t, err)
	if !ok {
		t.Fatal("first TryLock failed")
	}
	if _, ok, err := l.TryLock(ctx, "job:a"); err != nil || ok {
		t.Fatalf("second TryLock of a held name = %v, %v; want false", ok, err)
	}
	unlockB, ok, err := l.TryLock(ctx, "job:b")
	must(t, err)
	if !ok {
		t.Fatal("another name is blocked")
	}
	must(t, unlock())
	unlock2, ok, err := l.TryLock(ctx, "job:a")
	must(t, err)
	if !ok {
		t.Fatal("TryLock after unlock failed")
	}
	must(t, unlock2())
	must(t, unlockB())
}
