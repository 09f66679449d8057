package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"iter"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/uptrace/bun/driver/pgdriver"
)

// BlobsOptions tune NewBlobs. A nil *BlobsOptions means the defaults.
type BlobsOptions struct {
	// ChunkSize is the size of the pieces a blob is stored in; default
	// DefaultChunkSize. Put and Open hold one chunk in memory at a time.
	ChunkSize int
	// SweepAfter is how old an unreferenced content (left by a process
	// that died in the middle of a Put) must be before Sweep removes it;
	// default 24 hours. It must be longer than the slowest Put.
	SweepAfter time.Duration
	// ReadGrace is how long the content a Put replaced (or a Delete
	// removed) is kept for readers that opened it before; default one
	// minute. A negative value removes it at once.
	ReadGrace time.Duration
}

// DefaultChunkSize is the default BlobsOptions.ChunkSize: 1 MiB.
const DefaultChunkSize = 1 << 20

// Blobs is an anythingllm.BlobStore kept in the store's SQL database
// (tables blobs, blob_contents and blob_chunks, created by Migrate), so
// several replicas on one database share their files. It passes
// storage/blobstore/blobstoretest on SQLite and on PostgreSQL.
//
//	st, _ := bunstore.Open(ctx, "postgres://...", nil)
//	_ = st.Migrate(ctx)
//	blobs := st.Blobs() // or bunstore.NewBlobs(st, &bunstore.BlobsOptions{ChunkSize: 4 << 20})
//	err := blobs.Put(ctx, "documents/custom-documents/a.json", r)
//
// A Put streams r into chunks of a new content row, each chunk its own
// statement, so a large blob is never held whole in memory nor in one
// transaction; then one transaction points the key at the new content and
// deletes the old. Open reads the key's row and first chunk in one
// statement and the other chunks as the reader asks for them, holding no
// connection in between. The content a Put replaces, or a Delete removes,
// is kept for BlobsOptions.ReadGrace (a minute) before it is deleted, so a
// reader that opened it before reads it whole; a reader slower than that
// gets an error (ErrUnavailable, "changed while being read"), never a mix
// of old and new bytes.
//
// Blobs work outside any transaction of the Store they come from. Folders
// are rows of their own, created by MkdirAll and, as on a file system, for
// every parent of a Put or Move target.
type Blobs struct {
	s          *Store
	chunk      int
	sweepAfter time.Duration
	readGrace  time.Duration
}

var _ anythingllm.BlobStore = (*Blobs)(nil)

// Blobs returns the store's blob store with the default options.
func (s *Store) Blobs() *Blobs { return NewBlobs(s, nil) }

// NewBlobs returns a blob store on s's database.
func NewBlobs(s *Store, opts *BlobsOptions) *Blobs {
	b := &Blobs{s: s, chunk: DefaultChunkSize, sweepAfter: 24 * time.Hour, readGrace: time.Minute}
	if opts != nil {
		if opts.ChunkSize > 0 {
			b.chunk = opts.ChunkSize
		}
		if opts.SweepAfter > 0 {
			b.sweepAfter = opts.SweepAfter
		}
		if opts.ReadGrace != 0 {
			b.readGrace = opts.ReadGrace
		}
	}
	return b
}

// rebind turns ? placeholders into PostgreSQL's $n. The queries here have
// no ? inside literals.
func (b *Blobs) rebind(q string) string {
	if !b.s.postgres {
		return q
	}
	var sb strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			sb.WriteByte('$')
			sb.WriteString(strconv.Itoa(n))
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// lock is the row lock a transaction's SELECT takes on PostgreSQL (SQLite
// serialises writers, so it needs none).
func (b *Blobs) lock(mode string) string {
	if b.s.postgres {
		return " FOR " + mode
	}
	return ""
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// tx runs fn in a write transaction, retrying PostgreSQL serialisation
// failures and deadlocks.
func (b *Blobs) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	for attempt := 0; ; attempt++ {
		tx, err := b.s.wdb.DB.BeginTx(ctx, nil)
		if err != nil {
			return b.dbErr(ctx, err)
		}
		err = fn(tx)
		if err == nil {
			err = tx.Commit()
		} else {
			_ = tx.Rollback()
		}
		if err != nil && attempt < 4 && retryable(err) {
			continue
		}
		if err != nil {
			return b.dbErr(ctx, err)
		}
		return nil
	}
}

func retryable(err error) bool {
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		switch pgErr.Field('C') {
		case "40001", "40P01":
			return true
		}
	}
	return false
}

// dbErr codes a database error; coded errors and context errors pass.
func (b *Blobs) dbErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sql.ErrTxDone) || errors.Is(err, sql.ErrConnDone)) {
		return ctx.Err()
	}
	var coded *anythingllm.Error
	if errors.As(err, &coded) {
		return err
	}
	return mapErr(err, "blob")
}

func quote(key string) string { return strconv.Quote(shorten(key)) }

func shorten(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

func blobNotFound(key string) error {
	return anythingllm.WrapError(anythingllm.NotFound, anythingllm.ErrNotFound, "%s not found", quote(key))
}

func isFolderErr(key string) error {
	return anythingllm.Errorf(anythingllm.InvalidArgument, "%s is a folder", quote(key))
}

func fileInTheWay(key string) error {
	return anythingllm.Errorf(anythingllm.InvalidArgument, "%s: a file stands where a folder is needed", quote(key))
}

// parentOf is the folder key is listed in; "" is the root.
func parentOf(key string) string {
	if d := path.Dir(key); d != "." {
		return d
	}
	return ""
}

// ancestors lists key's folders from the top: "a/b/c" gives a, a/b.
func ancestors(key string) []string {
	var out []string
	for i := 0; i < len(key); i++ {
		if key[i] == '/' {
			out = append(out, key[:i])
		}
	}
	return out
}

type blobRow struct {
	isDir     bool
	contentID sql.NullInt64
	size      int64
	modTime   time.Time
}

// row reads key's row; found is false when there is none.
func (b *Blobs) row(ctx context.Context, q execer, key, lock string) (r blobRow, found bool, err error) {
	err = q.QueryRowContext(ctx, b.rebind(`SELECT is_dir, content_id, size, mod_time FROM blobs WHERE name = ?`+lock), key).
		Scan(&r.isDir, &r.contentID, &r.size, &r.modTime)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	return r, err == nil, err
}

// ensureDirs creates the folders dirs (listed parents first) that do not
// exist and checks that each is a folder, keeping them locked on
// PostgreSQL so that no concurrent Delete removes them before commit.
// what names the key for errors.
func (b *Blobs) ensureDirs(ctx context.Context, tx *sql.Tx, dirs []string, what string, now time.Time) error {
	if len(dirs) == 0 {
		return nil
	}
	for range 5 {
		for _, d := range dirs {
			if _, err := tx.ExecContext(ctx, b.rebind(`INSERT INTO blobs (name, parent, is_dir, size, mod_time) VALUES (?, ?, ?, 0, ?) ON CONFLICT (name) DO NOTHING`),
				d, parentOf(d), true, now); err != nil {
				return err
			}
		}
		args := make([]any, len(dirs))
		for i, d := range dirs {
			args[i] = d
		}
		rows, err := tx.QueryContext(ctx, b.rebind(`SELECT name, is_dir FROM blobs WHERE name IN (`+placeholders(len(dirs))+`)`+b.lock("SHARE")), args...)
		if err != nil {
			return err
		}
		seen := 0
		file := false
		for rows.Next() {
			var name string
			var isDir bool
			if err := rows.Scan(&name, &isDir); err != nil {
				rows.Close()
				return err
			}
			seen++
			file = file || !isDir
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if file {
			return fileInTheWay(what)
		}
		if seen == len(dirs) {
			return nil
		}
		// A concurrent DeleteAll removed a folder between the insert
		// and the check; insert again.
	}
	return anythingllm.Errorf(anythingllm.Unavailable, "%s: its folders keep being deleted", quote(what))
}

// Put writes r to key, creating parent folders. Nothing is visible until
// r is drained and the switch is committed; on any error (also ctx ending)
// the key keeps its old content and the new chunks are removed.
func (b *Blobs) Put(ctx context.Context, key string, r io.Reader) error {
	if err := blobstore.ValidKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Fail early, before streaming, when the key cannot be written; the
	// transaction checks again.
	if cur, found, err := b.row(ctx, b.s.db.DB, key, ""); err != nil {
		return b.dbErr(ctx, err)
	} else if found && cur.isDir {
		return isFolderErr(key)
	}
	id, size, err := b.writeContent(ctx, key, r)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			b.dropContents(context.WithoutCancel(ctx), []int64{id})
		}
	}()
	now := time.Now().UTC()
	err = b.tx(ctx, func(tx *sql.Tx) error {
		if err := b.ensureDirs(ctx, tx, ancestors(key), key, now); err != nil {
			return err
		}
		for range 5 {
			cur, found, err := b.row(ctx, tx, key, b.lock("UPDATE"))
			if err != nil {
				return err
			}
			if found {
				if cur.isDir {
					return isFolderErr(key)
				}
				if _, err := tx.ExecContext(ctx, b.rebind(`UPDATE blobs SET content_id = ?, size = ?, mod_time = ? WHERE name = ?`), id, size, now, key); err != nil {
					return err
				}
				if cur.contentID.Valid {
					return b.release(ctx, tx, []any{cur.contentID.Int64}, now)
				}
				return nil
			}
			res, err := tx.ExecContext(ctx, b.rebind(`INSERT INTO blobs (name, parent, is_dir, content_id, size, mod_time) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`),
				key, parentOf(key), false, id, size, now)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 1 {
				return err
			}
			// A concurrent Put inserted the key first: lock its row
			// and replace it.
		}
		return anythingllm.Errorf(anythingllm.Unavailable, "%s keeps changing", quote(key))
	})
	if err != nil {
		return err
	}
	committed = true
	b.purge(ctx)
	return nil
}

// release marks contents no longer referenced, for purge to delete after
// the read grace; with a negative grace it deletes them at once.
func (b *Blobs) release(ctx context.Context, tx *sql.Tx, ids []any, now time.Time) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		var err error
		if b.readGrace < 0 {
			_, err = tx.ExecContext(ctx, b.rebind(`DELETE FROM blob_contents WHERE id IN (`+placeholders(n)+`)`), ids[:n]...)
		} else {
			_, err = tx.ExecContext(ctx, b.rebind(`UPDATE blob_contents SET released_at = ? WHERE id IN (`+placeholders(n)+`)`), append([]any{now}, ids[:n]...)...)
		}
		if err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// purge deletes the contents released longer than the read grace ago.
// Errors are left for the next write or Sweep.
func (b *Blobs) purge(ctx context.Context) {
	if b.readGrace < 0 {
		return
	}
	_, _ = b.s.wdb.DB.ExecContext(context.WithoutCancel(ctx), b.rebind(`DELETE FROM blob_contents WHERE released_at < ?`), time.Now().UTC().Add(-b.readGrace))
}

// writeContent streams r into a new content's chunks and returns its id
// and size. On error the content is removed.
func (b *Blobs) writeContent(ctx context.Context, key string, r io.Reader) (int64, int64, error) {
	var id, size int64
	if err := b.s.wdb.DB.QueryRowContext(ctx, b.rebind(`INSERT INTO blob_contents (created_at) VALUES (?) RETURNING id`), time.Now().UTC()).Scan(&id); err != nil {
		return 0, 0, b.dbErr(ctx, err)
	}
	ok := false
	defer func() {
		if !ok {
			b.dropContents(context.WithoutCancel(ctx), []int64{id})
		}
	}()
	buf := make([]byte, b.chunk)
	for seq := 0; ; seq++ {
		n, rerr := io.ReadFull(r, buf)
		if cerr := ctx.Err(); cerr != nil {
			return 0, 0, cerr
		}
		if rerr != nil && rerr != io.EOF && rerr != io.ErrUnexpectedEOF {
			var coded *anythingllm.Error
			if errors.As(rerr, &coded) || errors.Is(rerr, context.Canceled) || errors.Is(rerr, context.DeadlineExceeded) {
				return 0, 0, rerr
			}
			return 0, 0, anythingllm.WrapError(anythingllm.Unavailable, rerr, "writing %s failed", quote(key))
		}
		if n > 0 {
			if _, err := b.s.wdb.DB.ExecContext(ctx, b.rebind(`INSERT INTO blob_chunks (content_id, seq, data) VALUES (?, ?, ?)`), id, seq, buf[:n]); err != nil {
				return 0, 0, b.dbErr(ctx, err)
			}
			size += int64(n)
		}
		if rerr != nil { // EOF
			break
		}
	}
	ok = true
	return id, size, nil
}

// dropContents deletes contents (their chunks go with them); errors are
// left for Sweep.
func (b *Blobs) dropContents(ctx context.Context, ids []int64) {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		_, _ = b.s.wdb.DB.ExecContext(ctx, b.rebind(`DELETE FROM blob_contents WHERE id IN (`+placeholders(n)+`)`), args...)
		ids = ids[n:]
	}
}

// Sweep removes contents no blob refers to that are older than
// BlobsOptions.SweepAfter: what a process killed in the middle of a Put
// leaves behind (and released contents past their read grace). It returns how many it removed. Run it now and then (at
// start, say); it is safe beside running Puts younger than SweepAfter.
func (b *Blobs) Sweep(ctx context.Context) (int64, error) {
	res, err := b.s.wdb.DB.ExecContext(ctx, b.rebind(`DELETE FROM blob_contents WHERE (created_at < ? AND released_at IS NULL AND NOT EXISTS (SELECT 1 FROM blobs WHERE blobs.content_id = blob_contents.id)) OR released_at < ?`),
		time.Now().UTC().Add(-b.sweepAfter), time.Now().UTC().Add(-max(b.readGrace, 0)))
	if err != nil {
		return 0, b.dbErr(ctx, err)
	}
	n, err := res.RowsAffected()
	return n, b.dbErr(ctx, err)
}

// Open reads key; ErrNotFound if absent, ErrInvalidArgument for a folder.
func (b *Blobs) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := blobstore.ValidKey(key); err != nil {
		return nil, err
	}
	var isDir bool
	var contentID sql.NullInt64
	var size int64
	var first []byte
	err := b.s.db.DB.QueryRowContext(ctx, b.rebind(`SELECT b.is_dir, b.content_id, b.size, c.data FROM blobs b LEFT JOIN blob_chunks c ON c.content_id = b.content_id AND c.seq = 0 WHERE b.name = ?`), key).
		Scan(&isDir, &contentID, &size, &first)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, blobNotFound(key)
	case err != nil:
		return nil, b.dbErr(ctx, err)
	case isDir:
		return nil, isFolderErr(key)
	case int64(len(first)) > size:
		return nil, anythingllm.Errorf(anythingllm.Internal, "%s: stored chunk larger than the blob", quote(key))
	}
	if size > 0 && len(first) == 0 {
		return nil, b.changed(key)
	}
	return &blobReader{b: b, ctx: ctx, key: key, id: contentID.Int64, left: size - int64(len(first)), buf: first, next: 1}, nil
}

func (b *Blobs) changed(key string) error {
	return anythingllm.Errorf(anythingllm.Unavailable, "%s changed while being read; read it again", quote(key))
}

// blobReader streams a content's chunks in order.
type blobReader struct {
	b      *Blobs
	ctx    context.Context
	key    string
	id     int64
	left   int64 // bytes not yet fetched
	buf    []byte
	next   int
	err    error
	closed bool
}

func (r *blobReader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, errors.New("bunstore: read of a closed blob")
	}
	for len(r.buf) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.left == 0 {
			return 0, io.EOF
		}
		var data []byte
		err := r.b.s.db.DB.QueryRowContext(r.ctx, r.b.rebind(`SELECT data FROM blob_chunks WHERE content_id = ? AND seq = ?`), r.id, r.next).Scan(&data)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			r.err = r.b.changed(r.key)
		case err != nil:
			r.err = r.b.dbErr(r.ctx, err)
		case int64(len(data)) > r.left || len(data) == 0:
			r.err = anythingllm.Errorf(anythingllm.Internal, "%s: stored chunks do not add up to its size", quote(r.key))
		default:
			r.buf = data
			r.left -= int64(len(data))
			r.next++
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (r *blobReader) Close() error {
	r.closed = true
	r.buf = nil
	return nil
}

// Stat describes key; "" is the root folder.
func (b *Blobs) Stat(ctx context.Context, key string) (anythingllm.BlobInfo, error) {
	if key == "" {
		return anythingllm.BlobInfo{IsDir: true}, nil
	}
	if err := blobstore.ValidKey(key); err != nil {
		return anythingllm.BlobInfo{}, err
	}
	r, found, err := b.row(ctx, b.s.db.DB, key, "")
	if err != nil {
		return anythingllm.BlobInfo{}, b.dbErr(ctx, err)
	}
	if !found {
		return anythingllm.BlobInfo{}, blobNotFound(key)
	}
	return anythingllm.BlobInfo{Key: key, Size: r.size, ModTime: r.modTime.UTC(), IsDir: r.isDir}, nil
}

// Delete removes a file or an empty folder.
func (b *Blobs) Delete(ctx context.Context, key string) error {
	if err := blobstore.ValidKey(key); err != nil {
		return err
	}
	err := b.tx(ctx, func(tx *sql.Tx) error {
		r, found, err := b.row(ctx, tx, key, b.lock("UPDATE"))
		switch {
		case err != nil:
			return err
		case !found:
			return blobNotFound(key)
		case r.isDir:
			var one int
			err := tx.QueryRowContext(ctx, b.rebind(`SELECT 1 FROM blobs WHERE parent = ? LIMIT 1`), key).Scan(&one)
			if err == nil {
				return anythingllm.Errorf(anythingllm.FailedPrecondition, "%s is not empty", quote(key))
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, b.rebind(`DELETE FROM blobs WHERE name = ?`), key); err != nil {
			return err
		}
		if r.contentID.Valid {
			return b.release(ctx, tx, []any{r.contentID.Int64}, time.Now().UTC())
		}
		return nil
	})
	if err == nil {
		b.purge(ctx)
	}
	return err
}

// DeleteAll removes key and everything below it; absent is not an error.
func (b *Blobs) DeleteAll(ctx context.Context, key string) error {
	if err := blobstore.ValidKey(key); err != nil {
		return err
	}
	err := b.tx(ctx, func(tx *sql.Tx) error {
		r, found, err := b.row(ctx, tx, key, b.lock("UPDATE"))
		if err != nil || !found {
			return err
		}
		names := []any{key}
		var contents []any
		if r.contentID.Valid {
			contents = append(contents, r.contentID.Int64)
		}
		// Walk the folders level by level through the parent index.
		for level := []any{key}; r.isDir && len(level) > 0; {
			var next []any
			for len(level) > 0 {
				n := min(len(level), 500)
				rows, err := tx.QueryContext(ctx, b.rebind(`SELECT name, is_dir, content_id FROM blobs WHERE parent IN (`+placeholders(n)+`)`+b.lock("UPDATE")), level[:n]...)
				if err != nil {
					return err
				}
				for rows.Next() {
					var name string
					var isDir bool
					var cid sql.NullInt64
					if err := rows.Scan(&name, &isDir, &cid); err != nil {
						rows.Close()
						return err
					}
					names = append(names, name)
					if isDir {
						next = append(next, name)
					}
					if cid.Valid {
						contents = append(contents, cid.Int64)
					}
				}
				if err := rows.Close(); err != nil {
					return err
				}
				if err := rows.Err(); err != nil {
					return err
				}
				level = level[n:]
			}
			level = next
		}
		for batch := names; len(batch) > 0; {
			n := min(len(batch), 500)
			if _, err := tx.ExecContext(ctx, b.rebind(`DELETE FROM blobs WHERE name IN (`+placeholders(n)+`)`), batch[:n]...); err != nil {
				return err
			}
			batch = batch[n:]
		}
		return b.release(ctx, tx, contents, time.Now().UTC())
	})
	if err == nil {
		b.purge(ctx)
	}
	return err
}

// Move renames the file from to to, refusing to overwrite; folders cannot
// be moved. Only the name changes: the content is not copied.
func (b *Blobs) Move(ctx context.Context, from, to string) error {
	if err := blobstore.ValidKey(from); err != nil {
		return err
	}
	if err := blobstore.ValidKey(to); err != nil {
		return err
	}
	return b.tx(ctx, func(tx *sql.Tx) error {
		r, found, err := b.row(ctx, tx, from, b.lock("UPDATE"))
		switch {
		case err != nil:
			return err
		case !found:
			return blobNotFound(from)
		case r.isDir:
			return isFolderErr(from)
		}
		if _, exists, err := b.row(ctx, tx, to, ""); err != nil {
			return err
		} else if exists {
			return anythingllm.Errorf(anythingllm.AlreadyExists, "%s already exists", quote(to))
		}
		if err := b.ensureDirs(ctx, tx, ancestors(to), to, time.Now().UTC()); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, b.rebind(`UPDATE blobs SET name = ?, parent = ? WHERE name = ?`), to, parentOf(to), from)
		if anythingllm.Code(mapErr(err, "")) == anythingllm.AlreadyExists {
			return anythingllm.WrapError(anythingllm.AlreadyExists, err, "%s already exists", quote(to))
		}
		return err
	})
}

// MkdirAll creates a folder and its parents; an existing folder is fine.
func (b *Blobs) MkdirAll(ctx context.Context, key string) error {
	if err := blobstore.ValidKey(key); err != nil {
		return err
	}
	return b.tx(ctx, func(tx *sql.Tx) error {
		return b.ensureDirs(ctx, tx, append(ancestors(key), key), key, time.Now().UTC())
	})
}

// List yields the direct children of the folder prefix ("" = the root),
// sorted by key (byte order), from one query made when iteration starts.
func (b *Blobs) List(ctx context.Context, prefix string) iter.Seq2[anythingllm.BlobInfo, error] {
	return func(yield func(anythingllm.BlobInfo, error) bool) {
		out, err := b.children(ctx, prefix)
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

func (b *Blobs) children(ctx context.Context, prefix string) ([]anythingllm.BlobInfo, error) {
	if prefix != "" {
		if err := blobstore.ValidKey(prefix); err != nil {
			return nil, err
		}
		r, found, err := b.row(ctx, b.s.db.DB, prefix, "")
		switch {
		case err != nil:
			return nil, b.dbErr(ctx, err)
		case !found:
			return nil, blobNotFound(prefix)
		case !r.isDir:
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is not a folder", quote(prefix))
		}
	}
	rows, err := b.s.db.DB.QueryContext(ctx, b.rebind(`SELECT name, is_dir, size, mod_time FROM blobs WHERE parent = ?`), prefix)
	if err != nil {
		return nil, b.dbErr(ctx, err)
	}
	defer rows.Close()
	var out []anythingllm.BlobInfo
	for rows.Next() {
		var info anythingllm.BlobInfo
		if err := rows.Scan(&info.Key, &info.IsDir, &info.Size, &info.ModTime); err != nil {
			return nil, b.dbErr(ctx, err)
		}
		info.ModTime = info.ModTime.UTC()
		out = append(out, info)
	}
	if err := rows.Err(); err != nil {
		return nil, b.dbErr(ctx, err)
	}
	// Sorted here, in byte order: a database's text order follows its
	// collation.
	slices.SortFunc(out, func(x, y anythingllm.BlobInfo) int { return strings.Compare(x.Key, y.Key) })
	return out, nil
}
