package s3blob_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/blobstore/blobstoretest"
	"github.com/anythingllm-go/anythingllm/storage/blobstore/s3blob"
	"github.com/minio/minio-go/v7"
)

// URLEnv names the test server's URL; the credentials come from
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
const URLEnv = "ANYTHINGLLM_TEST_S3_URL"

// open returns a store under a fresh random prefix of the test bucket
// (created if missing), emptied when the test ends.
func open(t *testing.T, opts *s3blob.Options) *s3blob.Store {
	t.Helper()
	raw := os.Getenv(URLEnv)
	if raw == "" {
		t.Skipf("%s is not set; skipping the S3 run (e.g. %s='s3://test?endpoint=http://127.0.0.1:9000&region=us-east-1' with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; .ci/steps/20-minio.sh starts a MinIO)", URLEnv, URLEnv)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("%s does not parse", URLEnv)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	q := u.Query()
	q.Set("prefix", strings.Trim(q.Get("prefix")+"/test-"+hex.EncodeToString(b[:]), "/"))
	u.RawQuery = q.Encode()
	o := s3blob.Options{CreateBucket: true}
	if opts != nil {
		o = *opts
		o.CreateBucket = true
	}
	ctx := context.Background()
	s, err := s3blob.Open(ctx, u.String(), &o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c := s.Client()
		for obj := range c.ListObjects(ctx, s.Bucket(), minio.ListObjectsOptions{Prefix: s.Prefix(), Recursive: true}) {
			if obj.Err == nil {
				_ = c.RemoveObject(ctx, s.Bucket(), obj.Key, minio.RemoveObjectOptions{})
			}
		}
	})
	return s
}

func TestConformanceS3(t *testing.T) {
	if os.Getenv(URLEnv) == "" {
		open(t, nil) // skips, saying why
	}
	blobstoretest.RunConformanceTests(t, func(t *testing.T) anythingllm.BlobStore { return open(t, nil) })
}

// A blob larger than a part goes up as a multipart upload and reads back
// whole; the reader is read in bounded pieces.
func TestS3Multipart(t *testing.T) {
	s := open(t, &s3blob.Options{PartSize: 5 << 20})
	ctx := context.Background()
	const size = 12<<20 + 123
	src := &countingReader{left: size}
	if err := s.Put(ctx, "big/blob.bin", src); err != nil {
		t.Fatal(err)
	}
	info, err := s.Stat(ctx, "big/blob.bin")
	if err != nil || info.Size != size {
		t.Fatalf("Stat = %+v, %v", info, err)
	}
	r, err := s.Open(ctx, "big/blob.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n, err := io.Copy(io.Discard, &checkReader{r: r})
	if err != nil || n != size {
		t.Fatalf("read %d bytes, %v", n, err)
	}
	// Move copies server-side, part by part, and refuses an existing
	// target without leaving an upload behind.
	if err := s.Move(ctx, "big/blob.bin", "moved/blob.bin"); err != nil {
		t.Fatal(err)
	}
	r2, err := s.Open(ctx, "moved/blob.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if n, err := io.Copy(io.Discard, &checkReader{r: r2}); err != nil || n != size {
		t.Fatalf("moved blob: read %d bytes, %v", n, err)
	}
	if _, err := s.Stat(ctx, "big/blob.bin"); !errors.Is(err, anythingllm.ErrNotFound) {
		t.Fatalf("source still there after Move: %v", err)
	}
	if err := s.Put(ctx, "big/empty", strings.NewReader("")); err != nil {
		t.Fatal(err)
	}
	if err := s.Move(ctx, "big/empty", "moved/empty"); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "big/other", strings.NewReader("other")); err != nil {
		t.Fatal(err)
	}
	if err := s.Move(ctx, "big/other", "moved/blob.bin"); !errors.Is(err, anythingllm.ErrAlreadyExists) {
		t.Fatalf("Move onto an existing key = %v", err)
	}
	for u := range s.Client().ListIncompleteUploads(ctx, s.Bucket(), s.Prefix(), true) {
		t.Errorf("upload left behind: %+v", u)
	}
	// A multipart upload that fails mid-way leaves nothing.
	if err := s.Put(ctx, "big/failed.bin", io.MultiReader(&countingReader{left: 11 << 20}, failing{})); err == nil {
		t.Fatal("Put with a failing reader succeeded")
	}
	if _, err := s.Stat(ctx, "big/failed.bin"); !errors.Is(err, anythingllm.ErrNotFound) {
		t.Fatalf("a failed Put left an object: %v", err)
	}
	for u := range s.Client().ListIncompleteUploads(ctx, s.Bucket(), s.Prefix(), true) {
		t.Errorf("a failed Put left an upload: %+v", u)
	}
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("source broke") }

// countingReader yields left bytes of a known pattern: byte i is i%251.
type countingReader struct{ off, left int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	if c.left == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), c.left)]
	for i := range p {
		p[i] = byte((c.off + int64(i)) % 251)
	}
	c.off += int64(len(p))
	c.left -= int64(len(p))
	return len(p), nil
}

type checkReader struct {
	r   io.Reader
	off int64
}

func (c *checkReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i := range n {
		if p[i] != byte((c.off+int64(i))%251) {
			return n, errors.New("content differs")
		}
	}
	c.off += int64(n)
	return n, err
}

func TestS3OpenRefusesBadURLsWithoutLeakingSecrets(t *testing.T) {
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "very-secret-value"}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	for _, raw := range []string{
		"http://bucket", "s3://", "s3://bucket/path", "s3://bucket?endpoint=ftp://x", "s3://bucket?endpoint=http://",
		"s3://AKIDEXAMPLE:very-secret-value@bucket?endpoint=http://127.0.0.1:1", "s3://bucket?foo=bar",
		"s3://bucket?prefix=../x", "s3://bucket?endpoint=http://very-secret-value@127.0.0.1:1", "s3://%zz",
	} {
		_, err := s3blob.Open(ctx, raw, &s3blob.Options{Getenv: getenv})
		if !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Errorf("Open(%q) = %v, want ErrInvalidArgument", raw, err)
		}
		if err != nil && strings.Contains(err.Error(), "very-secret-value") {
			t.Errorf("Open(%q) error shows the secret: %v", raw, err)
		}
	}
	_, err := s3blob.Open(ctx, "s3://bucket?endpoint=http://127.0.0.1:9", &s3blob.Options{Getenv: func(string) string { return "" }})
	if !errors.Is(err, anythingllm.ErrInvalidArgument) {
		t.Errorf("Open without credentials = %v, want ErrInvalidArgument", err)
	}
	// An unreachable server is Unavailable, and the error does not show
	// the secret.
	_, err = s3blob.Open(ctx, "s3://bucket?endpoint=http://127.0.0.1:9", &s3blob.Options{Getenv: getenv})
	if !errors.Is(err, anythingllm.ErrUnavailable) || strings.Contains(err.Error(), "very-secret-value") {
		t.Errorf("Open of an unreachable server = %v, want ErrUnavailable without the secret", err)
	}
}

// Wrong credentials are refused with a coded error that does not show
// the secret.
func TestS3WrongCredentials(t *testing.T) {
	raw := os.Getenv(URLEnv)
	if raw == "" {
		t.Skipf("%s is not set; skipping the S3 run", URLEnv)
	}
	_, err := s3blob.Open(context.Background(), raw, &s3blob.Options{Getenv: func(k string) string {
		if k == "AWS_SECRET_ACCESS_KEY" {
			return "wrong-secret-for-test"
		}
		return os.Getenv(k)
	}})
	if !errors.Is(err, anythingllm.ErrUnavailable) || strings.Contains(err.Error(), "wrong-secret-for-test") {
		t.Fatalf("Open with a wrong secret = %v, want ErrUnavailable without the secret", err)
	}
}
