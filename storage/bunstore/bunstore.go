// Package bunstore is the SQL implementation of anythingllm.Store, on
// github.com/uptrace/bun. It runs on SQLite by default (a pure-Go driver:
// no cgo, WAL journal, busy timeout, foreign keys on) and on PostgreSQL when
// given a postgres:// DSN. Both pass storage/storetest.
//
//	st, err := bunstore.OpenDir(ctx, "./storage", nil) // ./storage/anythingllm.db
//	if err != nil { ... }
//	defer st.Close()
//	if err := st.Migrate(ctx); err != nil { ... }
//
// Vectors are stored with their workspace documents, in the same
// transaction, as float32 little-endian blobs: the database, the documents
// and the vectors always agree, also after a crash.
//
// The same transaction appends to the vector change log (vector_changes),
// which Store serves as an anythingllm.VectorChangeLog: every process
// follows it to keep its in-memory index coherent (vectordb/follow). On
// PostgreSQL the append also NOTIFYs the followers; on SQLite they poll.
// Store is also an anythingllm.Locker (PostgreSQL advisory locks, or a lock
// file beside the SQLite database) for work that must run once.
//
// On SQLite, every chat turn's database work is kept small: writes go
// through one writer connection (writers queue in Go, not in SQLite's
// sleeping busy handler), concurrent chat saves share one commit (group
// commit), the per-request queries are prepared once, and the rows every
// turn reads but that rarely change (a workspace, its pinned documents, a
// conversation's recent history) are cached in memory. Every write made
// through the Store keeps that cache exact; a write made around it (DB(),
// or another process) is seen within a second. API keys and users are
// never cached, so a key revoked by the CLI fails at once.
package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	"github.com/uptrace/bun/driver/sqliteshim"
)

// Options tune Open. A nil *Options means the defaults.
type Options struct {
	// BusyTimeout is how long a SQLite writer waits for the write lock;
	// default 10 s.
	BusyTimeout time.Duration
	// SearchPath sets PostgreSQL's search_path (a schema name), e.g. to
	// isolate tests.
	SearchPath string
	// MaxOpenConns caps the connection pool; default 8 for SQLite and 20
	// for PostgreSQL.
	MaxOpenConns int
}

// Store is an anythingllm.Store on a SQL database.
type Store struct {
	db *bun.DB
	// wdb takes every write. On a SQLite file it is a pool of one
	// connection, so the process's writers queue in Go instead of
	// sleeping in SQLite's busy handler (which backs off by up to 100 ms
	// and made p99 latency under concurrent chats several times worse);
	// SQLite admits one writer at a time anyway. Elsewhere it is db.
	wdb      *bun.DB
	idb      bun.IDB // db, or the transaction of a tx-bound Store
	stmts    *stmtCache
	chats    *chatCommitter // SQLite files only
	cache    *readCache     // SQLite files only
	lists    *chatLists     // SQLite files only
	postgres bool
	inTx     bool
	path     string   // the SQLite file; "" on PostgreSQL and ":memory:"
	locks    *lockSet // the Locker's held locks, released by Close
	schema   string   // Options.SearchPath: scopes the Locker's names
}

// FileName is the SQLite file OpenDir uses inside the storage folder.
const FileName = "anythingllm.db"

// OpenDir opens (creating if needed) the SQLite database STORAGE_DIR/anythingllm.db.
func OpenDir(ctx context.Context, storageDir string, opts *Options) (*Store, error) {
	return Open(ctx, filepath.Join(storageDir, FileName), opts)
}

// IsPostgresDSN reports whether dsn names a PostgreSQL database.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens a database: a postgres:// or postgresql:// DSN selects
// PostgreSQL; anything else is a SQLite file path (or ":memory:").
// It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 10 * time.Second
	}
	s := &Store{stmts: &stmtCache{}, locks: &lockSet{}}
	if IsPostgresDSN(dsn) {
		copts := []pgdriver.Option{pgdriver.WithDSN(dsn)}
		if o.SearchPath != "" {
			copts = append(copts, pgdriver.WithConnParams(map[string]any{"search_path": o.SearchPath}))
		}
		sqldb := sql.OpenDB(pgdriver.NewConnector(copts...))
		if o.MaxOpenConns <= 0 {
			o.MaxOpenConns = 20
		}
		sqldb.SetMaxOpenConns(o.MaxOpenConns)
		sqldb.SetMaxIdleConns(o.MaxOpenConns)
		s.db = bun.NewDB(sqldb, pgdialect.New())
		s.postgres = true
		s.schema = o.SearchPath
		if u, err := url.Parse(dsn); err == nil && s.schema == "" {
			s.schema = u.Query().Get("search_path")
		}
	} else {
		path := strings.TrimPrefix(dsn, "file:")
		if path == "" {
			return nil, fmt.Errorf("bunstore: empty database path")
		}
		if path != ":memory:" {
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return nil, fmt.Errorf("bunstore: creating the database folder: %w", err)
			}
		}
		// WAL lets readers run beside the writer (the CLI beside the
		// server); with synchronous=NORMAL a commit is in the WAL file
		// before it returns, so killing the process loses no acknowledged
		// write (only an OS crash or power loss could lose the last ones).
		// _txlock=immediate takes the write lock at BEGIN, so concurrent
		// transactions wait (busy_timeout) instead of failing to upgrade.
		q := url.Values{}
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", o.BusyTimeout.Milliseconds()))
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", "foreign_keys(ON)")
		// Reads of the database file through a memory map instead of a
		// pread per page: a follower reading new documents' vectors
		// (vectordb/follow) spent a third of its CPU in those syscalls.
		// SQLite falls back to reads where mapping fails.
		q.Add("_pragma", "mmap_size(1073741824)")
		q.Set("_txlock", "immediate")
		dsn := "file:" + path + "?" + q.Encode()
		sqldb, err := sql.Open(sqliteshim.ShimName, dsn)
		if err != nil {
			return nil, fmt.Errorf("bunstore: opening %s: %w", path, err)
		}
		if o.MaxOpenConns <= 0 {
			o.MaxOpenConns = 8
		}
		if path == ":memory:" {
			o.MaxOpenConns = 1 // every connection would get its own empty database
		}
		sqldb.SetMaxOpenConns(o.MaxOpenConns)
		// database/sql keeps only 2 idle connections by default; the rest
		// were closed after each use and reopened (with their pragmas) on
		// the next, which cost more than the queries under load.
		sqldb.SetMaxIdleConns(o.MaxOpenConns)
		sqldb.SetConnMaxIdleTime(0)
		s.db = bun.NewDB(sqldb, sqlitedialect.New())
		if path != ":memory:" {
			s.path = path
			wsql, err := sql.Open(sqliteshim.ShimName, dsn)
			if err != nil {
				_ = s.db.Close()
				return nil, fmt.Errorf("bunstore: opening %s: %w", path, err)
			}
			wsql.SetMaxOpenConns(1)
			wsql.SetMaxIdleConns(1)
			wsql.SetConnMaxIdleTime(0)
			s.wdb = bun.NewDB(wsql, sqlitedialect.New())
			s.chats = &chatCommitter{wdb: wsql}
			s.cache = &readCache{}
			s.lists = &chatLists{rc: s.cache}
			s.chats.lists = s.lists
			s.wdb.AddQueryHook(invalidateHook{s.cache})
		}
	}
	if s.wdb == nil {
		s.wdb = s.db
	}
	s.idb = s.db
	for _, db := range s.dbs() {
		if err := ping(ctx, db, o.BusyTimeout); err != nil {
			_ = s.closeDBs()
			return nil, fmt.Errorf("bunstore: connecting: %w", err)
		}
	}
	return s, nil
}

// ping opens the first connection. On a new SQLite file, processes opening
// it at once race to switch it to WAL, and SQLite answers that pragma with
// SQLITE_BUSY at once instead of calling the busy handler; each new
// connection retries it, so the ping is retried for up to busyTimeout.
func ping(ctx context.Context, db *bun.DB, busyTimeout time.Duration) error {
	deadline := time.Now().Add(busyTimeout)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		err := db.PingContext(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

// isBusy reports a SQLite "database is locked" error from either driver
// sqliteshim may pick.
func isBusy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}

// dbs lists the distinct connection pools.
func (s *Store) dbs() []*bun.DB {
	if s.wdb == s.db {
		return []*bun.DB{s.db}
	}
	return []*bun.DB{s.db, s.wdb}
}

func (s *Store) closeDBs() error {
	var errs []error
	for _, db := range s.dbs() {
		errs = append(errs, db.Close())
	}
	return errors.Join(errs...)
}

func (s *Store) clearCache() {
	if s.cache != nil {
		s.cache.clear()
	}
}

// w is where a write goes: the transaction of a tx-bound Store, else the
// writer pool.
func (s *Store) w() bun.IDB {
	if s.inTx {
		return s.idb
	}
	return s.wdb
}

// DB returns the underlying bun database (the reader pool), for advanced
// use. Writes made through it bypass the Store's cache: cached workspaces,
// pinned lists and histories may lag them by up to a second.
func (s *Store) DB() *bun.DB { return s.db }

// IsPostgres reports whether the store runs on PostgreSQL.
func (s *Store) IsPostgres() bool { return s.postgres }

// Close closes the database.
func (s *Store) Close() error {
	if s.inTx {
		return nil
	}
	s.stmts.close()
	if s.chats != nil {
		s.chats.close()
	}
	s.locks.closeAll()
	return s.closeDBs()
}

// InTx runs fn in one transaction. Nested calls reuse the outer one.
func (s *Store) InTx(ctx context.Context, fn func(tx anythingllm.Store) error) error {
	if s.inTx {
		return fn(s)
	}
	defer s.clearCache() // after the commit (or rollback)
	return storeErr(s.wdb.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return fn(&Store{db: s.db, wdb: s.wdb, idb: tx, stmts: s.stmts, chats: s.chats, cache: s.cache, lists: s.lists, postgres: s.postgres, inTx: true, path: s.path, locks: s.locks, schema: s.schema})
	}))
}

// tx runs fn in a transaction unless the store is already in one.
func (s *Store) tx(ctx context.Context, fn func(idb bun.IDB) error) error {
	if s.inTx {
		return fn(s.idb)
	}
	defer s.clearCache() // after the commit (or rollback)
	return storeErr(s.wdb.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return fn(tx) }))
}

// storeErr codes what a transaction or a bulk read failed with: fn's own errors are coded
// already; a failed BEGIN or COMMIT (the database is gone, or refuses
// connections) is not, and must answer 503 rather than 500.
func storeErr(err error) error {
	var coded *anythingllm.Error
	if err == nil || errors.As(err, &coded) {
		return err
	}
	return mapErr(err, "transaction")
}

func (s *Store) Workspaces() anythingllm.WorkspaceStore { return workspaceStore{s} }
func (s *Store) Threads() anythingllm.ThreadStore       { return threadStore{s} }
func (s *Store) Chats() anythingllm.ChatStore           { return chatStore{s} }
func (s *Store) Documents() anythingllm.DocumentStore   { return documentStore{s} }
func (s *Store) Users() anythingllm.UserStore           { return userStore{s} }
func (s *Store) Invites() anythingllm.InviteStore       { return inviteStore{s} }
func (s *Store) APIKeys() anythingllm.APIKeyStore       { return apiKeyStore{s} }
func (s *Store) Settings() anythingllm.SettingsStore    { return settingsStore{s} }

// mapErr turns driver errors into coded errors. what names the row kind
// for messages ("workspace").
func mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return anythingllm.WrapError(anythingllm.NotFound, anythingllm.ErrNotFound, "%s not found", what)
	}
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		switch pgErr.Field('C') {
		case "23505":
			return anythingllm.WrapError(anythingllm.AlreadyExists, err, "%s already exists", what)
		case "23503":
			return anythingllm.WrapError(anythingllm.NotFound, err, "%s refers to a row that does not exist", what)
		}
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "UNIQUE constraint failed"):
		return anythingllm.WrapError(anythingllm.AlreadyExists, err, "%s already exists", what)
	case strings.Contains(msg, "FOREIGN KEY constraint failed"):
		return anythingllm.WrapError(anythingllm.NotFound, err, "%s refers to a row that does not exist", what)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return anythingllm.WrapError(anythingllm.Unavailable, err, "database error")
}

// affected reports ErrNotFound when an update or delete touched no row.
func affected(res sql.Result, err error, what string) error {
	if err != nil {
		return mapErr(err, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return mapErr(err, what)
	}
	if n == 0 {
		return mapErr(sql.ErrNoRows, what)
	}
	return nil
}
