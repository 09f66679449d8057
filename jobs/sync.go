// Package jobs holds AnythingLLM's background jobs, usable from the
// library and from `anythingllm jobs ...`: the orphan-document cleanup of
// direct-uploads, the live sync of watched documents, and a Scheduler (on
// gocron/v2) that runs both, each under the store's Locker so that with
// several replicas a job runs on one of them at a time.
//
//	sum, err := jobs.SyncWatchedDocuments(ctx, app, &jobs.SyncOptions{Force: true})
//	fmt.Println(sum) // sync-watched-documents: 3 documents: 1 re-embedded, 2 unchanged, 0 failed, 0 unwatched
//
// Every job takes an injectable clock (Options.Now, SchedulerOptions.Clock),
// so tests move time instead of sleeping.
package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// SyncOptions tune SyncWatchedDocuments. A nil *SyncOptions means the
// defaults.
type SyncOptions struct {
	// MaxDocuments bounds how many queues one run handles; 0 = all.
	MaxDocuments int
	// DryRun fetches and compares but changes nothing: each item says
	// what the run would do.
	DryRun bool
	// Force syncs every watched document now, stale or not.
	Force bool
	// Progress is called after each document (done of total).
	Progress func(done, total int, item SyncItem)
	// Now is the clock; default the App's.
	Now func() time.Time
}

// SyncAction is what happened to (or, in a dry run, would happen to) one
// watched document.
type SyncAction string

// The actions.
const (
	SyncReembedded SyncAction = "re-embedded" // the text changed: new vectors everywhere
	SyncUnchanged  SyncAction = "unchanged"   // same text: no embedder call
	SyncFailed     SyncAction = "failed"      // the source gave no content; retried next run
	SyncUnwatched  SyncAction = "unwatched"   // not syncable, or failed too often
)

// SyncItem is one watched document's outcome.
type SyncItem struct {
	QueueID            int64      `json:"queueId"`
	Docpath            string     `json:"docpath"`
	Action             SyncAction `json:"action"`
	Reason             string     `json:"reason,omitempty"`
	WorkspacesModified []string   `json:"workspacesModified,omitempty"`
}

// SyncSummary is what a run did.
type SyncSummary struct {
	DryRun     bool       `json:"dryRun"`
	Disabled   bool       `json:"disabled"` // the feature flag is off: nothing ran
	Total      int        `json:"total"`
	Reembedded int        `json:"reembedded"`
	Unchanged  int        `json:"unchanged"`
	Failed     int        `json:"failed"`
	Unwatched  int        `json:"unwatched"`
	Items      []SyncItem `json:"items"`
}

// String is the summary line.
func (s *SyncSummary) String() string {
	if s.Disabled {
		return "sync-watched-documents: live document sync is disabled (experimental_live_file_sync); nothing to do"
	}
	prefix := "sync-watched-documents"
	if s.DryRun {
		prefix += " (dry run)"
	}
	return fmt.Sprintf("%s: %d documents: %d re-embedded, %d unchanged, %d failed, %d unwatched",
		prefix, s.Total, s.Reembedded, s.Unchanged, s.Failed, s.Unwatched)
}

// runResult is the JSON of a document_sync_executions row, as upstream.
type runResult struct {
	Filename           string   `json:"filename"`
	WorkspacesModified []string `json:"workspacesModified"`
	Reason             string   `json:"reason,omitempty"`
}

// SyncWatchedDocuments is upstream's sync-watched-documents job: for each
// stale queue (every queue with Force) it fetches the document's source
// again through its connector. No content: a failed run is recorded and
// nextSyncAt stays, so the next run retries; after MaxSyncFailures failed
// runs in a row the document is unwatched (never deleted). The exact same
// pageContent: an exited run, the queue moves on, no embedder call.
// Otherwise the new text is embedded once and replaces the old vectors in
// every workspace holding the document (through the store, so every
// process's index follows the change log), the file is rewritten, and a
// success run is recorded. Documents whose chunkSource scheme is not
// watchable are unwatched. The error is non-nil only when the job could
// not run (no sync tables, the database is away).
func SyncWatchedDocuments(ctx context.Context, app *anythingllm.App, opts *SyncOptions) (*SyncSummary, error) {
	var o SyncOptions
	if opts != nil {
		o = *opts
	}
	if o.Now == nil {
		o.Now = app.Now
	}
	sum := &SyncSummary{DryRun: o.DryRun, Items: []SyncItem{}}
	ss, err := app.SyncStore()
	if err != nil {
		return nil, err
	}
	on, err := app.LiveSyncEnabled(ctx)
	if err != nil {
		return nil, err
	}
	if !on {
		sum.Disabled = true
		return sum, nil
	}
	now := o.Now().UTC()
	var queues []anythingllm.DocumentSyncQueue
	if o.Force {
		queues, err = ss.ListQueues(ctx)
	} else {
		queues, err = ss.StaleQueues(ctx, now)
	}
	if err != nil {
		return nil, err
	}
	if o.MaxDocuments > 0 && len(queues) > o.MaxDocuments {
		queues = queues[:o.MaxDocuments]
	}
	sum.Total = len(queues)
	for i, q := range queues {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		item, err := syncOne(ctx, app, ss, q, &o)
		if err != nil {
			return sum, err
		}
		switch item.Action {
		case SyncReembedded:
			sum.Reembedded++
		case SyncUnchanged:
			sum.Unchanged++
		case SyncFailed:
			sum.Failed++
		case SyncUnwatched:
			sum.Unwatched++
		}
		sum.Items = append(sum.Items, item)
		if o.Progress != nil {
			o.Progress(i+1, len(queues), item)
		}
	}
	return sum, nil
}

// syncOne handles one queue. Its error is a store failure that ends the run.
func syncOne(ctx context.Context, app *anythingllm.App, ss anythingllm.DocumentSyncStore, q anythingllm.DocumentSyncQueue, o *SyncOptions) (SyncItem, error) {
	item := SyncItem{QueueID: q.ID}
	wd, err := ss.WorkspaceDocument(ctx, q.WorkspaceDocID)
	if anythingllm.Code(err) == anythingllm.NotFound {
		item.Action, item.Reason = SyncUnwatched, "the workspace document is gone"
		return item, nil
	}
	if err != nil {
		return item, err
	}
	item.Docpath = wd.Docpath
	var meta struct {
		ChunkSource string `json:"chunkSource"`
	}
	_ = json.Unmarshal([]byte(wd.Metadata), &meta)
	scheme := anythingllm.ChunkSourceScheme(meta.ChunkSource)
	unwatch := func(reason string) (SyncItem, error) {
		item.Action, item.Reason = SyncUnwatched, reason
		if o.DryRun {
			return item, nil
		}
		return item, unwatchDoc(ctx, app, ss, wd)
	}
	if !slices.Contains(anythingllm.WatchableSchemes, scheme) {
		return unwatch(fmt.Sprintf("chunkSource type %q cannot be synced", scheme))
	}
	now := o.Now().UTC().Truncate(time.Millisecond)
	content, fetchErr := app.FetchSource(ctx, meta.ChunkSource)
	if fetchErr != nil || content == "" {
		reason := "No content found."
		if fetchErr != nil {
			reason = "No content found: " + anythingllm.ErrorMessage(fetchErr)
		}
		runs, err := ss.ListRuns(ctx, q.ID, anythingllm.MaxSyncFailures)
		if err != nil {
			return item, err
		}
		failed := 0
		for _, r := range runs {
			if r.Status == anythingllm.SyncRunFailed {
				failed++
			}
		}
		if failed >= anythingllm.MaxSyncFailures {
			return unwatch(fmt.Sprintf("failed %d times in a row (%s)", failed+1, reason))
		}
		item.Action, item.Reason = SyncFailed, reason
		if o.DryRun {
			return item, nil
		}
		return item, addRun(ctx, ss, q.ID, anythingllm.SyncRunFailed, runResult{Filename: wd.Filename, WorkspacesModified: []string{}, Reason: "No content found."}, now)
	}
	doc, err := app.LoadDocument(ctx, wd.Docpath)
	if err != nil {
		if anythingllm.Code(err) == anythingllm.NotFound {
			return unwatch("the document file is gone")
		}
		return item, err
	}
	if doc.PageContent == content {
		item.Action = SyncUnchanged
		if o.DryRun {
			return item, nil
		}
		if err := moveOn(ctx, ss, q, now); err != nil {
			return item, err
		}
		return item, addRun(ctx, ss, q.ID, anythingllm.SyncRunExited, runResult{Filename: wd.Filename, WorkspacesModified: []string{}, Reason: "Content unchanged."}, now)
	}
	item.Action = SyncReembedded
	if o.DryRun {
		return item, nil
	}
	res, err := app.ReembedDocument(ctx, wd.Docpath, content)
	if err != nil {
		// The embedder or the store failed: nothing was replaced (or only
		// some workspaces were); record it and retry on the next run.
		item.Action, item.Reason = SyncFailed, anythingllm.ErrorMessage(err)
		return item, addRun(ctx, ss, q.ID, anythingllm.SyncRunFailed, runResult{Filename: wd.Filename, WorkspacesModified: []string{}, Reason: item.Reason}, now)
	}
	item.WorkspacesModified = res.WorkspacesModified
	if err := moveOn(ctx, ss, q, now); err != nil {
		return item, err
	}
	return item, addRun(ctx, ss, q.ID, anythingllm.SyncRunSuccess, runResult{Filename: wd.Filename, WorkspacesModified: res.WorkspacesModified}, now)
}

func moveOn(ctx context.Context, ss anythingllm.DocumentSyncStore, q anythingllm.DocumentSyncQueue, now time.Time) error {
	q.LastSyncedAt = now
	q.NextSyncAt = now.Add(time.Duration(q.StaleAfterMs) * time.Millisecond)
	err := ss.UpdateQueue(ctx, &q)
	if anythingllm.Code(err) == anythingllm.NotFound {
		return nil // unwatched meanwhile
	}
	return err
}

func addRun(ctx context.Context, ss anythingllm.DocumentSyncStore, queueID int64, status anythingllm.SyncRunStatus, res runResult, now time.Time) error {
	b, _ := json.Marshal(res)
	err := ss.AddRun(ctx, &anythingllm.DocumentSyncRun{QueueID: queueID, Status: status, Result: string(b), CreatedAt: now})
	if anythingllm.Code(err) == anythingllm.NotFound {
		return nil // unwatched meanwhile
	}
	return err
}

// unwatchDoc unwatches a document in every workspace (its queues go).
func unwatchDoc(ctx context.Context, app *anythingllm.App, ss anythingllm.DocumentSyncStore, wd *anythingllm.WorkspaceDocument) error {
	links, err := app.Store().Documents().ListByDocpath(ctx, wd.Docpath)
	if err != nil {
		return err
	}
	for _, l := range links {
		q, err := ss.QueueByWorkspaceDoc(ctx, l.ID)
		if anythingllm.Code(err) == anythingllm.NotFound {
			continue
		}
		if err != nil {
			return err
		}
		if err := ss.DeleteQueue(ctx, q.ID); err != nil && anythingllm.Code(err) != anythingllm.NotFound {
			return err
		}
	}
	_, err = ss.SetWatched(ctx, wd.Docpath, false)
	return err
}
