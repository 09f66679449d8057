package jobs_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/connectors/all"
	"github.com/anythingllm-go/anythingllm/connectors/web/webfake"
	"github.com/anythingllm-go/anythingllm/jobs"
	"github.com/anythingllm-go/anythingllm/providers/native"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
)

var ctx = context.Background()

// fakeClock is the App's clock, moved by the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// countingEmbedder counts embedder calls.
type countingEmbedder struct {
	anythingllm.Embedder
	calls atomic.Int64
}

func (e *countingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	e.calls.Add(1)
	return e.Embedder.Embed(ctx, texts)
}

type fixture struct {
	app     *anythingllm.App
	clock   *fakeClock
	emb     *countingEmbedder
	site    *webfake.Server
	uploads *blobstore.Memory
	docpath string
}

// newFixture embeds a web page into workspace "w" and watches it.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{clock: &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}, emb: &countingEmbedder{Embedder: native.New()},
		site: webfake.New(), uploads: blobstore.NewMemory()}
	t.Cleanup(f.site.Close)
	f.site.SetPage("/page", "<html><body><p>Original zebra text.</p></body></html>")
	app, err := anythingllm.New(anythingllm.Deps{Store: memstore.New(), Blobs: blobstore.NewMemory(), Vectors: flatvec.New(nil), Embedder: f.emb,
		FileRoots: map[string]anythingllm.BlobStore{anythingllm.RootDirectUploads: f.uploads}},
		&anythingllm.Options{Now: f.clock.Now, LinkAllowedHosts: []string{"127.0.0.1"}, Connectors: all.New(nil),
			Env: func(k string) string {
				if k == "DOCUMENT_SYNC_STALE_AFTER_MS" {
					return "3600000"
				}
				return ""
			}})
	if err != nil {
		t.Fatal(err)
	}
	f.app = app
	if _, err := app.CreateWorkspace(ctx, &anythingllm.WorkspaceSettings{Name: new("w")}); err != nil {
		t.Fatal(err)
	}
	docs, err := app.UploadLink(ctx, &anythingllm.UploadLinkRequest{Link: f.site.URL + "/page", AddToWorkspaces: []string{"w"}})
	if err != nil {
		t.Fatal(err)
	}
	f.docpath = docs[0].Location
	if _, err := app.SetLiveSync(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := app.UpdateWatchStatus(ctx, "w", f.docpath, true); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) queue(t *testing.T) *anythingllm.DocumentSyncQueue {
	t.Helper()
	ss, _ := f.app.SyncStore()
	qs, err := ss.ListQueues(ctx)
	if err != nil || len(qs) > 1 {
		t.Fatalf("queues: %+v %v", qs, err)
	}
	if len(qs) == 0 {
		return nil
	}
	return &qs[0]
}

func TestStaleAfterAsUpstreamPins(t *testing.T) {
	day := 24 * time.Hour
	for in, want := range map[string]time.Duration{
		"": 7 * day, "86400000": day, "60000": time.Hour, "not a number": 7 * day, "0": 7 * day, "-5000": 7 * day, "3600000": time.Hour, "7200000.5": 2 * time.Hour,
	} {
		if got := anythingllm.StaleAfter(in); got != want {
			t.Errorf("StaleAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestWatchQueuesWithTheConfiguredStaleAfter(t *testing.T) {
	f := newFixture(t)
	q := f.queue(t)
	if q == nil || q.StaleAfterMs != 3600000 || !q.NextSyncAt.Equal(f.clock.Now().Add(time.Hour)) {
		t.Fatalf("queue = %+v", q)
	}
	// Unwatch removes the queue and the mark.
	if err := f.app.UpdateWatchStatus(ctx, "w", f.docpath, false); err != nil {
		t.Fatal(err)
	}
	if q := f.queue(t); q != nil {
		t.Fatalf("queue after unwatch: %+v", q)
	}
}

func TestUnchangedDocumentCostsNoEmbedderCall(t *testing.T) {
	f := newFixture(t)
	before := f.emb.calls.Load()
	f.clock.Add(2 * time.Hour) // stale now
	sum, err := jobs.SyncWatchedDocuments(ctx, f.app, nil)
	if err != nil || sum.Total != 1 || sum.Unchanged != 1 {
		t.Fatalf("sum = %+v, %v", sum, err)
	}
	if n := f.emb.calls.Load() - before; n != 0 {
		t.Fatalf("an unchanged document cost %d embedder calls", n)
	}
	q := f.queue(t)
	if !q.NextSyncAt.Equal(f.clock.Now().Add(time.Hour)) || !q.LastSyncedAt.Equal(f.clock.Now()) {
		t.Fatalf("queue not moved on: %+v (now %v)", q, f.clock.Now())
	}
	ss, _ := f.app.SyncStore()
	runs, _ := ss.ListRuns(ctx, q.ID, 0)
	if len(runs) != 1 || runs[0].Status != anythingllm.SyncRunExited || !strings.Contains(runs[0].Result, `"reason":"Content unchanged."`) {
		t.Fatalf("runs = %+v", runs)
	}
}

func TestFailingSourceRetriesThenUnwatchesAndNeverDeletes(t *testing.T) {
	f := newFixture(t)
	f.site.RemovePage("/page") // the source now answers 404
	f.clock.Add(2 * time.Hour)
	stuck := f.queue(t).NextSyncAt
	for i := 1; i <= anythingllm.MaxSyncFailures; i++ {
		sum, err := jobs.SyncWatchedDocuments(ctx, f.app, nil)
		if err != nil || sum.Failed != 1 {
			t.Fatalf("run %d: %+v, %v", i, sum, err)
		}
		if q := f.queue(t); q == nil || !q.NextSyncAt.Equal(stuck) {
			t.Fatalf("run %d: nextSyncAt moved on failure: %+v", i, q)
		}
		f.clock.Add(time.Hour)
	}
	sum, err := jobs.SyncWatchedDocuments(ctx, f.app, nil)
	if err != nil || sum.Unwatched != 1 {
		t.Fatalf("6th failing run: %+v, %v", sum, err)
	}
	if q := f.queue(t); q != nil {
		t.Fatalf("queue survives repeated failures: %+v", q)
	}
	doc, err := f.app.LoadDocument(ctx, f.docpath)
	if err != nil || !strings.Contains(doc.PageContent, "Original zebra") {
		t.Fatalf("the document was touched: %v %+v", err, doc)
	}
	if n, _ := f.app.Store().Documents().CountVectors(ctx, 0); n == 0 {
		t.Fatal("the document's vectors were removed")
	}
	ws, _ := f.app.Store().Workspaces().GetBySlug(ctx, "w")
	wd, _ := f.app.Store().Documents().Get(ctx, ws.ID, f.docpath)
	if wd.Watched {
		t.Fatal("still marked watched")
	}
}

func TestSyncDryRunChangesNothing(t *testing.T) {
	f := newFixture(t)
	f.site.SetPage("/page", "<html><body><p>Changed giraffe text.</p></body></html>")
	before := f.emb.calls.Load()
	var progress []int
	sum, err := jobs.SyncWatchedDocuments(ctx, f.app, &jobs.SyncOptions{DryRun: true, Force: true, Progress: func(done, total int, _ jobs.SyncItem) { progress = append(progress, done, total) }})
	if err != nil || sum.Reembedded != 1 || sum.Items[0].Docpath != f.docpath || sum.Items[0].Action != jobs.SyncReembedded {
		t.Fatalf("dry run: %+v, %v", sum, err)
	}
	if len(progress) != 2 || progress[0] != 1 || progress[1] != 1 {
		t.Fatalf("progress = %v", progress)
	}
	if !strings.Contains(sum.String(), "(dry run)") {
		t.Fatalf("summary = %q", sum)
	}
	doc, _ := f.app.LoadDocument(ctx, f.docpath)
	if !strings.Contains(doc.PageContent, "Original zebra") || f.emb.calls.Load() != before {
		t.Fatal("the dry run changed the document or embedded")
	}
	ss, _ := f.app.SyncStore()
	if runs, _ := ss.ListRuns(ctx, f.queue(t).ID, 0); len(runs) != 0 {
		t.Fatalf("the dry run saved runs: %+v", runs)
	}
	// The real run re-embeds: one embedder call for the new text.
	sum, err = jobs.SyncWatchedDocuments(ctx, f.app, &jobs.SyncOptions{Force: true, MaxDocuments: 1})
	if err != nil || sum.Reembedded != 1 || f.emb.calls.Load() != before+1 {
		t.Fatalf("real run: %+v, %v, %d calls", sum, err, f.emb.calls.Load()-before)
	}
}

func TestSyncDisabledDoesNothing(t *testing.T) {
	f := newFixture(t)
	if _, err := f.app.SetLiveSync(ctx, false); err != nil {
		t.Fatal(err)
	}
	sum, err := jobs.SyncWatchedDocuments(ctx, f.app, &jobs.SyncOptions{Force: true})
	if err != nil || !sum.Disabled || sum.Total != 0 {
		t.Fatalf("%+v, %v", sum, err)
	}
}

func TestCleanupDryRunDeletesNothingAndLibraryIsNeverTouched(t *testing.T) {
	f := newFixture(t)
	put := func(key, body string) {
		if err := f.uploads.Put(ctx, key, bytes.NewReader([]byte(body))); err != nil {
			t.Fatal(err)
		}
	}
	put("orphan-1.txt", "12345")
	put("orphan-2.txt", "123")
	put("dir/inner.txt", "1234567")
	// A file a workspace document still names is kept.
	kept := f.docpath[strings.Index(f.docpath, "/")+1:]
	put(kept, "referenced")

	sum, err := jobs.CleanupOrphanDocuments(ctx, f.app, &jobs.CleanupOptions{DryRun: true})
	if err != nil || sum.Orphans != 3 || sum.Deleted != 0 || sum.Bytes != 15 || sum.Scanned != 4 {
		t.Fatalf("dry run: %+v, %v", sum, err)
	}
	if _, err := f.uploads.Stat(ctx, "orphan-1.txt"); err != nil {
		t.Fatal("the dry run deleted a file")
	}
	var ticks int
	sum, err = jobs.CleanupOrphanDocuments(ctx, f.app, &jobs.CleanupOptions{BatchSize: 2, Progress: func(done, total int, _ jobs.OrphanEntry) { ticks++ }})
	if err != nil || sum.Deleted != 3 || sum.BytesFreed != 15 || ticks != 3 {
		t.Fatalf("cleanup: %+v, %v (%d ticks)", sum, err, ticks)
	}
	for _, k := range []string{"orphan-1.txt", "orphan-2.txt", "dir"} {
		if _, err := f.uploads.Stat(ctx, k); anythingllm.Code(err) != anythingllm.NotFound {
			t.Errorf("%s survives: %v", k, err)
		}
	}
	if _, err := f.uploads.Stat(ctx, kept); err != nil {
		t.Errorf("a referenced upload was deleted: %v", err)
	}
	if _, err := f.app.LoadDocument(ctx, f.docpath); err != nil {
		t.Errorf("the library document is gone: %v", err)
	}
}

func TestChangedDocumentIsReembeddedInEveryWorkspaceWithOneEmbedCall(t *testing.T) {
	f := newFixture(t)
	if _, err := f.app.CreateWorkspace(ctx, &anythingllm.WorkspaceSettings{Name: new("w2")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.UpdateEmbeddings(ctx, "w2", []string{f.docpath}, nil); err != nil {
		t.Fatal(err)
	}
	f.site.SetPage("/page", "<html><body><p>Fresh flamingo text.</p></body></html>")
	f.clock.Add(3 * time.Hour)
	before := f.emb.calls.Load()
	sum, err := jobs.SyncWatchedDocuments(ctx, f.app, nil)
	if err != nil || sum.Reembedded != 1 || strings.Join(sum.Items[0].WorkspacesModified, ",") != "w,w2" {
		t.Fatalf("sync: %+v %+v, %v", sum, sum.Items, err)
	}
	if n := f.emb.calls.Load() - before; n != 1 {
		t.Fatalf("re-embedding in two workspaces cost %d embedder calls, want 1", n)
	}
	doc, _ := f.app.LoadDocument(ctx, f.docpath)
	for _, slug := range []string{"w", "w2"} {
		ws, _ := f.app.Store().Workspaces().GetBySlug(ctx, slug)
		wd, err := f.app.Store().Documents().Get(ctx, ws.ID, f.docpath)
		if err != nil {
			t.Fatal(err)
		}
		recs, _ := f.app.Store().Documents().VectorsByDoc(ctx, wd.DocID)
		if len(recs) == 0 {
			t.Fatalf("%s has no vectors", slug)
		}
		for _, r := range recs {
			if strings.Contains(r.Text, "Original zebra") || !strings.Contains(r.Text, "Fresh flamingo") || r.Metadata["published"] != doc.Published {
				t.Fatalf("%s vector after the sync: %q published %v (file %q)", slug, r.Text, r.Metadata["published"], doc.Published)
			}
		}
		res, err := f.app.VectorSearch(ctx, slug, &anythingllm.VectorSearchRequest{Query: "flamingo"})
		if err != nil || len(res) == 0 || !strings.Contains(res[0].Text, "Fresh flamingo") {
			t.Fatalf("%s search: %+v, %v", slug, res, err)
		}
	}
	ss, _ := f.app.SyncStore()
	runs, _ := ss.ListRuns(ctx, f.queue(t).ID, 1)
	if len(runs) != 1 || runs[0].Status != anythingllm.SyncRunSuccess || !strings.Contains(runs[0].Result, `"workspacesModified":["w","w2"]`) {
		t.Fatalf("run = %+v", runs)
	}
}
