// Package s3blob is an anythingllm.BlobStore on an S3-compatible object
// store (AWS S3, MinIO, Ceph RGW, ...), for several replicas sharing their
// files. It passes storage/blobstore/blobstoretest against a real MinIO.
//
//	st, err := s3blob.Open(ctx, "s3://my-bucket?endpoint=https://minio.example:9000&region=us-east-1&prefix=anythingllm", nil)
//
// The bucket is the URL's host. Query parameters: endpoint (http:// or
// https://, addressed path-style; default https://s3.amazonaws.com),
// region, and prefix (a folder inside the bucket that holds the store).
// Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and, if
// set, AWS_SESSION_TOKEN (read through Options.Getenv); they never appear
// in errors.
//
// A blob key k is the object PREFIX/k. A folder is a zero-byte marker
// object "PREFIX/k/", written by MkdirAll and, as a file system would, for
// the parent folders of every Put and Move, so a folder stays when its last
// file goes; a folder is also recognised when only objects below it exist.
// Put streams as a multipart upload (Options.PartSize per part, the only
// memory it holds), which S3 makes visible atomically when it completes.
// Move is a server-side copy that S3 completes only if the target is
// absent (a multipart upload of copied parts, completed with
// If-None-Match: *, which MinIO and S3 honour where a plain copy's
// If-None-Match is ignored), then a delete of the source; so of two Moves
// to one name only one succeeds, and a crash between the two steps leaves
// both names with the same bytes.
//
// Checks that span several objects (is a parent a file? is a folder
// empty?) are made before the write and are not atomic with it: two
// replicas racing to make "a" both a file and a folder can end with both.
package s3blob

import (
	"context"
	"errors"
	"io"
	"iter"
	"net/http"
	"net/url"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Options tune Open. A nil *Options means the defaults.
type Options struct {
	// Getenv reads the credentials' environment variables; default
	// os.Getenv.
	Getenv func(string) string
	// PartSize is the multipart upload's part size, the memory one Put
	// holds; default 16 MiB, at least 5 MiB (S3's minimum).
	PartSize uint64
	// CreateBucket creates the bucket when it does not exist.
	CreateBucket bool
	// Transport is the HTTP transport; default http.DefaultTransport's
	// settings.
	Transport http.RoundTripper
}

// DefaultPartSize is the default Options.PartSize.
const DefaultPartSize = 16 << 20

const minPartSize = 5 << 20

// Store is a blob store in one bucket, under one prefix.
type Store struct {
	c        *minio.Client
	bucket   string
	prefix   string // "" or ending in "/"
	partSize uint64
}

var _ anythingllm.BlobStore = (*Store)(nil)

func invalidURL(why string) error {
	return anythingllm.Errorf(anythingllm.InvalidArgument, "invalid S3 URL: %s (want s3://BUCKET?endpoint=URL&region=R&prefix=P)", why)
}

// Open connects to the store named by rawURL and checks that its bucket
// exists (creating it with Options.CreateBucket).
func Open(ctx context.Context, rawURL string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.PartSize == 0 {
		o.PartSize = DefaultPartSize
	}
	if o.PartSize < minPartSize {
		o.PartSize = minPartSize
	}
	u, err := url.Parse(rawURL)
	if err != nil { // its text would quote the URL
		return nil, invalidURL("it does not parse")
	}
	switch {
	case u.Scheme != "s3":
		return nil, invalidURL("the scheme must be s3")
	case u.User != nil:
		return nil, invalidURL("credentials do not belong in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	case u.Host == "":
		return nil, invalidURL("no bucket")
	case u.Path != "" && u.Path != "/":
		return nil, invalidURL("a path is not allowed; use prefix=")
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "endpoint", "region", "prefix":
		default:
			return nil, invalidURL("unknown parameter " + strconv.Quote(k))
		}
	}
	endpoint := q.Get("endpoint")
	if endpoint == "" {
		endpoint = "https://s3.amazonaws.com"
	}
	eu, err := url.Parse(endpoint)
	if err != nil || (eu.Scheme != "http" && eu.Scheme != "https") || eu.Host == "" || eu.User != nil || (eu.Path != "" && eu.Path != "/") {
		return nil, invalidURL("endpoint must be http://HOST[:PORT] or https://HOST[:PORT]")
	}
	prefix := strings.Trim(q.Get("prefix"), "/")
	if prefix != "" {
		if err := blobstore.ValidKey(prefix); err != nil {
			return nil, invalidURL("bad prefix")
		}
		prefix += "/"
	}
	id, secret := o.Getenv("AWS_ACCESS_KEY_ID"), o.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "S3 store: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	mo := &minio.Options{
		Creds:        credentials.NewStaticV4(id, secret, o.Getenv("AWS_SESSION_TOKEN")),
		Secure:       eu.Scheme == "https",
		Region:       q.Get("region"),
		BucketLookup: minio.BucketLookupPath,
		Transport:    o.Transport,
	}
	c, err := minio.New(eu.Host, mo)
	if err != nil {
		return nil, anythingllm.WrapError(anythingllm.InvalidArgument, err, "S3 store: bad settings")
	}
	s := &Store{c: c, bucket: u.Host, prefix: prefix, partSize: o.PartSize}
	ok, err := c.BucketExists(ctx, s.bucket)
	if err != nil {
		return nil, s.mapErr(ctx, err, "")
	}
	if !ok {
		if !o.CreateBucket {
			return nil, anythingllm.Errorf(anythingllm.NotFound, "S3 bucket %s does not exist", strconv.Quote(s.bucket))
		}
		if err := c.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: q.Get("region")}); err != nil {
			if code := minio.ToErrorResponse(err).Code; code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
				return nil, s.mapErr(ctx, err, "")
			}
		}
	}
	return s, nil
}

// Client returns the underlying minio client, for advanced use.
func (s *Store) Client() *minio.Client { return s.c }

// Bucket returns the bucket's name.
func (s *Store) Bucket() string { return s.bucket }

// Prefix returns the object-name prefix of every key ("" or ending in "/").
func (s *Store) Prefix() string { return s.prefix }

func (s *Store) obj(key string) string { return s.prefix + key }

// dirObj is the marker and listing prefix of folder key ("" = the root).
func (s *Store) dirObj(key string) string {
	if key == "" {
		return s.prefix
	}
	return s.prefix + key + "/"
}

func quote(key string) string {
	if len(key) > 64 {
		key = key[:64] + "..."
	}
	return strconv.Quote(key)
}

func notFound(key string) error {
	return anythingllm.WrapError(anythingllm.NotFound, anythingllm.ErrNotFound, "%s not found", quote(key))
}

func fileInTheWay(key string) error {
	return anythingllm.Errorf(anythingllm.InvalidArgument, "%s: a file stands where a folder is needed", quote(key))
}

// mapErr codes an S3 error. Their texts carry no credentials.
func (s *Store) mapErr(ctx context.Context, err error, key string) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var coded *anythingllm.Error
	if errors.As(err, &coded) {
		return err
	}
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	case "NoSuchKey", "NotFound":
		return notFound(key)
	case "NoSuchBucket":
		return anythingllm.WrapError(anythingllm.Unavailable, err, "S3 bucket %s does not exist", strconv.Quote(s.bucket))
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken":
		return anythingllm.WrapError(anythingllm.Unavailable, err, "the S3 store refused the credentials")
	case "PreconditionFailed":
		return anythingllm.WrapError(anythingllm.AlreadyExists, err, "%s already exists", quote(key))
	}
	if resp.StatusCode == http.StatusNotFound {
		return notFound(key)
	}
	return anythingllm.WrapError(anythingllm.Unavailable, err, "S3 storage error")
}

func isNotFound(err error) bool {
	switch minio.ToErrorResponse(err).Code {
	case "NoSuchKey", "NotFound":
		return true
	}
	return false
}

// stat returns the object's info; found is false when it does not exist.
func (s *Store) stat(ctx context.Context, name string) (minio.ObjectInfo, bool, error) {
	info, err := s.c.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{})
	if err != nil {
		if isNotFound(err) {
			return info, false, nil
		}
		return info, false, err
	}
	return info, true, nil
}

// isFile reports whether key is a file.
func (s *Store) isFile(ctx context.Context, key string) (bool, error) {
	_, ok, err := s.stat(ctx, s.obj(key))
	return ok, err
}

// dirInfo reports whether key is a folder: its marker exists or objects
// below it do.
func (s *Store) dirInfo(ctx context.Context, key string) (anythingllm.BlobInfo, bool, error) {
	if key == "" {
		return anythingllm.BlobInfo{IsDir: true}, true, nil
	}
	info, ok, err := s.stat(ctx, s.dirObj(key))
	if err != nil {
		return anythingllm.BlobInfo{}, false, err
	}
	if ok {
		return anythingllm.BlobInfo{Key: key, IsDir: true, ModTime: info.LastModified.UTC()}, true, nil
	}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for o := range s.c.ListObjects(lctx, s.bucket, minio.ListObjectsOptions{Prefix: s.dirObj(key), Recursive: true, MaxKeys: 1}) {
		if o.Err != nil {
			return anythingllm.BlobInfo{}, false, o.Err
		}
		return anythingllm.BlobInfo{Key: key, IsDir: true}, true, nil
	}
	return anythingllm.BlobInfo{}, false, nil
}

// parents lists key's folders from the top: "a/b/c" gives a, a/b.
func parents(key string) []string {
	var out []string
	for i := 0; i < len(key); i++ {
		if key[i] == '/' {
			out = append(out, key[:i])
		}
	}
	return out
}

// checkDirs fails if a file stands where one of dirs would go.
func (s *Store) checkDirs(ctx context.Context, dirs []string, what string) error {
	for _, d := range dirs {
		file, err := s.isFile(ctx, d)
		if err != nil {
			return s.mapErr(ctx, err, d)
		}
		if file {
			return fileInTheWay(what)
		}
	}
	return nil
}

// markDirs writes the marker objects of dirs.
func (s *Store) markDirs(ctx context.Context, dirs []string) error {
	for _, d := range dirs {
		if _, err := s.c.PutObject(ctx, s.bucket, s.dirObj(d), strings.NewReader(""), 0, minio.PutObjectOptions{ContentType: "application/x-directory"}); err != nil {
			return s.mapErr(ctx, err, d)
		}
	}
	return nil
}

// ctxReader stops an upload when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Put streams r to key as a multipart upload; the object appears whole
// when the upload completes, and a failed upload is aborted.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	if err := blobstore.ValidKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, dir, err := s.dirInfo(ctx, key); err != nil {
		return s.mapErr(ctx, err, key)
	} else if dir {
		return anythingllm.Errorf(anythingllm.InvalidArgument, "%s is a folder", quote(key))
	}
	dirs := parents(key)
	if err := s.checkDirs(ctx, dirs, key); err != nil {
		return err
	}
	src := &errReader{r: ctxReader{ctx, r}}
	_, err := s.c.PutObject(ctx, s.bucket, s.obj(key), src, -1, minio.PutObjectOptions{PartSize: s.partSize, DisableContentSha256: true})
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if src.err != nil {
			var coded *anythingllm.Error
			if errors.As(src.err, &coded) {
				return src.err
			}
			return anythingllm.WrapError(anythingllm.Unavailable, src.err, "writing %s failed", quote(key))
		}
		return s.mapErr(ctx, err, key)
	}
	return s.markDirs(ctx, dirs)
}

// errReader remembers the source's error, to tell it from S3's.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// Open streams key.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := blobstore.ValidKey(key); err != nil {
		return nil, err
	}
	// One GET, streamed: the body is one version of the object, whole,
	// however long the reader takes.
	body, _, _, err := minio.Core{Client: s.c}.GetObject(ctx, s.bucket, s.obj(key), minio.GetObjectOptions{})
	if err == nil {
		return body, nil
	}
	if !isNotFound(err) {
		return nil, s.mapErr(ctx, err, key)
	}
	if _, dir, derr := s.dirInfo(ctx, key); derr != nil {
		return nil, s.mapErr(ctx, derr, key)
	} else if dir {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is a folder", quote(key))
	}
	return nil, notFound(key)
}

// Stat describes key; "" is the root folder.
func (s *Store) Stat(ctx context.Context, key string) (anythingllm.BlobInfo, error) {
	if key == "" {
		return anythingllm.BlobInfo{IsDir: true}, nil
	}
	if err := blobstore.ValidKey(key); err != nil {
		return anythingllm.BlobInfo{}, err
	}
	info, ok, err := s.stat(ctx, s.obj(key))
	if err != nil {
		return anythingllm.BlobInfo{}, s.mapErr(ctx, err, key)
	}
	if ok {
		return anythingllm.BlobInfo{Key: key, Size: info.Size, ModTime: info.LastModified.UTC()}, nil
	}
	d, ok, err := s.dirInfo(ctx, key)
	if err != nil {
		return anythingllm.BlobInfo{}, s.mapErr(ctx, err, key)
	}
	if !ok {
		return anythingllm.BlobInfo{}, notFound(key)
	}
	return d, nil
}

// Delete removes a file or an empty folder.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := blobstore.ValidKey(key); err != nil {
		return err
	}
	file, err := s.isFile(ctx, key)
	if err != nil {
		return s.mapErr(ctx, err, key)
	}
	if file {
		return s.mapErr(ctx, s.c.RemoveObject(ctx, s.bucket, s.obj(key), minio.RemoveObjectOptions{}), key)
	}
	marker := s.dirObj(key)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	found := false
	for o := range s.c.ListObjects(lctx, s.bucket, minio.ListObjectsOptions{Prefix: marker, Recursive: true}) {
		if o.Err != nil {
			return s.mapErr(ctx, o.Err, key)
		}
		if o.Key != marker {
			return anythingllm.Errorf(anythingllm.FailedPrecondition, "%s is not empty", quote(key))
		}
		found = true
	}
	if !found {
		return notFound(key)
	}
	return s.mapErr(ctx, s.c.RemoveObject(ctx, s.bucket, marker, minio.RemoveObjectOptions{}), key)
}

// DeleteAll removes key and everything below it; absent is not an error.
func (s *Store) DeleteAll(ctx context.Context, key string) error {
	if err := blobstore.ValidKey(key); err != nil {
		return err
	}
	if err := s.c.RemoveObject(ctx, s.bucket, s.obj(key), minio.RemoveObjectOptions{}); err != nil && !isNotFound(err) {
		return s.mapErr(ctx, err, key)
	}
	return s.removePrefix(ctx, s.dirObj(key))
}

// removePrefix deletes every object whose name starts with prefix.
func (s *Store) removePrefix(ctx context.Context, prefix string) error {
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	objs := make(chan minio.ObjectInfo)
	var listErr error
	go func() {
		defer close(objs)
		for o := range s.c.ListObjects(lctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
			if o.Err != nil {
				listErr = o.Err
				return
			}
			select {
			case objs <- o:
			case <-lctx.Done():
				return
			}
		}
	}()
	var rmErr error
	for e := range s.c.RemoveObjects(lctx, s.bucket, objs, minio.RemoveObjectsOptions{}) {
		if rmErr == nil && e.Err != nil && !isNotFound(e.Err) {
			rmErr = e.Err
			cancel()
		}
	}
	if rmErr != nil {
		return s.mapErr(ctx, rmErr, prefix)
	}
	return s.mapErr(ctx, listErr, prefix)
}

// Move renames the file from to to by a copy that S3 refuses when to
// exists, then deletes from. Folders cannot be moved.
func (s *Store) Move(ctx context.Context, from, to string) error {
	if err := blobstore.ValidKey(from); err != nil {
		return err
	}
	if err := blobstore.ValidKey(to); err != nil {
		return err
	}
	info, ok, err := s.stat(ctx, s.obj(from))
	if err != nil {
		return s.mapErr(ctx, err, from)
	}
	if !ok {
		if _, dir, err := s.dirInfo(ctx, from); err != nil {
			return s.mapErr(ctx, err, from)
		} else if dir {
			return anythingllm.Errorf(anythingllm.InvalidArgument, "%s is a folder", quote(from))
		}
		return notFound(from)
	}
	exists, err := s.isFile(ctx, to)
	if err == nil && !exists {
		_, exists, err = s.dirInfo(ctx, to)
	}
	if err != nil {
		return s.mapErr(ctx, err, to)
	}
	if exists {
		return anythingllm.Errorf(anythingllm.AlreadyExists, "%s already exists", quote(to))
	}
	dirs := parents(to)
	if err := s.checkDirs(ctx, dirs, to); err != nil {
		return err
	}
	if err := s.copyIfAbsent(ctx, info, from, to); err != nil {
		return err
	}
	if err := s.markDirs(ctx, dirs); err != nil {
		return err
	}
	return s.mapErr(ctx, s.c.RemoveObject(ctx, s.bucket, s.obj(from), minio.RemoveObjectOptions{}), from)
}

// maxCopyPart is the largest part S3 copies in one request.
const maxCopyPart = 5 << 30

// copyIfAbsent copies the object from (the version info describes) to to,
// server-side, refusing with ErrAlreadyExists when to exists. S3 has no
// rename, and MinIO ignores If-None-Match on a plain copy, but honours it
// on completing a multipart upload: so the copy is a multipart upload
// whose parts are server-side copies (If-Match on the source's ETag),
// completed only if to is still absent. An empty object, which has no
// range to copy, is a conditional PUT.
func (s *Store) copyIfAbsent(ctx context.Context, info minio.ObjectInfo, from, to string) error {
	refused := func(err error) error {
		if minio.ToErrorResponse(err).Code == "PreconditionFailed" {
			return anythingllm.WrapError(anythingllm.AlreadyExists, err, "%s already exists", quote(to))
		}
		return s.mapErr(ctx, err, to)
	}
	popts := minio.PutObjectOptions{ContentType: info.ContentType}
	popts.SetMatchETagExcept("*")
	if info.Size == 0 {
		_, err := s.c.PutObject(ctx, s.bucket, s.obj(to), strings.NewReader(""), 0, popts)
		return refused(err)
	}
	core := minio.Core{Client: s.c}
	id, err := core.NewMultipartUpload(ctx, s.bucket, s.obj(to), minio.PutObjectOptions{ContentType: info.ContentType})
	if err != nil {
		return s.mapErr(ctx, err, to)
	}
	done := false
	defer func() {
		if !done {
			_ = core.AbortMultipartUpload(context.WithoutCancel(ctx), s.bucket, s.obj(to), id)
		}
	}()
	var parts []minio.CompletePart
	for off, n := int64(0), 1; off < info.Size; off, n = off+maxCopyPart, n+1 {
		length := min(int64(maxCopyPart), info.Size-off)
		p, err := core.CopyObjectPart(ctx, s.bucket, s.obj(from), s.bucket, s.obj(to), id, n, off, length,
			map[string]string{"x-amz-copy-source-if-match": info.ETag})
		if err != nil {
			if isNotFound(err) || minio.ToErrorResponse(err).Code == "PreconditionFailed" {
				return notFound(from) // moved or replaced meanwhile
			}
			return s.mapErr(ctx, err, from)
		}
		parts = append(parts, minio.CompletePart{PartNumber: n, ETag: p.ETag})
	}
	if _, err := core.CompleteMultipartUpload(ctx, s.bucket, s.obj(to), id, parts, popts); err != nil {
		return refused(err)
	}
	done = true
	return nil
}

// MkdirAll creates a folder and its parents.
func (s *Store) MkdirAll(ctx context.Context, key string) error {
	if err := blobstore.ValidKey(key); err != nil {
		return err
	}
	dirs := append(parents(key), key)
	if err := s.checkDirs(ctx, dirs, key); err != nil {
		return err
	}
	return s.markDirs(ctx, dirs)
}

// List yields the direct children of the folder prefix ("" = the root),
// sorted by key, from a listing made when iteration starts.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[anythingllm.BlobInfo, error] {
	return func(yield func(anythingllm.BlobInfo, error) bool) {
		out, err := s.children(ctx, prefix)
		if err != nil {
			yield(anythingllm.BlobInfo{}, err)
			return
		}
		for _, info := range out {
			if err := ctx.Err(); err != nil {
				yield(anythingllm.BlobInfo{}, err)
				return
			}
			if !yield(info, nil) {
				return
			}
		}
	}
}

func (s *Store) children(ctx context.Context, prefix string) ([]anythingllm.BlobInfo, error) {
	if prefix != "" {
		if err := blobstore.ValidKey(prefix); err != nil {
			return nil, err
		}
		file, err := s.isFile(ctx, prefix)
		if err != nil {
			return nil, s.mapErr(ctx, err, prefix)
		}
		if file {
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is not a folder", quote(prefix))
		}
	}
	p := s.dirObj(prefix)
	var out []anythingllm.BlobInfo
	seen := false
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: p}) {
		if o.Err != nil {
			return nil, s.mapErr(ctx, o.Err, prefix)
		}
		seen = true
		rest := strings.TrimPrefix(o.Key, p)
		if rest == "" { // the folder's own marker
			continue
		}
		if name, ok := strings.CutSuffix(rest, "/"); ok {
			out = append(out, anythingllm.BlobInfo{Key: path.Join(prefix, name), IsDir: true})
			continue
		}
		if blobstore.ValidKey(rest) != nil {
			continue // not written through a Store
		}
		out = append(out, anythingllm.BlobInfo{Key: path.Join(prefix, rest), Size: o.Size, ModTime: o.LastModified.UTC()})
	}
	if !seen && prefix != "" {
		return nil, notFound(prefix)
	}
	// S3 lists "d/sub.txt" before the folder "d/sub/"; keys sort without
	// the slash.
	slices.SortFunc(out, func(x, y anythingllm.BlobInfo) int { return strings.Compare(x.Key, y.Key) })
	return out, nil
}
