package anythingllm

import (
	"context"
	"fmt"
	"path"
)

// RemoveFolder deletes a documents folder: the embeddings of its files in
// every workspace, then the files. custom-documents cannot be removed.
func (a *App) RemoveFolder(ctx context.Context, name string) error {
	if err := validFolder(name); err != nil {
		return err
	}
	if name == DefaultFolder {
		return Errorf(InvalidArgument, "%s cannot be removed", DefaultFolder)
	}
	key := documentsRoot + "/" + name
	info, err := a.blobs().Stat(ctx, key)
	if err != nil || !info.IsDir {
		return Errorf(NotFound, "Folder %s does not exist.", quoteName(name))
	}
	var docpaths []string
	for f, err := range a.blobs().List(ctx, key) {
		if err != nil {
			return err
		}
		if !f.IsDir {
			docpaths = append(docpaths, name+"/"+path.Base(f.Key))
		}
	}
	if err := a.RemoveDocuments(ctx, filterJSON(docpaths)); err != nil {
		return err
	}
	return a.blobs().DeleteAll(ctx, key)
}

func filterJSON(ps []string) []string {
	var out []string
	for _, p := range ps {
		if validDocpath(p) == nil {
			out = append(out, p)
		}
	}
	return out
}

// FileMove moves one document.
type FileMove struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// MoveFiles moves documents between folders. Documents embedded in any
// workspace are skipped (their docpath is their identity there); the count
// of skipped files is returned. The destination folder must exist.
func (a *App) MoveFiles(ctx context.Context, moves []FileMove) (skipped int, err error) {
	if len(moves) == 0 {
		return 0, Errorf(InvalidArgument, "files must be a non-empty array of {from, to}")
	}
	for _, m := range moves {
		if err := validDocpath(m.From); err != nil {
			return 0, err
		}
		if err := validDocpath(m.To); err != nil {
			return 0, err
		}
	}
	for _, m := range moves {
		links, err := a.deps.Store.Documents().ListByDocpath(ctx, m.From)
		if err != nil {
			return skipped, err
		}
		if len(links) > 0 {
			skipped++
			continue
		}
		dir := documentsRoot + "/" + path.Dir(m.To)
		if info, err := a.blobs().Stat(ctx, dir); err != nil || !info.IsDir {
			return skipped, Errorf(NotFound, "Folder %s does not exist.", quoteName(path.Dir(m.To)))
		}
		if err := a.blobs().Move(ctx, documentsRoot+"/"+m.From, documentsRoot+"/"+m.To); err != nil {
			return skipped, err
		}
	}
	return skipped, nil
}

// FolderPage is one page of a folder listing.
type FolderPage struct {
	Folder     string         `json:"folder"`
	Documents  []DocumentFile `json:"documents"`
	TotalCount int            `json:"totalCount"`
	HasMore    bool           `json:"hasMore"`
	Error      *string        `json:"error"`
}

// ListFolder pages a folder's documents sorted by name. limit <= 0 means
// all; larger than 1000 is cut to 1000.
func (a *App) ListFolder(ctx context.Context, folder string, offset, limit int) (*FolderPage, error) {
	if err := validFolder(folder); err != nil {
		return nil, err
	}
	key := documentsRoot + "/" + folder
	if info, err := a.blobs().Stat(ctx, key); err != nil || !info.IsDir {
		return nil, Errorf(NotFound, "Folder %s does not exist.", fmt.Sprintf("%q", folder))
	}
	files, err := a.folderFiles(ctx, folder)
	if err != nil {
		return nil, err
	}
	offset = max(offset, 0)
	if limit > 1000 {
		limit = 1000
	}
	page := &FolderPage{Folder: folder, TotalCount: len(files), Documents: []DocumentFile{}}
	if offset < len(files) {
		end := len(files)
		if limit > 0 {
			end = min(offset+limit, len(files))
		}
		page.Documents = files[offset:end]
		page.HasMore = end < len(files)
	}
	return page, nil
}
