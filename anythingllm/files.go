package anythingllm

import (
	"context"
	"io"
	"path"
	"sort"
	"strings"
	"time"
)

// File roots of the Files API. Each is its own BlobStore, so a name can
// never reach another root.
const (
	RootFiles         = "files"
	RootAssets        = "assets"
	RootPfp           = "pfp"
	RootVectorCache   = "vector-cache"
	RootDirectUploads = "direct-uploads"
	RootDocuments     = "documents"
)

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

func (a *App) fileRoot(name string) (BlobStore, error) {
	if s, ok := a.deps.FileRoots[name]; ok && s != nil {
		return s, nil
	}
	return nil, Errorf(Unavailable, "the %s storage root is not configured", name)
}

// cleanFileName keeps a safe base name; folder names in paths are checked
// by the BlobStore itself.
func cleanUploadName(name string) (string, error) {
	n := sanitizeFileName(name)
	if n == "" || strings.HasPrefix(n, ".") {
		return "", Errorf(InvalidArgument, "invalid file name %s", quoteName(name))
	}
	return n, nil
}

var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".webp": true}

// SaveFile stores an upload in a root (files, assets or pfp), optionally in
// a folder. Profile pictures must be images. An existing name is refused.
func (a *App) SaveFile(ctx context.Context, root, folder, name string, r io.Reader) (*FileInfo, error) {
	st, err := a.fileRoot(root)
	if err != nil {
		return nil, err
	}
	n, err := cleanUploadName(name)
	if err != nil {
		return nil, err
	}
	if root == RootPfp && !imageExts[strings.ToLower(path.Ext(n))] {
		return nil, Errorf(InvalidArgument, "a profile picture must be a png, jpg, gif or webp image")
	}
	key := n
	if folder != "" {
		key = folder + "/" + n
	}
	if _, err := st.Stat(ctx, key); err == nil {
		return nil, Errorf(AlreadyExists, "%s already exists", quoteName(key))
	}
	if err := st.Put(ctx, key, r); err != nil {
		return nil, err
	}
	return a.fileInfo(ctx, root, key)
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
	return &FileInfo{Name: path.Base(key), Path: key, Root: root, Size: info.Size, Modified: info.ModTime, IsDir: info.IsDir}, nil
}

// ListFiles lists every file of the files root, recursively, by path.
func (a *App) ListFiles(ctx context.Context) ([]FileInfo, error) {
	st, err := a.fileRoot(RootFiles)
	if err != nil {
		return nil, err
	}
	out := []FileInfo{}
	err = walk(ctx, st, "", func(b BlobInfo) {
		out = append(out, FileInfo{Name: path.Base(b.Key), Path: b.Key, Root: RootFiles, Size: b.Size, Modified: b.ModTime})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}

func walk(ctx context.Context, st BlobStore, dir string, fn func(BlobInfo)) error {
	for b, err := range st.List(ctx, dir) {
		if Code(err) == NotFound {
			return nil
		}
		if err != nil {
			return err
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

// FileDetails describes one file of the files root.
func (a *App) FileDetails(ctx context.Context, name string) (*FileInfo, error) {
	info, err := a.fileInfo(ctx, RootFiles, name)
	if Code(err) == NotFound {
		return nil, Errorf(NotFound, "file %s not found", quoteName(name))
	}
	return info, err
}

// DeleteFile removes one file of the files root.
func (a *App) DeleteFile(ctx context.Context, name string) error {
	st, err := a.fileRoot(RootFiles)
	if err != nil {
		return err
	}
	if info, err := st.Stat(ctx, name); err != nil {
		if Code(err) == NotFound {
			return Errorf(NotFound, "file %s not found", quoteName(name))
		}
		return err
	} else if info.IsDir {
		return Errorf(InvalidArgument, "%s is a folder", quoteName(name))
	}
	return st.Delete(ctx, name)
}

// MoveFile renames a file inside the files root; the target must not exist.
func (a *App) MoveFile(ctx context.Context, from, to string) (*FileInfo, error) {
	st, err := a.fileRoot(RootFiles)
	if err != nil {
		return nil, err
	}
	if err := st.Move(ctx, from, to); err != nil {
		if Code(err) == NotFound {
			return nil, Errorf(NotFound, "file %s not found", quoteName(from))
		}
		return nil, err
	}
	return a.fileInfo(ctx, RootFiles, to)
}

// StorageInfo sums sizes and counts per configured root.
func (a *App) StorageInfo(ctx context.Context) (map[string]RootUsage, error) {
	out := map[string]RootUsage{}
	for name, st := range a.deps.FileRoots {
		var u RootUsage
		if err := walk(ctx, st, "", func(b BlobInfo) { u.Files++; u.Bytes += b.Size }); err != nil {
			return nil, err
		}
		out[name] = u
	}
	return out, nil
}
