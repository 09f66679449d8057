package jobs

import (
	"context"
	"fmt"
	"path"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// DefaultBatchSize is how many orphans one batch deletes.
const DefaultBatchSize = 500

// CleanupOptions tune CleanupOrphanDocuments. A nil *CleanupOptions means
// the defaults.
type CleanupOptions struct {
	// BatchSize is how many entries are deleted per batch; default 500.
	BatchSize int
	// DryRun lists the orphans and deletes nothing.
	DryRun bool
	// Progress is called after each entry (done of total).
	Progress func(done, total int, entry OrphanEntry)
}

// OrphanEntry is one entry of direct-uploads no record references.
type OrphanEntry struct {
	Name    string `json:"name"`
	Bytes   int64  `json:"bytes"`
	IsDir   bool   `json:"isDir"`
	Deleted bool   `json:"deleted"`
	Error   string `json:"error,omitempty"`
}

// CleanupSummary is what a cleanup did.
type CleanupSummary struct {
	DryRun     bool          `json:"dryRun"`
	Scanned    int           `json:"scanned"`
	Orphans    int           `json:"orphans"`
	Deleted    int           `json:"deleted"`
	Failed     int           `json:"failed"`
	Bytes      int64         `json:"bytes"`      // of the orphans
	BytesFreed int64         `json:"bytesFreed"` // of the deleted ones
	Entries    []OrphanEntry `json:"entries"`
}

// String is the summary line.
func (s *CleanupSummary) String() string {
	if s.DryRun {
		return fmt.Sprintf("cleanup-orphan-documents (dry run): %d of %d entries in direct-uploads are orphans (%d bytes); nothing deleted",
			s.Orphans, s.Scanned, s.Bytes)
	}
	return fmt.Sprintf("cleanup-orphan-documents: %d of %d entries in direct-uploads were orphans: %d deleted (%d bytes freed), %d failed",
		s.Orphans, s.Scanned, s.Deleted, s.BytesFreed, s.Failed)
}

// CleanupOrphanDocuments is upstream's cleanup-orphan-documents job: every
// entry of the direct-uploads storage root that no record references is
// deleted, in batches (a failed batch is retried one entry at a time).
// References are the file names of workspace documents (upstream keeps
// chat-attached files in workspace_parsed_files; here an upload a
// workspace document still names is kept either way). The documents
// library (the documents root) is never touched. A missing or empty
// direct-uploads ends the job quietly. The error is non-nil only when the
// job could not run.
func CleanupOrphanDocuments(ctx context.Context, app *anythingllm.App, opts *CleanupOptions) (*CleanupSummary, error) {
	var o CleanupOptions
	if opts != nil {
		o = *opts
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	sum := &CleanupSummary{DryRun: o.DryRun, Entries: []OrphanEntry{}}
	root, err := app.StorageRoot(anythingllm.RootDirectUploads)
	if err != nil {
		if anythingllm.Code(err) == anythingllm.Unavailable {
			return sum, nil // not configured: nothing to clean
		}
		return nil, err
	}
	referenced, err := referencedNames(ctx, app)
	if err != nil {
		return nil, err
	}
	var orphans []OrphanEntry
	for info, err := range root.List(ctx, "") {
		if anythingllm.Code(err) == anythingllm.NotFound {
			break
		}
		if err != nil {
			return nil, err
		}
		sum.Scanned++
		name := path.Base(info.Key)
		if referenced[name] || referenced[anythingllm.Slugify(name, true)] {
			continue
		}
		e := OrphanEntry{Name: info.Key, Bytes: info.Size, IsDir: info.IsDir}
		if info.IsDir {
			e.Bytes = treeSize(ctx, root, info.Key)
		}
		orphans = append(orphans, e)
		sum.Bytes += e.Bytes
	}
	sum.Orphans = len(orphans)
	done := 0
	for lo := 0; lo < len(orphans); lo += o.BatchSize {
		batch := orphans[lo:min(lo+o.BatchSize, len(orphans))]
		for i := range batch {
			e := &batch[i]
			if !o.DryRun {
				if err := deleteEntry(ctx, root, e); err != nil {
					// One retry, alone (upstream retries a failed batch file by file).
					if err = deleteEntry(ctx, root, e); err != nil {
						e.Error = anythingllm.ErrorMessage(err)
					}
				}
				if e.Error == "" {
					e.Deleted = true
					sum.Deleted++
					sum.BytesFreed += e.Bytes
				} else {
					sum.Failed++
				}
			}
			done++
			sum.Entries = append(sum.Entries, *e)
			if o.Progress != nil {
				o.Progress(done, len(orphans), *e)
			}
		}
		if err := ctx.Err(); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func deleteEntry(ctx context.Context, root anythingllm.BlobStore, e *OrphanEntry) error {
	var err error
	if e.IsDir {
		err = root.DeleteAll(ctx, e.Name)
	} else {
		err = root.Delete(ctx, e.Name)
	}
	if anythingllm.Code(err) == anythingllm.NotFound {
		return nil
	}
	return err
}

func treeSize(ctx context.Context, root anythingllm.BlobStore, key string) int64 {
	var n int64
	for info, err := range root.List(ctx, key) {
		if err != nil {
			break
		}
		if info.IsDir {
			n += treeSize(ctx, root, info.Key)
		} else {
			n += info.Size
		}
	}
	return n
}

// referencedNames are the file names records still name: every workspace
// document's filename (and its slug).
func referencedNames(ctx context.Context, app *anythingllm.App) (map[string]bool, error) {
	out := map[string]bool{}
	ws, err := app.Store().Workspaces().List(ctx)
	if err != nil {
		return nil, err
	}
	for _, w := range ws {
		docs, err := app.Store().Documents().ListByWorkspace(ctx, w.ID)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			out[d.Filename] = true
			out[anythingllm.Slugify(d.Filename, true)] = true
		}
	}
	return out, nil
}
