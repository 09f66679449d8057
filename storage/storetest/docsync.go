package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// testDocumentSync checks the live-sync tables (anythingllm.DocumentSyncer):
// one queue per workspace document, stale selection, runs newest first,
// the watched flag across workspaces, vectors replaced in place with the
// change log following, and the cascades.
func testDocumentSync(t *testing.T, s anythingllm.Store) {
	syncer, ok := s.(anythingllm.DocumentSyncer)
	if !ok {
		t.Skipf("%T does not implement anythingllm.DocumentSyncer", s)
	}
	ss := syncer.DocumentSync()
	w1, w2 := mkWorkspace(t, s, "sync-a"), mkWorkspace(t, s, "sync-b")
	d1 := mkDoc(t, s, w1.ID, "sync-doc-1", "f/page.json", 2)
	d2 := mkDoc(t, s, w2.ID, "sync-doc-2", "f/page.json", 2)
	other := mkDoc(t, s, w1.ID, "sync-doc-3", "f/other.json", 1)

	base := now()
	q := &anythingllm.DocumentSyncQueue{StaleAfterMs: 3600000, NextSyncAt: base.Add(time.Hour), CreatedAt: base, LastSyncedAt: base, WorkspaceDocID: d1.ID}
	must(t, ss.CreateQueue(ctx, q))
	if q.ID == 0 {
		t.Fatal("CreateQueue left ID 0")
	}
	dup := *q
	wantCode(t, ss.CreateQueue(ctx, &dup), anythingllm.ErrAlreadyExists, "second queue for one workspace document")
	q3 := &anythingllm.DocumentSyncQueue{StaleAfterMs: 3600000, NextSyncAt: base.Add(-time.Minute), CreatedAt: base.Add(time.Second), LastSyncedAt: base, WorkspaceDocID: other.ID}
	must(t, ss.CreateQueue(ctx, q3))

	got, err := ss.QueueByWorkspaceDoc(ctx, d1.ID)
	must(t, err)
	if got.ID != q.ID || !got.NextSyncAt.Equal(q.NextSyncAt) || got.StaleAfterMs != 3600000 {
		t.Fatalf("QueueByWorkspaceDoc = %+v, want %+v", got, q)
	}
	_, err = ss.QueueByWorkspaceDoc(ctx, d2.ID)
	wantCode(t, err, anythingllm.ErrNotFound, "queue of an unqueued document")

	all, err := ss.ListQueues(ctx)
	must(t, err)
	if len(all) != 2 || all[0].ID != q.ID || all[1].ID != q3.ID {
		t.Fatalf("ListQueues = %+v, want [q, q3] by createdAt", all)
	}
	stale, err := ss.StaleQueues(ctx, base)
	must(t, err)
	if len(stale) != 1 || stale[0].ID != q3.ID {
		t.Fatalf("StaleQueues(now) = %+v, want only q3", stale)
	}
	stale, err = ss.StaleQueues(ctx, base.Add(2*time.Hour))
	must(t, err)
	if len(stale) != 2 || stale[0].ID != q3.ID {
		t.Fatalf("StaleQueues(+2h) = %+v, want q3 then q", stale)
	}
	q.NextSyncAt, q.LastSyncedAt = base.Add(48*time.Hour), base.Add(time.Minute)
	must(t, ss.UpdateQueue(ctx, q))
	got, err = ss.GetQueue(ctx, q.ID)
	must(t, err)
	if !got.NextSyncAt.Equal(q.NextSyncAt) || !got.LastSyncedAt.Equal(q.LastSyncedAt) {
		t.Fatalf("after UpdateQueue: %+v", got)
	}

	// Runs: newest first, limited; bad status refused.
	for i, st := range []anythingllm.SyncRunStatus{anythingllm.SyncRunFailed, anythingllm.SyncRunExited, anythingllm.SyncRunSuccess} {
		must(t, ss.AddRun(ctx, &anythingllm.DocumentSyncRun{QueueID: q.ID, Status: st, Result: `{"n":` + string(rune('0'+i)) + `}`, CreatedAt: base.Add(time.Duration(i) * time.Second)}))
	}
	if err := ss.AddRun(ctx, &anythingllm.DocumentSyncRun{QueueID: q.ID, Status: "bogus", CreatedAt: base}); !errors.Is(err, anythingllm.ErrInvalidArgument) && anythingllm.Code(err) != anythingllm.InvalidArgument {
		t.Fatalf("AddRun(bogus) = %v, want InvalidArgument", err)
	}
	runs, err := ss.ListRuns(ctx, q.ID, 2)
	must(t, err)
	if len(runs) != 2 || runs[0].Status != anythingllm.SyncRunSuccess || runs[1].Status != anythingllm.SyncRunExited || runs[0].Result != `{"n":2}` {
		t.Fatalf("ListRuns(2) = %+v, want success, exited", runs)
	}

	// Watched goes on every workspace's copy of the docpath, not others.
	n, err := ss.SetWatched(ctx, "f/page.json", true)
	must(t, err)
	if n != 2 {
		t.Fatalf("SetWatched changed %d rows, want 2", n)
	}
	for _, ws := range []int64{w1.ID, w2.ID} {
		wd, err := s.Documents().Get(ctx, ws, "f/page.json")
		must(t, err)
		if !wd.Watched {
			t.Fatalf("workspace %d copy not watched", ws)
		}
	}
	if wd, _ := ss.WorkspaceDocument(ctx, other.ID); wd == nil || wd.Watched {
		t.Fatalf("other document watched: %+v", wd)
	}

	// ReplaceVectors keeps the row (and its queue) and logs delete + upsert.
	var after int64
	log, hasLog := s.(anythingllm.VectorChangeLog)
	if hasLog {
		cs, err := log.VectorChanges(ctx, 0, 0)
		must(t, err)
		if len(cs) > 0 {
			after = cs[len(cs)-1].Seq
		}
	}
	nv := []anythingllm.VectorRecord{{ID: "new-v0", Vector: vec(8, 9), Text: "new text", Metadata: map[string]any{"title": "new"}}}
	must(t, ss.ReplaceVectors(ctx, d1.DocID, `{"title":"new"}`, nv))
	recs, err := s.Documents().VectorsByDoc(ctx, d1.DocID)
	must(t, err)
	if len(recs) != 1 || recs[0].Text != "new text" || recs[0].ID != "new-v0" {
		t.Fatalf("VectorsByDoc after ReplaceVectors = %+v", recs)
	}
	if n, _ := s.Documents().CountVectors(ctx, w2.ID); n != 2 {
		t.Fatalf("the other workspace's copy has %d vectors, want its 2 untouched", n)
	}
	wd, err := ss.WorkspaceDocument(ctx, d1.ID)
	must(t, err)
	if wd.Metadata != `{"title":"new"}` || wd.DocID != d1.DocID {
		t.Fatalf("row after ReplaceVectors = %+v", wd)
	}
	if _, err := ss.QueueByWorkspaceDoc(ctx, d1.ID); err != nil {
		t.Fatalf("queue gone after ReplaceVectors: %v", err)
	}
	if hasLog {
		cs, err := log.VectorChanges(ctx, after, 0)
		must(t, err)
		if len(cs) != 2 || cs[0].Op != anythingllm.VectorDeleteDoc || cs[1].Op != anythingllm.VectorUpsert || cs[1].DocID != d1.DocID || cs[1].Namespace != "sync-a" {
			t.Fatalf("change log after ReplaceVectors = %+v, want delete-doc then upsert of %s in sync-a", cs, d1.DocID)
		}
	}
	wantCode(t, ss.ReplaceVectors(ctx, "no-such-doc", "{}", nil), anythingllm.ErrNotFound, "ReplaceVectors of a missing document")

	// Cascades: the document takes its queue and the queue its runs.
	must(t, s.Documents().Remove(ctx, d1.DocID))
	_, err = ss.GetQueue(ctx, q.ID)
	wantCode(t, err, anythingllm.ErrNotFound, "queue after its document was removed")
	runs, err = ss.ListRuns(ctx, q.ID, 0)
	must(t, err)
	if len(runs) != 0 {
		t.Fatalf("runs survive their queue: %+v", runs)
	}
	must(t, ss.DeleteQueue(ctx, q3.ID))
	wantCode(t, ss.DeleteQueue(ctx, q3.ID), anythingllm.ErrNotFound, "deleting a deleted queue")
	wantCode(t, ss.CreateQueue(ctx, &anythingllm.DocumentSyncQueue{NextSyncAt: base, CreatedAt: base, LastSyncedAt: base, WorkspaceDocID: 987654}), anythingllm.ErrNotFound, "queue for a missing document")
}
