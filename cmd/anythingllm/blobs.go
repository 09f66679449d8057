package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/blobstore/s3blob"
	"github.com/anythingllm-go/anythingllm/storage/bunstore"
)

// Blob store kinds for BLOB_STORE.
const (
	blobFile     = "file"
	blobDatabase = "database"
)

// checkBlobSpec validates a BLOB_STORE value without opening anything.
func checkBlobSpec(spec string) error {
	switch {
	case spec == blobFile, spec == blobDatabase:
		return nil
	case strings.HasPrefix(spec, "s3://"):
		return nil
	}
	return fmt.Errorf("%q is not a blob store; use file, database or s3://BUCKET?endpoint=URL&region=R&prefix=P", spec)
}

// blobRoots are the blob roots the App keeps: the documents root lives in
// Deps.Blobs under "documents/", the others are the Files API's roots. On
// a shared store (database, S3) each is a folder of it; on files each is a
// folder under STORAGE_DIR unless its *_ROOT variable moves it.
var blobRoots = []struct{ name, dir, envVar string }{
	{anythingllm.RootDocuments, "documents", ""},
	{anythingllm.RootDirectUploads, "direct-uploads", "DIRECT_UPLOADS_ROOT"},
	{anythingllm.RootFiles, "files", "FILES_ROOT"},
	{anythingllm.RootAssets, "assets", "ASSETS_ROOT"},
	{anythingllm.RootPfp, "assets/pfp", "PFP_ROOT"},
	{anythingllm.RootVectorCache, "vector-cache", "VECTOR_CACHE_ROOT"},
}

// blobSet is an opened blob store: the App's main store and its roots.
type blobSet struct {
	main  anythingllm.BlobStore
	roots map[string]anythingllm.BlobStore
	close func()
}

// openBlobs opens the blob store spec names (file, database or s3://...).
// st is the database, for spec "database".
func openBlobs(ctx context.Context, cfg *Config, spec string, st *bunstore.Store) (*blobSet, error) {
	if err := checkBlobSpec(spec); err != nil {
		return nil, err
	}
	set := &blobSet{roots: map[string]anythingllm.BlobStore{}, close: func() {}}
	switch {
	case spec == blobFile:
		main, err := blobstore.NewFS(filepath.Clean(cfg.StorageDir), nil)
		if err != nil {
			return nil, fmt.Errorf("opening STORAGE_DIR %s: %w", cfg.StorageDir, err)
		}
		opened := []*blobstore.FS{main}
		set.close = func() {
			for _, fs := range opened {
				_ = fs.Close()
			}
		}
		set.main = main
		for _, r := range blobRoots {
			dir := filepath.Join(cfg.StorageDir, filepath.FromSlash(r.dir))
			if r.envVar != "" && cfg.Env(r.envVar) != "" {
				dir = cfg.Env(r.envVar)
			}
			fs, err := blobstore.NewFS(dir, nil)
			if err != nil {
				set.close()
				return nil, fmt.Errorf("opening the %s root %s: %w", r.name, dir, err)
			}
			opened = append(opened, fs)
			set.roots[r.name] = fs
		}
		return set, nil
	case spec == blobDatabase:
		blobs := st.Blobs()
		// Remove what a process killed in the middle of an upload left.
		if _, err := blobs.Sweep(ctx); err != nil {
			return nil, fmt.Errorf("opening the database blob store: %w", err)
		}
		set.main = blobs
	default:
		s3, err := s3blob.Open(ctx, spec, &s3blob.Options{Getenv: cfg.Env})
		if err != nil {
			return nil, fmt.Errorf("opening the S3 blob store: %w", err)
		}
		set.main = s3
	}
	for _, r := range blobRoots {
		set.roots[r.name] = blobstore.Sub(set.main, r.dir)
	}
	return set, nil
}

// provideBlobs opens BLOB_STORE: the App's blob store and the Files API
// roots.
func provideBlobs(ctx context.Context, cfg *Config, st *bunstore.Store, logger *slog.Logger) (*blobSet, func(), error) {
	set, err := openBlobs(ctx, cfg, cfg.BlobStore, st)
	if err != nil {
		return nil, nil, err
	}
	if cfg.BlobStore != blobFile {
		warnLocalDocuments(ctx, cfg, set, logger)
	}
	return set, set.close, nil
}

// warnLocalDocuments says how to move documents that a file store under
// STORAGE_DIR still holds when the shared store has none (an upgrade to
// PostgreSQL's default, BLOB_STORE=database).
func warnLocalDocuments(ctx context.Context, cfg *Config, set *blobSet, logger *slog.Logger) {
	local, err := blobstore.NewFS(filepath.Join(cfg.StorageDir, "documents"), nil)
	if err != nil {
		return
	}
	defer local.Close()
	has := func(s anythingllm.BlobStore) bool {
		for _, err := range s.List(ctx, "") {
			return err == nil
		}
		return false
	}
	if has(local) && !has(set.roots[anythingllm.RootDocuments]) {
		logger.Warn("STORAGE_DIR/documents holds documents but the blob store has none; copy them with: anythingllm blobs copy --from file --to "+redactBlobSpec(cfg.BlobStore), "blob_store", redactBlobSpec(cfg.BlobStore))
	}
}

// redactBlobSpec shows a BLOB_STORE value without its query (which may
// carry an endpoint with credentials).
func redactBlobSpec(spec string) string {
	if i := strings.IndexByte(spec, '?'); i >= 0 {
		return spec[:i] + "?..."
	}
	return spec
}

func provideBlobStore(set *blobSet) anythingllm.BlobStore { return set.main }

func provideFileRoots(set *blobSet) map[string]anythingllm.BlobStore { return set.roots }

// runBlobs is `anythingllm blobs copy --from A --to B`.
func runBlobs(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "copy" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			fmt.Fprintln(e.stdout, blobsUsage)
			return flag.ErrHelp
		}
		fmt.Fprintln(e.stderr, blobsUsage)
		return errUsage
	}
	fs := newFlags(e, "blobs copy", "--from STORE --to STORE", "Copy every blob root (documents, direct-uploads, files, assets, vector-cache) from one blob store to\nanother, then verify each copied file by its SHA-256. STORE is file, database or s3://BUCKET?... as\nin BLOB_STORE. Files already present with the same content are skipped, so a copy can be resumed.")
	from := fs.String("from", "", "source store: file, database or s3://...")
	to := fs.String("to", "", "target store: file, database or s3://...")
	if err := parse(e, fs, args[1:]); err != nil {
		return err
	}
	if *from == "" || *to == "" || *from == *to {
		fmt.Fprintln(e.stderr, "anythingllm blobs copy: --from and --to are required and must differ")
		fs.Usage()
		return errUsage
	}
	cfg, st, err := configAndStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	src, err := openBlobs(ctx, cfg, *from, st)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	defer src.close()
	dst, err := openBlobs(ctx, cfg, *to, st)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	defer dst.close()
	var total blobstore.CopyStats
	for _, r := range blobRoots {
		last := time.Time{}
		stats, err := blobstore.Copy(ctx, dst.roots[r.name], src.roots[r.name], &blobstore.CopyOptions{
			SkipExisting: true,
			Progress: func(done, n int64, key string) {
				if time.Since(last) > 500*time.Millisecond || done == n {
					last = time.Now()
					fmt.Fprintf(e.stderr, "\r%s: %d of %d bytes (%d%%)", r.dir, done, n, done*100/max(n, 1))
				}
			},
		})
		if err != nil {
			fmt.Fprintln(e.stderr)
			return fmt.Errorf("copying %s: %w", r.dir, err)
		}
		if stats.Files+stats.Skipped > 0 {
			fmt.Fprintln(e.stderr)
		}
		total.Files += stats.Files
		total.Bytes += stats.Bytes
		total.Skipped += stats.Skipped
	}
	fmt.Fprintf(e.stdout, "copied and verified %d files (%d bytes), %d already present\n", total.Files, total.Bytes, total.Skipped)
	return nil
}

const blobsUsage = `Usage: anythingllm blobs copy --from STORE --to STORE

Copy every blob root from one blob store to another and verify it.
STORE is file (STORAGE_DIR), database (DATABASE_URL or the SQLite file) or
s3://BUCKET?endpoint=URL&region=R&prefix=P (AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY from the environment).`
