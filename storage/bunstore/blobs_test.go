package bunstore_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/blobstore/blobstoretest"
	"github.com/anythingllm-go/anythingllm/storage/bunstore"
	"github.com/anythingllm-go/anythingllm/storage/bunstore/bunstoretest"
)

func TestBlobsConformanceSQLite(t *testing.T) {
	blobstoretest.RunConformanceTests(t, func(t *testing.T) anythingllm.BlobStore { return bunstoretest.SQLite(t).Blobs() })
}

func TestBlobsConformanceSQLiteMemory(t *testing.T) {
	blobstoretest.RunConformanceTests(t, func(t *testing.T) anythingllm.BlobStore { return bunstoretest.SQLiteAt(t, ":memory:").Blobs() })
}

func TestBlobsConformancePostgres(t *testing.T) {
	blobstoretest.RunConformanceTests(t, func(t *testing.T) anythingllm.BlobStore { return bunstoretest.Postgres(t).Blobs() })
}

// Small chunks, so that the suite runs the multi-chunk paths.
func TestBlobsConformanceSmallChunks(t *testing.T) {
	blobstoretest.RunConformanceTests(t, func(t *testing.T) anythingllm.BlobStore {
		return bunstore.NewBlobs(bunstoretest.SQLite(t), &bunstore.BlobsOptions{ChunkSize: 1000})
	})
}

func TestBlobsConformanceSmallChunksPostgres(t *testing.T) {
	blobstoretest.RunConformanceTests(t, func(t *testing.T) anythingllm.BlobStore {
		return bunstore.NewBlobs(bunstoretest.Postgres(t), &bunstore.BlobsOptions{ChunkSize: 1000})
	})
}

func eachDB(t *testing.T, fn func(t *testing.T, st *bunstore.Store)) {
	t.Run("SQLite", func(t *testing.T) { fn(t, bunstoretest.SQLite(t)) })
	t.Run("Postgres", func(t *testing.T) { fn(t, bunstoretest.Postgres(t)) })
}

func count(t *testing.T, st *bunstore.Store, table string) int {
	t.Helper()
	var n int
	if err := st.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// onlyReader hides a reader's other methods (WriterTo and the like) and
// records the largest read asked of it.
type onlyReader struct {
	r   io.Reader
	max int
}

func (o *onlyReader) Read(p []byte) (int, error) {
	o.max = max(o.max, len(p))
	return o.r.Read(p)
}

func TestBlobsStoredInChunks(t *testing.T) {
	eachDB(t, func(t *testing.T, st *bunstore.Store) {
		ctx := context.Background()
		b := bunstore.NewBlobs(st, &bunstore.BlobsOptions{ChunkSize: 4096, ReadGrace: -1})
		data := bytes.Repeat([]byte("0123456789abcdef"), 4096*10/16+7) // 10 chunks and a bit
		src := &onlyReader{r: bytes.NewReader(data)}
		if err := b.Put(ctx, "big/file.bin", src); err != nil {
			t.Fatal(err)
		}
		if src.max > 4096 {
			t.Fatalf("Put asked for %d bytes at once, want at most a chunk", src.max)
		}
		if got := count(t, st, "blob_chunks"); got != 11 {
			t.Fatalf("%d chunks stored, want 11", got)
		}
		r, err := b.Open(ctx, "big/file.bin")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read back %d bytes (%v), want %d", len(got), err, len(data))
		}
		// Replacing and deleting leave no chunks behind.
		if err := b.Put(ctx, "big/file.bin", strings.NewReader("small")); err != nil {
			t.Fatal(err)
		}
		if got := count(t, st, "blob_chunks"); got != 1 {
			t.Fatalf("%d chunks after replace, want 1", got)
		}
		if err := b.Put(ctx, "big/empty", strings.NewReader("")); err != nil {
			t.Fatal(err)
		}
		if err := b.DeleteAll(ctx, "big"); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"blobs", "blob_contents", "blob_chunks"} {
			if n := count(t, st, table); n != 0 {
				t.Fatalf("%d rows left in %s", n, table)
			}
		}
	})
}

func TestBlobsFailedPutLeavesNoChunks(t *testing.T) {
	eachDB(t, func(t *testing.T, st *bunstore.Store) {
		ctx := context.Background()
		b := bunstore.NewBlobs(st, &bunstore.BlobsOptions{ChunkSize: 1024})
		if err := b.Put(ctx, "x", io.MultiReader(strings.NewReader(strings.Repeat("y", 5000)), failing{})); err == nil {
			t.Fatal("Put with a failing reader succeeded")
		}
		if err := b.MkdirAll(ctx, "d"); err != nil {
			t.Fatal(err)
		}
		if err := b.Put(ctx, "d", strings.NewReader(strings.Repeat("y", 5000))); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Fatalf("Put onto a folder = %v", err)
		}
		if err := b.Put(ctx, "f", strings.NewReader("file")); err != nil {
			t.Fatal(err)
		}
		if err := b.Put(ctx, "f/below", strings.NewReader(strings.Repeat("y", 5000))); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Fatalf("Put below a file = %v", err)
		}
		if c, ch := count(t, st, "blob_contents"), count(t, st, "blob_chunks"); c != 1 || ch != 1 {
			t.Fatalf("%d contents and %d chunks after failed Puts, want 1 and 1", c, ch)
		}
	})
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("source broke") }

// A reader of a multi-chunk blob replaced while it reads reads the old
// content whole within the read grace; past it (here: no grace) it gets an
// error, never bytes of the new content after bytes of the old. Released
// contents are removed once the grace has passed.
func TestBlobsReplacedWhileReading(t *testing.T) {
	eachDB(t, func(t *testing.T, st *bunstore.Store) {
		ctx := context.Background()
		for _, grace := range []time.Duration{0, -1} {
			b := bunstore.NewBlobs(st, &bunstore.BlobsOptions{ChunkSize: 100, ReadGrace: grace})
			if err := b.Put(ctx, "k", strings.NewReader(strings.Repeat("a", 350))); err != nil {
				t.Fatal(err)
			}
			r, err := b.Open(ctx, "k")
			if err != nil {
				t.Fatal(err)
			}
			first := make([]byte, 100)
			if _, err := io.ReadFull(r, first); err != nil {
				t.Fatal(err)
			}
			if err := b.Put(ctx, "k", strings.NewReader(strings.Repeat("b", 350))); err != nil {
				t.Fatal(err)
			}
			rest, err := io.ReadAll(r)
			r.Close()
			if grace == 0 {
				if err != nil || string(first)+string(rest) != strings.Repeat("a", 350) {
					t.Fatalf("reading a blob replaced within the grace: %d bytes, %v", len(rest), err)
				}
				continue
			}
			if !errors.Is(err, anythingllm.ErrUnavailable) {
				t.Fatalf("reading a replaced blob with no grace: %d bytes, %v; want ErrUnavailable", len(rest), err)
			}
			if strings.Contains(string(rest), "b") {
				t.Fatal("a reader saw new bytes after old ones")
			}
		}
		// After the grace, the next write removes released contents.
		b := bunstore.NewBlobs(st, &bunstore.BlobsOptions{ReadGrace: time.Millisecond})
		if err := b.Delete(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
		if err := b.Put(ctx, "other", strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
		if c, ch := count(t, st, "blob_contents"), count(t, st, "blob_chunks"); c != 1 || ch != 1 {
			t.Fatalf("%d contents and %d chunks left, want 1 and 1", c, ch)
		}
	})
}

// Sweep removes what a Put killed mid-way left, and nothing in use.
func TestBlobsSweep(t *testing.T) {
	eachDB(t, func(t *testing.T, st *bunstore.Store) {
		ctx := context.Background()
		b := bunstore.NewBlobs(st, &bunstore.BlobsOptions{SweepAfter: time.Minute})
		if err := b.Put(ctx, "kept", strings.NewReader("kept")); err != nil {
			t.Fatal(err)
		}
		if err := b.Put(ctx, "replaced", strings.NewReader("v1")); err != nil {
			t.Fatal(err)
		}
		old := time.Now().UTC().Add(-time.Hour)
		// Make every content old, then replace one: its old content is
		// released but within the read grace, so Sweep keeps it.
		if _, err := st.DB().NewRaw("UPDATE blob_contents SET created_at = ?", old).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.Put(ctx, "replaced", strings.NewReader("v2")); err != nil {
			t.Fatal(err)
		}
		// An orphan, as a killed Put leaves it, and a young one, as a
		// running Put has it.
		for _, at := range []time.Time{old, time.Now().UTC()} {
			if _, err := st.DB().NewRaw("INSERT INTO blob_contents (created_at) VALUES (?)", at).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		n, err := b.Sweep(ctx)
		if err != nil || n != 1 {
			t.Fatalf("Sweep = %d, %v; want 1", n, err)
		}
		if got := count(t, st, "blob_contents"); got != 4 { // kept, replaced v1 (in grace) and v2, the young one
			t.Fatalf("%d contents left, want 4", got)
		}
		// Past the grace, Sweep removes the released one too.
		if _, err := st.DB().NewRaw("UPDATE blob_contents SET released_at = ? WHERE released_at IS NOT NULL", old).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := b.Sweep(ctx); err != nil || n != 1 {
			t.Fatalf("second Sweep = %d, %v; want 1", n, err)
		}
		r, err := b.Open(ctx, "kept")
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r)
		if string(got) != "kept" {
			t.Fatalf("kept blob reads %q", got)
		}
	})
}
