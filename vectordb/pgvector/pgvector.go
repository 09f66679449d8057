// Package pgvector is an anythingllm.VectorStore on PostgreSQL with the
// pgvector extension (VECTOR_DB=pgvector in AnythingLLM's settings), for
// indexes larger than one machine's memory and for replicas that should
// share one index instead of each keeping its own.
//
//	s, err := pgvector.Open(ctx, "postgres://user:pass@db:5432/app?sslmode=disable",
//		&pgvector.Options{Table: "anythingllm_vectors"})
//	...
//	defer s.Close()
//
// Open creates the extension (CREATE EXTENSION IF NOT EXISTS vector) and a
// registry table <Table>_namespaces (namespace -> dimension). Vectors live in
// one table per dimension, <Table>_<dim>, made on the first upsert of that
// dimension (a vector(D) column needs a fixed D for an HNSW index):
//
//	namespace text, id text, doc_id text, text text, metadata jsonb,
//	embedding vector(D), PRIMARY KEY (namespace, id)
//
// with a btree index on (namespace, doc_id) and an HNSW index on embedding
// with vector_cosine_ops (up to 2,000 dimensions, pgvector's limit for
// vector; wider tables have none and are always scanned exactly). Several
// processes may open the same Table: creation takes an advisory lock, and
// every write is one transaction.
//
// A namespace holds vectors of one dimension: an upsert of another
// dimension is ErrInvalidArgument (an embedder change needs a reindex).
// Vectors are stored at unit length, so Score is the cosine similarity,
// Distance = 1 - Score, and equal scores rank by ID (byte order), as in
// every index here.
//
// Queries are exact by default: rows are ordered by their score, which the
// HNSW index cannot serve, so PostgreSQL scans the namespace's rows. With
// Options.Approximate the HNSW index answers instead (with pgvector's
// iterative scan, 0.8.0 or later, so filters still fill TopK): much faster
// on large tables, but it may miss true neighbours. PostgreSQL's planner
// still chooses: for a small table, or a namespace that is a small part of
// its table, it reads the rows and sorts them, which is exact. Without
// statistics (ANALYZE, which autovacuum runs) it takes every namespace for a
// small one.
//
// Matches carry ID, DocID, Text and Metadata (a JSON round trip: numbers
// come back as float64), but no Vector.
//
// Planner settings are only ever changed for one transaction
// (set_config(..., true)): on PGlite, which the tests run against
// (ANYTHINGLLM_TEST_PGVECTOR_DSN; .ci/steps/20-pglite.sh starts it), every
// client shares one backend session, so a plain SET would reach them all.
// PGlite also runs one transaction at a time and closes connections beyond
// its -m limit: keep MaxOpenConns at or below it.
package pgvector

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/vectordb/internal/vecmath"
	"github.com/uptrace/bun/driver/pgdriver"
)

// DefaultTable is the default table name prefix (AnythingLLM's
// PGVECTOR_TABLE_NAME default).
const DefaultTable = "anythingllm_vectors"

// Options tune the store. A nil *Options means the defaults.
type Options struct {
	// Table is the prefix of the tables the store uses (<Table>_namespaces,
	// <Table>_<dim>); default DefaultTable. It must be a plain SQL
	// identifier: a letter or underscore, then letters, digits and
	// underscores, at most 40 bytes (PostgreSQL names are 63 at most and
	// the store appends suffixes).
	Table string
	// MaxOpenConns bounds the connection pool; default 10.
	MaxOpenConns int
	// Approximate answers queries from the HNSW index (fast, may miss
	// neighbours) instead of an exact scan.
	Approximate bool
	// EfSearch is hnsw.ef_search for approximate queries, the size of the
	// candidate list: larger finds more true neighbours and costs more.
	// Default max(40, 2*TopK).
	EfSearch int
}

// maxHNSWDims is pgvector's limit on an HNSW index over a vector column.
const maxHNSWDims = 2000

// readTimeout bounds one statement's wait for the server, unless the DSN
// sets read_timeout.
const readTimeout = 2 * time.Minute

// batchRows is how many rows one INSERT carries (6 parameters each).
const batchRows = 500

// Store is a VectorStore on PostgreSQL. It is safe for concurrent use, also
// by several processes sharing one Table.
type Store struct {
	db       *sql.DB
	ownDB    bool
	table    string
	opts     Options
	iterScan bool // the server's pgvector has hnsw.iterative_scan

	mu     sync.Mutex
	tables map[int]bool // dimensions whose table this Store made or saw

	// planOff names planner settings (enable_sort, ...) that approximate
	// queries turn off; tests use it to make PostgreSQL walk the HNSW
	// graph of a table it would rather scan.
	planOff []string
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,39}$`)

// Open connects to the PostgreSQL server at dsn (postgres://...), creates the
// vector extension and the registry table if needed, and returns the store.
func Open(ctx context.Context, dsn string, opts *Options) (*Store, error) {
	o := withDefaults(opts)
	if !identRE.MatchString(o.Table) {
		return nil, badTable(o.Table)
	}
	conn, secret, err := connector(dsn)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(o.MaxOpenConns)
	db.SetMaxIdleConns(o.MaxOpenConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s, err := newStore(ctx, db, &o)
	if err != nil {
		_ = db.Close()
		return nil, redact(err, secret)
	}
	s.ownDB = true
	return s, nil
}

// New returns a store on an open PostgreSQL database (a pool of the
// caller's, which Close leaves open); it prepares the extension and the
// registry table as Open does. opts.MaxOpenConns is ignored.
func New(ctx context.Context, db *sql.DB, opts *Options) (*Store, error) {
	o := withDefaults(opts)
	if !identRE.MatchString(o.Table) {
		return nil, badTable(o.Table)
	}
	if db == nil {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "pgvector: no database")
	}
	return newStore(ctx, db, &o)
}

func withDefaults(opts *Options) Options {
	var o Options
	if opts != nil {
		o = *opts
	}
	o.Table = cmp.Or(o.Table, DefaultTable)
	if o.MaxOpenConns <= 0 {
		o.MaxOpenConns = 10
	}
	return o
}

func badTable(t string) error {
	return anythingllm.Errorf(anythingllm.InvalidArgument,
		"pgvector: table name %q is not a plain SQL identifier (a letter or _, then letters, digits or _, at most 40 bytes)", t)
}

// connector parses dsn without ever echoing it: url.Parse's errors and
// pgdriver's (it panics on a bad DSN) quote the whole DSN, password included.
func connector(dsn string) (c *pgdriver.Connector, secret string, err error) {
	u, perr := url.Parse(dsn)
	if perr != nil {
		var ue *url.Error
		if errors.As(perr, &ue) {
			perr = ue.Err
		}
		return nil, "", anythingllm.Errorf(anythingllm.InvalidArgument, "pgvector: invalid DSN: %v", perr)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, "", anythingllm.Errorf(anythingllm.InvalidArgument, "pgvector: the DSN must be postgres://user:password@host:port/database?sslmode=...")
	}
	if u.User != nil {
		secret, _ = u.User.Password()
	}
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, redact(anythingllm.Errorf(anythingllm.InvalidArgument, "pgvector: invalid DSN: %v", r), secret)
		}
	}()
	// pgdriver's default 10 s read timeout is too short for a batch of
	// rows going into a large HNSW index; the DSN's read_timeout (and the
	// caller's context) still bound it.
	return pgdriver.NewConnector(
		pgdriver.WithApplicationName("anythingllm-pgvector"),
		pgdriver.WithReadTimeout(readTimeout),
		pgdriver.WithDSN(dsn),
	), secret, nil
}

// redacted hides a password that a driver or server error might quote.
type redacted struct {
	err    error
	secret string
}

func (r *redacted) Error() string { return strings.ReplaceAll(r.err.Error(), r.secret, "xxxxx") }
func (r *redacted) Unwrap() error { return r.err }

func redact(err error, secret string) error {
	if err == nil || len(secret) < 3 {
		return err
	}
	var e *anythingllm.Error
	if errors.As(err, &e) && e.Err != nil {
		// Keep the code and client-safe message; hide the secret in the cause.
		c := *e
		c.Message = strings.ReplaceAll(c.Message, secret, "xxxxx")
		c.Err = &redacted{e.Err, secret}
		return &c
	}
	return &redacted{err, secret}
}

func newStore(ctx context.Context, db *sql.DB, o *Options) (*Store, error) {
	s := &Store{db: db, table: o.Table, opts: *o, tables: map[int]bool{}}
	err := s.locked(ctx, "setup", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS vector`); err != nil {
			switch pgCode(err) {
			case "0A000", "58P01": // not available (PostgreSQL 15+), no control file (older)
				return anythingllm.WrapError(anythingllm.FailedPrecondition, err,
					"pgvector: the vector extension is not installed on this server")
			case "42501":
				return anythingllm.WrapError(anythingllm.FailedPrecondition, err,
					"pgvector: this user may not create the vector extension (have an administrator run CREATE EXTENSION vector in this database)")
			}
			return err
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+s.ident("namespaces")+` (
			namespace text PRIMARY KEY,
			dim integer NOT NULL CHECK (dim > 0))`)
		return err
	})
	if err != nil {
		return nil, dbErr(err, "opening the vector tables")
	}
	var version string
	if err := db.QueryRowContext(ctx, `SELECT extversion FROM pg_extension WHERE extname = 'vector'`).Scan(&version); err != nil {
		return nil, dbErr(err, "reading the vector extension's version")
	}
	s.iterScan = versionAtLeast(version, 0, 8)
	return s, nil
}

// versionAtLeast compares a "major.minor.patch" version.
func versionAtLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

// ident returns the quoted name of one of the store's tables or indexes:
// the validated prefix, "_", suffix.
func (s *Store) ident(suffix string) string {
	return `"` + s.table + "_" + suffix + `"`
}

func (s *Store) dimTable(dim int) string { return s.ident(strconv.Itoa(dim)) }

// locked runs fn in a transaction holding an advisory lock on this Store's
// table prefix, so that processes creating the same tables at once wait
// for each other instead of failing on a duplicate catalog entry.
func (s *Store) locked(ctx context.Context, what string, fn func(*sql.Tx) error) error {
	h := fnv.New64a()
	_, _ = h.Write([]byte("anythingllm-go/vectordb/pgvector\x00" + s.table)) // never fails
	key := int64(h.Sum64())                                                  // #nosec G115 -- a hash reinterpreted as a lock key
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, key); err != nil {
			return err
		}
		return fn(tx)
	})
}

// inTx runs fn in a transaction and commits it, retrying a few times when
// PostgreSQL aborted it for a deadlock or a serialization failure (two
// writers touching the same rows in different orders).
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	var err error
	for attempt := range 4 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(attempt*attempt) * 10 * time.Millisecond):
			}
		}
		err = s.tx(ctx, fn)
		if c := pgCode(err); c != "40P01" && c != "40001" {
			return err
		}
	}
	return err
}

func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// ensureTable makes the table for one dimension if this Store has not yet.
func (s *Store) ensureTable(ctx context.Context, dim int) error {
	s.mu.Lock()
	done := s.tables[dim]
	s.mu.Unlock()
	if done {
		return nil
	}
	t := s.dimTable(dim)
	err := s.locked(ctx, "table", func(tx *sql.Tx) error {
		stmts := []string{
			`CREATE TABLE IF NOT EXISTS ` + t + ` (
				namespace text NOT NULL,
				id text NOT NULL,
				doc_id text NOT NULL,
				text text NOT NULL,
				metadata jsonb,
				embedding vector(` + strconv.Itoa(dim) + `) NOT NULL,
				PRIMARY KEY (namespace, id))`,
			`CREATE INDEX IF NOT EXISTS ` + s.ident(strconv.Itoa(dim)+"_doc") + ` ON ` + t + ` (namespace, doc_id)`,
		}
		if dim <= maxHNSWDims {
			stmts = append(stmts, `CREATE INDEX IF NOT EXISTS `+s.ident(strconv.Itoa(dim)+"_hnsw")+` ON `+t+
				` USING hnsw (embedding vector_cosine_ops)`)
		}
		for _, q := range stmts {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.tables[dim] = true
	s.mu.Unlock()
	return nil
}

// forget drops a dimension from the cache after its table was found
// missing (someone dropped it by hand).
func (s *Store) forget(dim int) {
	s.mu.Lock()
	delete(s.tables, dim)
	s.mu.Unlock()
}

// checkText refuses what pgdriver would silently change: it drops NUL
// characters and replaces invalid UTF-8, so "a\x00" would overwrite "a".
func checkText(field, v string) error {
	if strings.IndexByte(v, 0) >= 0 {
		return anythingllm.Errorf(anythingllm.InvalidArgument, "vector record %s contains a NUL character", field)
	}
	if !utf8.ValidString(v) {
		return anythingllm.Errorf(anythingllm.InvalidArgument, "vector record %s is not valid UTF-8", field)
	}
	return nil
}

type row struct {
	id, docID, text string
	meta            any // JSON text or nil
	vec             string
}

// Upsert adds records, replacing any with the same ID, in one transaction;
// a batch with a bad record is refused whole.
func (s *Store) Upsert(ctx context.Context, namespace string, records []anythingllm.VectorRecord) error {
	if len(records) == 0 {
		return nil
	}
	if err := checkText("namespace", namespace); err != nil {
		return err
	}
	vecs, err := vecmath.NormalizedAll(records)
	if err != nil {
		return err
	}
	dim := len(vecs[0])
	// The last record with an ID wins, as in the other indexes; one INSERT
	// may not update a row twice. Sorted by ID, concurrent upserts lock
	// rows in one order.
	last := make(map[string]int, len(records))
	for i, r := range records {
		last[r.ID] = i
	}
	rows := make([]row, 0, len(last))
	for i, r := range records {
		if last[r.ID] != i {
			continue
		}
		for _, f := range [][2]string{{"ID", r.ID}, {"DocID", r.DocID}, {"Text", r.Text}} {
			if err := checkText(f[0], f[1]); err != nil {
				return err
			}
		}
		var meta any
		if r.Metadata != nil {
			b, err := json.Marshal(r.Metadata)
			if err != nil {
				return anythingllm.WrapError(anythingllm.InvalidArgument, err, "vector record %q: metadata is not JSON: %v", r.ID, err)
			}
			if err := checkText("Metadata", string(b)); err != nil {
				return err
			}
			meta = string(b)
		}
		rows = append(rows, row{id: r.ID, docID: r.DocID, text: r.Text, meta: meta, vec: vectorLiteral(vecs[i])})
	}
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.id, b.id) })

	for attempt := 0; ; attempt++ {
		if err := s.ensureTable(ctx, dim); err != nil {
			return dbErr(err, "creating the vector table")
		}
		err = s.inTx(ctx, func(tx *sql.Tx) error { return s.upsertTx(ctx, tx, namespace, dim, rows) })
		if pgCode(err) == "42P01" && attempt == 0 {
			s.forget(dim)
			continue
		}
		return dbErr(err, "storing vectors")
	}
}

func (s *Store) upsertTx(ctx context.Context, tx *sql.Tx, namespace string, dim int, rows []row) error {
	reg := s.ident("namespaces")
	// Register the namespace, then read its dimension with a share lock,
	// which holds off DeleteNamespace (it locks the row for update) until
	// this transaction ends. A row deleted between the two statements is
	// registered again.
	var have int
	for attempt := 0; ; attempt++ {
		if attempt == 5 {
			return anythingllm.Errorf(anythingllm.Unavailable, "pgvector: namespace %q is being dropped and re-created; try again", namespace)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+reg+` (namespace, dim) VALUES ($1, $2) ON CONFLICT (namespace) DO NOTHING`, namespace, dim); err != nil { // #nosec G202 -- table names are validated identifiers (identRE); values are parameters
			return err
		}
		err := tx.QueryRowContext(ctx, `SELECT dim FROM `+reg+` WHERE namespace = $1 FOR SHARE`, namespace).Scan(&have)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	if have != dim {
		return dimMismatch(namespace, have, dim)
	}
	t := s.dimTable(dim)
	var q strings.Builder
	args := make([]any, 0, 6*batchRows)
	for start := 0; start < len(rows); start += batchRows {
		chunk := rows[start:min(start+batchRows, len(rows))]
		q.Reset()
		args = args[:0]
		q.WriteString(`INSERT INTO ` + t + ` (namespace, id, doc_id, text, metadata, embedding) VALUES `)
		for i, r := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			n := len(args)
			fmt.Fprintf(&q, "($%d,$%d,$%d,$%d,$%d::jsonb,$%d::vector)", n+1, n+2, n+3, n+4, n+5, n+6)
			args = append(args, namespace, r.id, r.docID, r.text, r.meta, r.vec)
		}
		q.WriteString(` ON CONFLICT (namespace, id) DO UPDATE SET doc_id = EXCLUDED.doc_id, text = EXCLUDED.text,
			metadata = EXCLUDED.metadata, embedding = EXCLUDED.embedding`)
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

func dimMismatch(namespace string, have, got int) error {
	return anythingllm.Errorf(anythingllm.InvalidArgument,
		"namespace %q holds %d-dimension vectors; got %d (did the embedder change? run `anythingllm vectors reindex`)", namespace, have, got)
}

// vectorLiteral writes v as pgvector's text form, '[x,y,...]', with the
// shortest decimals that parse back to the same float32.
func vectorLiteral(v []float32) string {
	b := make([]byte, 0, 2+len(v)*12)
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, float64(x), 'g', -1, 32)
	}
	return string(append(b, ']'))
}

// Query returns the TopK nearest rows by cosine similarity.
func (s *Store) Query(ctx context.Context, namespace string, q *anythingllm.VectorQuery) ([]anythingllm.VectorMatch, error) {
	qv, err := vecmath.QueryVector(q)
	if err != nil {
		return nil, err
	}
	if err := checkText("namespace", namespace); err != nil {
		return nil, err
	}
	dim := len(qv)
	k := vecmath.TopKOf(q.TopK)
	query, args := s.querySQL(namespace, qv, q, k)
	out, err := s.runQuery(ctx, query, args, k)
	if err != nil && pgCode(err) != "42P01" {
		return nil, dbErr(err, "querying vectors")
	}
	if len(out) > 0 {
		return out, nil // rows in the dimension's table: the namespace has it
	}
	// No rows: an unknown namespace, an empty or filtered-out one, or
	// another dimension.
	var have int
	err = s.db.QueryRowContext(ctx, `SELECT dim FROM `+s.ident("namespaces")+` WHERE namespace = $1`, namespace).Scan(&have)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, dbErr(err, "querying vectors")
	case have != dim:
		return nil, vecmath.DimMismatch(dim, have)
	}
	return nil, nil
}

// querySQL builds the query for Query: its text and arguments.
func (s *Store) querySQL(namespace string, qv []float32, q *anythingllm.VectorQuery, k int) (string, []any) {
	dim := len(qv)
	args := []any{namespace, vectorLiteral(qv), float64(q.MinScore), int64(k)}
	filter := ""
	if len(q.ExcludeDocIDs) > 0 {
		ph := make([]string, 0, len(q.ExcludeDocIDs))
		for _, d := range q.ExcludeDocIDs {
			if checkText("DocID", d) != nil {
				continue // no stored row has it
			}
			args = append(args, d)
			ph = append(ph, "$"+strconv.Itoa(len(args)))
		}
		if len(ph) > 0 {
			filter = ` AND doc_id NOT IN (` + strings.Join(ph, ",") + `)`
		}
	}
	t := s.dimTable(dim)
	// The score is computed, compared and ordered as a float32 (real), as
	// the in-memory indexes do, so equal reported scores rank by ID.
	const score = `(1 - (embedding <=> $2::vector))::real`
	if s.opts.Approximate && dim <= maxHNSWDims {
		// ORDER BY embedding <=> q is what the HNSW index serves; the outer
		// query applies MinScore and the tie order to its k candidates.
		return `SELECT id, doc_id, text, metadata, score FROM (
			SELECT id, doc_id, text, metadata, ` + score + ` AS score FROM ` + t + `
			WHERE namespace = $1` + filter + `
			ORDER BY embedding <=> $2::vector LIMIT $4) c
			WHERE score >= $3 ORDER BY score DESC, id COLLATE "C"`, args
	}
	// Ordering by the score expression, not by embedding <=> q, keeps the
	// planner off the (approximate) HNSW index: the answer is exact.
	return `SELECT id, doc_id, text, metadata, ` + score + ` AS score FROM ` + t + `
		WHERE namespace = $1 AND ` + score + ` >= $3` + filter + `
		ORDER BY score DESC, id COLLATE "C" LIMIT $4`, args
}

// approxSettings is the statement that sets up an approximate query's
// transaction.
func (s *Store) approxSettings(k int) (string, []any) {
	ef := s.opts.EfSearch
	if ef <= 0 {
		ef = max(40, 2*k)
	}
	set := `SELECT set_config('hnsw.ef_search', $1, true)`
	if s.iterScan {
		// Keep walking the graph until k rows pass the filters.
		set += `, set_config('hnsw.iterative_scan', 'relaxed_order', true)`
	}
	for _, name := range s.planOff {
		set += `, set_config('` + name + `', 'off', true)`
	}
	return set, []any{strconv.Itoa(min(ef, 1000))}
}

func (s *Store) runQuery(ctx context.Context, query string, args []any, k int) ([]anythingllm.VectorMatch, error) {
	var rows *sql.Rows
	var err error
	if s.opts.Approximate {
		var tx *sql.Tx
		tx, err = s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return nil, err
		}
		defer func() { _ = tx.Rollback() }()
		set, setArgs := s.approxSettings(k)
		if _, err := tx.ExecContext(ctx, set, setArgs...); err != nil {
			return nil, err
		}
		rows, err = tx.QueryContext(ctx, query, args...)
	} else {
		rows, err = s.db.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []anythingllm.VectorMatch
	for rows.Next() {
		var m anythingllm.VectorMatch
		var meta sql.NullString
		if err := rows.Scan(&m.ID, &m.DocID, &m.Text, &meta, &m.Score); err != nil {
			return nil, err
		}
		if meta.Valid {
			if err := json.Unmarshal([]byte(meta.String), &m.Metadata); err != nil {
				return nil, err
			}
		}
		m.Distance = 1 - m.Score
		out = append(out, m)
	}
	return out, rows.Err()
}

// dim returns the dimension of a namespace, or ok false if it is unknown.
func (s *Store) dim(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, namespace, lock string) (int, bool, error) {
	var d int
	err := q.QueryRowContext(ctx, `SELECT dim FROM `+s.ident("namespaces")+` WHERE namespace = $1`+lock, namespace).Scan(&d)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return d, err == nil, err
}

// DeleteDocument removes every row of a document.
func (s *Store) DeleteDocument(ctx context.Context, namespace, docID string) error {
	d, ok, err := s.dim(ctx, s.db, namespace, "")
	if err != nil || !ok {
		return dbErr(err, "deleting a document's vectors")
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM `+s.dimTable(d)+` WHERE namespace = $1 AND doc_id = $2`, namespace, docID) // #nosec G202 -- table names are validated identifiers (identRE); values are parameters
		return err
	})
	if pgCode(err) == "42P01" {
		return nil
	}
	return dbErr(err, "deleting a document's vectors")
}

// DeleteNamespace drops a namespace's rows and its registry entry; an
// unknown one is not an error.
func (s *Store) DeleteNamespace(ctx context.Context, namespace string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		d, ok, err := s.dim(ctx, tx, namespace, " FOR UPDATE")
		if err != nil || !ok {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+s.dimTable(d)+` WHERE namespace = $1`, namespace); err != nil && pgCode(err) != "42P01" { // #nosec G202 -- table names are validated identifiers (identRE); values are parameters
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM `+s.ident("namespaces")+` WHERE namespace = $1`, namespace) // #nosec G202 -- table names are validated identifiers (identRE); values are parameters
		return err
	})
	return dbErr(err, "deleting a vector namespace")
}

// Count returns a namespace's row count, ErrNotFound if it does not exist.
func (s *Store) Count(ctx context.Context, namespace string) (int, error) {
	d, ok, err := s.dim(ctx, s.db, namespace, "")
	if err != nil {
		return 0, dbErr(err, "counting vectors")
	}
	if !ok {
		return 0, vecmath.NotFound(namespace)
	}
	var n int
	err = s.db.QueryRowContext(ctx, `SELECT count(*) FROM `+s.dimTable(d)+` WHERE namespace = $1`, namespace).Scan(&n)
	if pgCode(err) == "42P01" {
		return 0, nil
	}
	return n, dbErr(err, "counting vectors")
}

// Total counts the rows of every namespace.
func (s *Store) Total(ctx context.Context) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT dim FROM `+s.ident("namespaces")+` ORDER BY dim`) // #nosec G202 -- table names are validated identifiers (identRE); values are parameters
	if err != nil {
		return 0, dbErr(err, "counting vectors")
	}
	var parts []string
	for rows.Next() {
		var d int
		if err := rows.Scan(&d); err != nil {
			_ = rows.Close()
			return 0, dbErr(err, "counting vectors")
		}
		// Only registered namespaces count: rows of a namespace being
		// dropped in a concurrent transaction are not double counted.
		parts = append(parts, `SELECT count(*) AS n FROM `+s.dimTable(d)+` v JOIN `+s.ident("namespaces")+` r ON r.namespace = v.namespace`)
	}
	if err := rows.Close(); err != nil {
		return 0, dbErr(err, "counting vectors")
	}
	if len(parts) == 0 {
		return 0, nil
	}
	var n int64
	err = s.db.QueryRowContext(ctx, `SELECT coalesce(sum(n), 0)::bigint FROM (`+strings.Join(parts, " UNION ALL ")+`) c`).Scan(&n)
	return int(n), dbErr(err, "counting vectors")
}

// Close closes the connection pool Open made (not one passed to New).
func (s *Store) Close() error {
	if s.ownDB {
		return s.db.Close()
	}
	return nil
}

// DB returns the store's connection pool.
func (s *Store) DB() *sql.DB { return s.db }

// pgCode returns the SQLSTATE of a server error, "" for anything else.
func pgCode(err error) string {
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		return pgErr.Field('C')
	}
	return ""
}

// dbErr gives a database error its code and a client-safe message (the
// server's text stays in the cause, for logs): data the server refused is
// InvalidArgument, anything else Unavailable. Coded errors and context
// errors pass through.
func dbErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var e *anythingllm.Error
	if errors.As(err, &e) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if c := pgCode(err); strings.HasPrefix(c, "22") {
		return anythingllm.WrapError(anythingllm.InvalidArgument, err, "pgvector: %s: the server refused the data", what)
	}
	return anythingllm.WrapError(anythingllm.Unavailable, err, "pgvector: %s", what)
}
