package anythingllm

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Live document sync (upstream's "experimental_live_file_sync"): a
// document imported from a remote source (a web link, a YouTube video, a
// Confluence page, a repository file, a DrupalWiki page) can be watched;
// the sync job (package jobs) fetches it again when its queue is stale and
// re-embeds it everywhere when its text changed.

// LiveSyncFeatureKey is the system setting of the feature flag; its value
// is "enabled" or "disabled".
const LiveSyncFeatureKey = "experimental_live_file_sync"

// Live sync constants, as upstream's DocumentSyncQueue.
const (
	// DefaultStaleAfter is how long a watched document stays fresh.
	DefaultStaleAfter = 7 * 24 * time.Hour
	// MinStaleAfter is the least DOCUMENT_SYNC_STALE_AFTER_MS may ask for.
	MinStaleAfter = time.Hour
	// MaxSyncFailures is how many failed runs in a row a watch survives:
	// the next failure unwatches the document.
	MaxSyncFailures = 5
)

// WatchableSchemes are the chunkSource schemes live sync can fetch again
// (upstream's validFileTypes).
var WatchableSchemes = []string{"link", "youtube", "confluence", "github", "gitlab", "gitea", "drupalwiki"}

// StaleAfter reads DOCUMENT_SYNC_STALE_AFTER_MS as upstream's
// defaultStaleAfter: unset, not a number, or <= 0 gives 7 days; anything
// else is raised to at least one hour.
func StaleAfter(envValue string) time.Duration {
	v := strings.TrimSpace(envValue)
	if v == "" {
		return DefaultStaleAfter
	}
	ms, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(ms) || math.IsInf(ms, 0) || ms <= 0 {
		return DefaultStaleAfter
	}
	if ms > float64(math.MaxInt64/int64(time.Millisecond)) {
		return time.Duration(math.MaxInt64)
	}
	d := time.Duration(ms) * time.Millisecond
	return max(d, MinStaleAfter)
}

// ChunkSourceScheme is the text of a chunkSource before "://", or "".
func ChunkSourceScheme(chunkSource string) string {
	scheme, _, ok := strings.Cut(chunkSource, "://")
	if !ok {
		return ""
	}
	return scheme
}

// CanWatch is upstream's canWatch: link:// documents whose title ends in
// ".html" (a scraped page), and every youtube, confluence, github, gitlab,
// gitea and drupalwiki document.
func CanWatch(title, chunkSource string) bool {
	switch ChunkSourceScheme(chunkSource) {
	case "link":
		return strings.HasSuffix(title, ".html")
	case "youtube", "confluence", "github", "gitlab", "gitea", "drupalwiki":
		return true
	}
	return false
}

// DocumentSyncQueue is a document_sync_queues row: one watched document
// (owned by one workspace_documents row) and when to fetch it again.
type DocumentSyncQueue struct {
	ID             int64     `json:"id"`
	StaleAfterMs   int64     `json:"staleAfterMs"`
	NextSyncAt     time.Time `json:"nextSyncAt"`
	CreatedAt      time.Time `json:"createdAt"`
	LastSyncedAt   time.Time `json:"lastSyncedAt"`
	WorkspaceDocID int64     `json:"workspaceDocId"`
}

// SyncRunStatus is the status of one sync run.
type SyncRunStatus string

// The run statuses upstream allows.
const (
	SyncRunUnknown SyncRunStatus = "unknown"
	SyncRunExited  SyncRunStatus = "exited"  // content unchanged
	SyncRunFailed  SyncRunStatus = "failed"  // the source gave no content
	SyncRunSuccess SyncRunStatus = "success" // re-embedded
)

// Valid reports whether s is one of the four statuses.
func (s SyncRunStatus) Valid() bool {
	return s == SyncRunUnknown || s == SyncRunExited || s == SyncRunFailed || s == SyncRunSuccess
}

// DocumentSyncRun is a document_sync_executions row. Result is JSON text:
// {filename, workspacesModified, reason?}.
type DocumentSyncRun struct {
	ID        int64         `json:"id"`
	QueueID   int64         `json:"queueId"`
	Status    SyncRunStatus `json:"status"`
	Result    string        `json:"result"`
	CreatedAt time.Time     `json:"createdAt"`
}

// DocumentSyncStore keeps the live-sync tables. A queue goes with its
// workspace document (and runs with their queue) when that is deleted.
type DocumentSyncStore interface {
	// CreateQueue inserts a queue; a second queue for the same workspace
	// document is ErrAlreadyExists, a missing document ErrNotFound.
	CreateQueue(ctx context.Context, q *DocumentSyncQueue) error
	GetQueue(ctx context.Context, id int64) (*DocumentSyncQueue, error)
	// QueueByWorkspaceDoc finds the queue a workspace document owns.
	QueueByWorkspaceDoc(ctx context.Context, workspaceDocID int64) (*DocumentSyncQueue, error)
	// ListQueues lists every queue by createdAt, then id.
	ListQueues(ctx context.Context) ([]DocumentSyncQueue, error)
	// StaleQueues lists the queues with NextSyncAt <= now, by NextSyncAt.
	StaleQueues(ctx context.Context, now time.Time) ([]DocumentSyncQueue, error)
	// UpdateQueue saves LastSyncedAt, NextSyncAt and StaleAfterMs.
	UpdateQueue(ctx context.Context, q *DocumentSyncQueue) error
	DeleteQueue(ctx context.Context, id int64) error
	// WorkspaceDocument reads a workspace_documents row by id.
	WorkspaceDocument(ctx context.Context, id int64) (*WorkspaceDocument, error)
	// SetWatched sets watched on every workspace's link to docpath and
	// returns how many rows it changed.
	SetWatched(ctx context.Context, docpath string, watched bool) (int, error)
	// AddRun saves a run; a status outside the four is ErrInvalidArgument.
	AddRun(ctx context.Context, r *DocumentSyncRun) error
	// ListRuns lists a queue's newest runs first, at most limit (0: all).
	ListRuns(ctx context.Context, queueID int64, limit int) ([]DocumentSyncRun, error)
	// ReplaceVectors swaps a workspace document's vectors for new ones and
	// its metadata, keeping its row (and so its queue), in one
	// transaction that appends a delete-doc and an upsert to the vector
	// change log, so every process's index follows.
	ReplaceVectors(ctx context.Context, docID, metadata string, vectors []VectorRecord) error
}

// DocumentSyncer is the optional Store capability behind live sync.
// bunstore and memstore implement it.
type DocumentSyncer interface {
	DocumentSync() DocumentSyncStore
}

// SyncStore returns the live-sync tables, or Unimplemented when the store
// has none.
func (a *App) SyncStore() (DocumentSyncStore, error) {
	if s, ok := a.deps.Store.(DocumentSyncer); ok {
		return s.DocumentSync(), nil
	}
	return nil, Errorf(Unimplemented, "this store does not support live document sync")
}

// LiveSyncEnabled reports the feature flag.
func (a *App) LiveSyncEnabled(ctx context.Context) (bool, error) {
	v, err := a.deps.Store.Settings().Get(ctx, LiveSyncFeatureKey)
	if Code(err) == NotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return v == "enabled", nil
}

// SetLiveSync turns the feature flag on or off and returns its new value.
func (a *App) SetLiveSync(ctx context.Context, on bool) (bool, error) {
	v := "disabled"
	if on {
		v = "enabled"
	}
	if err := a.deps.Store.Settings().Set(ctx, LiveSyncFeatureKey, v); err != nil {
		return false, err
	}
	return on, nil
}

// SyncQueueDetail is a queue with its workspace document and workspace,
// as GET /experimental/live-sync/queues answers it.
type SyncQueueDetail struct {
	DocumentSyncQueue
	WorkspaceDoc SyncQueueDoc `json:"workspaceDoc"`
}

// SyncQueueDoc is a watched workspace document and its workspace.
type SyncQueueDoc struct {
	WorkspaceDocument
	Workspace *Workspace `json:"workspace"`
}

// SyncQueues lists every queue, oldest first.
func (a *App) SyncQueues(ctx context.Context) ([]SyncQueueDetail, error) {
	ss, err := a.SyncStore()
	if err != nil {
		return nil, err
	}
	qs, err := ss.ListQueues(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]SyncQueueDetail, 0, len(qs))
	for _, q := range qs {
		wd, err := ss.WorkspaceDocument(ctx, q.WorkspaceDocID)
		if Code(err) == NotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		w, err := a.deps.Store.Workspaces().Get(ctx, wd.WorkspaceID)
		if err != nil && Code(err) != NotFound {
			return nil, err
		}
		out = append(out, SyncQueueDetail{DocumentSyncQueue: q, WorkspaceDoc: SyncQueueDoc{WorkspaceDocument: *wd, Workspace: w}})
	}
	return out, nil
}

// UpdateWatchStatus watches or unwatches a document embedded in a
// workspace, as upstream's toggleWatchStatus: watching creates one queue
// (owned by this workspace's row, stale after DOCUMENT_SYNC_STALE_AFTER_MS)
// and marks the document watched in every workspace; unwatching deletes
// the queues of every workspace's copy and clears the mark. Watching a
// document another workspace already watches keeps that queue. Like
// upstream, it does not check CanWatch: the sync job drops documents it
// cannot fetch.
func (a *App) UpdateWatchStatus(ctx context.Context, slug, docpath string, watch bool) error {
	w, err := a.workspace(ctx, slug)
	if err != nil {
		return err
	}
	if err := validDocpath(docpath); err != nil {
		return err
	}
	wd, err := a.deps.Store.Documents().Get(ctx, w.ID, docpath)
	if Code(err) == NotFound {
		return Errorf(NotFound, "document %s is not embedded in this workspace", quoteName(docpath))
	}
	if err != nil {
		return err
	}
	if _, err := a.SyncStore(); err != nil {
		return err
	}
	return a.deps.Store.InTx(ctx, func(tx Store) error {
		syncer, ok := tx.(DocumentSyncer)
		if !ok {
			return Errorf(Unimplemented, "this store's transactions do not support live document sync")
		}
		ss := syncer.DocumentSync()
		links, err := tx.Documents().ListByDocpath(ctx, docpath)
		if err != nil {
			return err
		}
		if !watch {
			for _, l := range links {
				q, err := ss.QueueByWorkspaceDoc(ctx, l.ID)
				if Code(err) == NotFound {
					continue
				}
				if err != nil {
					return err
				}
				if err := ss.DeleteQueue(ctx, q.ID); err != nil {
					return err
				}
			}
			_, err := ss.SetWatched(ctx, docpath, false)
			return err
		}
		for _, l := range links {
			if _, err := ss.QueueByWorkspaceDoc(ctx, l.ID); err == nil {
				// Already queued through some workspace: just mark it.
				_, err := ss.SetWatched(ctx, docpath, true)
				return err
			} else if Code(err) != NotFound {
				return err
			}
		}
		stale := a.staleAfter()
		now := a.now()
		q := &DocumentSyncQueue{StaleAfterMs: stale.Milliseconds(), NextSyncAt: now.Add(stale), CreatedAt: now, LastSyncedAt: now, WorkspaceDocID: wd.ID}
		if err := ss.CreateQueue(ctx, q); err != nil {
			return err
		}
		_, err = ss.SetWatched(ctx, docpath, true)
		return err
	})
}

// staleAfter is DOCUMENT_SYNC_STALE_AFTER_MS through Options.Env.
func (a *App) staleAfter() time.Duration {
	if a.opts.Env == nil {
		return DefaultStaleAfter
	}
	return StaleAfter(a.opts.Env("DOCUMENT_SYNC_STALE_AFTER_MS"))
}

// ReembedResult is what ReembedDocument changed.
type ReembedResult struct {
	Published          string
	WorkspacesModified []string // slugs, in workspace-document order
}

// ReembedDocument replaces a stored document's text with pageContent:
// the new text is split and embedded once, then every workspace that holds
// the document gets the new vectors in place of its old ones (its row,
// pin, watch and queue stay; the change log carries the swap to every
// process's index), and finally the document file is rewritten with the
// new text and a new published stamp shared with the vectors. If the
// embedder fails nothing changes.
func (a *App) ReembedDocument(ctx context.Context, docpath, pageContent string) (*ReembedResult, error) {
	ss, err := a.SyncStore()
	if err != nil {
		return nil, err
	}
	if a.deps.Embedder == nil {
		return nil, Errorf(Unavailable, "no embedding engine is configured")
	}
	doc, err := a.LoadDocument(ctx, docpath)
	if err != nil {
		return nil, err
	}
	links, err := a.deps.Store.Documents().ListByDocpath(ctx, docpath)
	if err != nil {
		return nil, err
	}
	doc.PageContent = pageContent
	doc.Published = jsPublished(a.now())
	res := &ReembedResult{Published: doc.Published, WorkspacesModified: []string{}}
	if len(links) > 0 {
		size, overlap := a.chunkSettings(ctx)
		texts := chunkTexts(doc, size, overlap)
		if len(texts) == 0 {
			return nil, Errorf(InvalidArgument, "No text content found in %s.", quoteName(docpath))
		}
		vecs, err := a.embedBatched(ctx, texts)
		if err != nil {
			return nil, err
		}
		meta := chunkMetadata(doc)
		metaJSON := documentMetadataJSON(doc)
		for _, l := range links {
			w, err := a.deps.Store.Workspaces().Get(ctx, l.WorkspaceID)
			if err != nil {
				return nil, err
			}
			records := make([]VectorRecord, len(texts))
			for i := range texts {
				records[i] = VectorRecord{ID: newID(), DocID: l.DocID, Vector: vecs[i], Text: texts[i], Metadata: meta}
			}
			if err := ss.ReplaceVectors(ctx, l.DocID, metaJSON, records); err != nil {
				return nil, err
			}
			if a.deps.Vectors != nil {
				if err := a.deps.Vectors.DeleteDocument(ctx, w.Slug, l.DocID); err != nil && Code(err) != NotFound {
					return nil, err
				}
				if err := a.deps.Vectors.Upsert(ctx, w.Slug, records); err != nil {
					return nil, err
				}
			}
			if !slices.Contains(res.WorkspacesModified, w.Slug) {
				res.WorkspacesModified = append(res.WorkspacesModified, w.Slug)
			}
		}
	}
	folder, file, _ := strings.Cut(docpath, "/")
	if _, err := a.saveDocument(ctx, folder, file, doc); err != nil {
		return nil, err
	}
	return res, nil
}
