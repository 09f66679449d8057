package anythingllm

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"path"
	"sort"
	"strings"
	"time"
)

// File roots of the Files API. Each is its own BlobStore (Deps.FileRoots),
// so a name can never reach another root: every key is confined by the
// store (os.Root for the filesystem one).
const (
	RootFiles         = "files"
	RootAssets        = "assets"
	RootPfp           = "pfp"
	RootVectorCache   = "vector-cache"
	RootDirectUploads = "direct-uploads"
	RootDocuments     = "documents"
)

// writableRoots are the roots the Files API may change. The others
// (documents, vector cache, direct uploads) belong to the document
// pipeline: they can be listed and inspected, but changing them behind its
// back would break embedded documents.
var writableRoots = map[string]bool{RootFiles: true, RootAssets: true, RootPfp: true}

// FileInfo describes a stored file.
type FileInfo struct {
	Name     string    `json:"name"`
	Path     string    `json:"path"` // relative to its root
	Root     string    `json:"root"`
	Size     int64     `json:"size"`
	Modified time.Time `json:"modified"`
	IsDir    bool      `json:"isDir"`
}

// RootUsage is the size and file count of one root.
type RootUsage struct {
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
}

// stagingPrefix names uploads whose folder is not known yet (see
// StageFile). Upload names never start with a dot, so these never clash
// with a real file, and listings skip them.
const stagingPrefix = ".staging-"

func (a *App) fileRoot(name string) (BlobStore, error) {
	if name == "" {
		name = RootFiles
	}
	if s, ok := a.deps.FileRoots[name]; ok && s != nil {
		return s, nil
	}
	if !knownRoot(name) {
		return nil, Errorf(InvalidArgument, "unknown storage root %s (files, assets, pfp, vector-cache, direct-uploads, documents)", quoteName(name))
	}
	return nil, Errorf(Unavailable, "the %s storage root is not configured", name)
}

func knownRoot(name string) bool {
	switch name {
	case RootFiles, RootAssets, RootPfp, RootVectorCache, RootDirectUploads, RootDocuments:
		return true
	}
	return false
}

func (a *App) writableRoot(name string) (BlobStore, error) {
	if name == "" {
		name = RootFiles
	}
	st, err := a.fileRoot(name)
	if err != nil {
		return nil, err
	}
	if !writableRoots[name] {
		return nil, Errorf(InvalidArgument, "the %s root is read-only through the Files API (writable: files, assets, pfp)", name)
	}
	return st, nil
}

// cleanUploadName keeps a safe base name: a path in it is reduced to its
// last part, separators, quotes and control characters are dropped, and an
// empty or dot-leading result is refused. Folder names are checked by the
// BlobStore itself (no "..", no absolute paths, no escapes).
func cleanUploadName(name string) (string, error) {
	n := sanitizeFileName(name)
	if n == "" || strings.HasPrefix(n, ".") {
		return "", Errorf(InvalidArgument, "invalid file name %s", quoteName(name))
	}
	return n, nil
}

var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".webp": true}

func uploadKey(root, folder, name string) (string, error) {
	n, err := cleanUploadName(name)
	if err != nil {
		return "", err
	}
	if root == RootPfp && !imageExts[strings.ToLower(path.Ext(n))] {
		return "", Errorf(InvalidArgument, "a profile picture must be a png, jpg, gif or webp image")
	}
	folder = strings.TrimSuffix(folder, "/") // "reports/" means "reports"; a leading "/" stays and is refused
	if folder == "" {
		return n, nil
	}
	if strings.HasPrefix(path.Base(folder), ".") {
		return "", Errorf(InvalidArgument, "invalid folder name %s", quoteName(folder))
	}
	return folder + "/" + n, nil
}

// SaveFile stores an upload in a writable root (files, assets or pfp),
// optionally in a folder, streaming r. Profile pictures must be images. An
// existing name is refused with AlreadyExists; a bad name or folder with
// InvalidArgument, before anything is written.
func (a *App) SaveFile(ctx context.Context, root, folder, name string, r io.Reader) (*FileInfo, error) {
	st, err := a.writableRoot(root)
	if err != nil {
		return nil, err
	}
	key, err := uploadKey(root, folder, name)
	if err != nil {
		return nil, err
	}
	if err := notExists(ctx, st, key); err != nil {
		return nil, err
	}
	if err := st.Put(ctx, key, r); err != nil {
		return nil, err
	}
	return a.fileInfo(ctx, root, key)
}

func notExists(ctx context.Context, st BlobStore, key string) error {
	_, err := st.Stat(ctx, key)
	switch {
	case err == nil:
		return Errorf(AlreadyExists, "%s already exists", quoteName(key))
	case Code(err) == NotFound:
		return nil
	}
	return err
}

// StagedFile is an upload written before its folder is known (a multipart
// form may send the folder field after the file). Finish it with
// CommitFile, or drop it with DiscardFile.
type StagedFile struct {
	root, key, name string
}

// StageFile streams an upload into root under a hidden staging name. The
// name is checked (as SaveFile does) before anything is written.
func (a *App) StageFile(ctx context.Context, root, name string, r io.Reader) (*StagedFile, error) {
	st, err := a.writableRoot(root)
	if err != nil {
		return nil, err
	}
	if _, err := uploadKey(root, "", name); err != nil {
		return nil, err
	}
	var rnd [12]byte
	_, _ = rand.Read(rnd[:])
	key := stagingPrefix + hex.EncodeToString(rnd[:])
	if err := st.Put(ctx, key, r); err != nil {
		return nil, err
	}
	return &StagedFile{root: root, key: key, name: name}, nil
}

// CommitFile moves a staged upload to folder/name. On any error the staged
// data is removed.
func (a *App) CommitFile(ctx context.Context, s *StagedFile, folder string) (*FileInfo, error) {
	st, err := a.writableRoot(s.root)
	if err != nil {
		return nil, err
	}
	key, err := uploadKey(s.root, folder, s.name)
	if err == nil {
		err = notExists(ctx, st, key)
	}
	if err == nil {
		err = st.Move(ctx, s.key, key)
	}
	if err != nil {
		a.DiscardFile(ctx, s)
		return nil, err
	}
	return a.fileInfo(ctx, s.root, key)
}

// DiscardFile removes a staged upload.
func (a *App) DiscardFile(ctx context.Context, s *StagedFile) {
	if st, err := a.fileRoot(s.root); err == nil {
		// The request's context may be over; the clean-up must still run.
		_ = st.Delete(context.WithoutCancel(ctx), s.key)
	}
}

func (a *App) fileInfo(ctx context.Context, root, key string) (*FileInfo, error) {
	st, err := a.fileRoot(root)
	if err != nil {
		return nil, err
	}
	info, err := st.Stat(ctx, key)
	if err != nil {
		return nil, err
	}
	return &FileInfo{Name: path.Base(key), Path: key, Root: cmp.Or(root, RootFiles), Size: info.Size, Modified: info.ModTime, IsDir: info.IsDir}, nil
}

// ListFiles lists every file of a root ("" = files), recursively, sorted
// by path.
func (a *App) ListFiles(ctx context.Context, root string) ([]FileInfo, error) {
	st, err := a.fileRoot(root)
	if err != nil {
		return nil, err
	}
	root = cmp.Or(root, RootFiles)
	out := []FileInfo{}
	err = walk(ctx, st, "", func(b BlobInfo) {
		out = append(out, FileInfo{Name: path.Base(b.Key), Path: b.Key, Root: root, Size: b.Size, Modified: b.ModTime})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}

// walk calls fn for every file under dir, skipping staged uploads.
func walk(ctx context.Context, st BlobStore, dir string, fn func(BlobInfo)) error {
	for b, err := range st.List(ctx, dir) {
		if Code(err) == NotFound {
			return nil
		}
		if err != nil {
			return err
		}
		if staged(b.Key) {
			continue
		}
		if b.IsDir {
			if err := walk(ctx, st, b.Key, fn); err != nil {
				return err
			}
			continue
		}
		fn(b)
	}
	return nil
}

// staged reports whether name is a staged upload, hidden from the API.
func staged(name string) bool { return strings.HasPrefix(path.Base(name), stagingPrefix) }

func fileNotFound(name string, err error) error {
	if Code(err) == NotFound {
		return Errorf(NotFound, "file %s not found", quoteName(name))
	}
	return err
}

// FileDetails describes one file (or folder) of a root ("" = files).
func (a *App) FileDetails(ctx context.Context, root, name string) (*FileInfo, error) {
	if staged(name) {
		return nil, fileNotFound(name, ErrNotFound)
	}
	info, err := a.fileInfo(ctx, root, name)
	return info, fileNotFound(name, err)
}

// DeleteFile removes one file of a writable root ("" = files). Folders are
// refused.
func (a *App) DeleteFile(ctx context.Context, root, name string) error {
	st, err := a.writableRoot(root)
	if err != nil {
		return err
	}
	if staged(name) {
		return fileNotFound(name, ErrNotFound)
	}
	info, err := st.Stat(ctx, name)
	if err != nil {
		return fileNotFound(name, err)
	}
	if info.IsDir {
		return Errorf(InvalidArgument, "%s is a folder", quoteName(name))
	}
	return fileNotFound(name, st.Delete(ctx, name))
}

// MoveFile renames a file inside a writable root ("" = files); folders
// are created as needed and the target must not exist.
func (a *App) MoveFile(ctx context.Context, root, from, to string) (*FileInfo, error) {
	st, err := a.writableRoot(root)
	if err != nil {
		return nil, err
	}
	if staged(from) {
		return nil, fileNotFound(from, ErrNotFound)
	}
	if strings.HasPrefix(path.Base(to), ".") {
		return nil, Errorf(InvalidArgument, "invalid target name %s", quoteName(to))
	}
	if err := st.Move(ctx, from, to); err != nil {
		return nil, fileNotFound(from, err)
	}
	return a.fileInfo(ctx, root, to)
}

// StorageInfo sums sizes and counts per configured root.
func (a *App) StorageInfo(ctx context.Context) (map[string]RootUsage, error) {
	out := map[string]RootUsage{}
	for name, st := range a.deps.FileRoots {
		if st == nil {
			continue
		}
		var u RootUsage
		if err := walk(ctx, st, "", func(b BlobInfo) { u.Files++; u.Bytes += b.Size }); err != nil {
			return nil, err
		}
		out[name] = u
	}
	return out, nil
}
