package bunstore

import (
	"context"
	"database/sql"
	"sync"

	"github.com/uptrace/bun"
)

// Prepared statements for the queries every request runs (API key, workspace,
// chat history, pinned documents). bun writes arguments into the SQL text,
// so no two of its queries are alike and SQLite parses and plans each one
// afresh; for a small query that was half its cost. A hot query is built by
// bun as usual but with its arguments as bind parameters (params.arg), and
// its text is prepared once per connection by database/sql.
//
// On PostgreSQL the arguments stay inline and bun runs the query as before:
// the server caches plans itself, and pgdriver's simple protocol is what the
// rest of the store uses.

// maxPrepared bounds the statement cache; query shapes are few (a chat
// filter's flags, a history limit), so this is never reached in practice,
// and past it queries simply run unprepared.
const maxPrepared = 256

type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// get returns the statement cached under key, preparing text() on a miss.
// Keys name a query's shape; building the text is left out on a hit, as
// it costs about as much as running a small prepared query.
func (c *stmtCache) get(ctx context.Context, db *sql.DB, key string, text func() string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[key]; ok {
		return st, nil
	}
	if len(c.m) >= maxPrepared {
		return nil, nil
	}
	st, err := db.PrepareContext(ctx, text())
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[key] = st
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		_ = st.Close()
	}
	c.m = nil
}

// params collects a hot query's arguments.
type params struct {
	bind bool
	args []any
}

func (s *Store) params() *params { return &params{bind: !s.postgres} }

// arg returns what to put in the query for v: a bind parameter on SQLite,
// v itself (inlined by bun) on PostgreSQL.
func (p *params) arg(v any) any {
	if !p.bind {
		return v
	}
	p.args = append(p.args, v)
	return bun.Safe("?")
}

// query runs q, built with p, through the prepared statement of its shape,
// key: two queries with one key must differ only in their arguments.
func (s *Store) query(ctx context.Context, key string, q *bun.SelectQuery, p *params) (*sql.Rows, error) {
	if tx, ok := s.idb.(bun.Tx); ok {
		return tx.Tx.QueryContext(ctx, q.String(), p.args...)
	}
	st, err := s.stmts.get(ctx, s.db.DB, key, q.String)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return s.db.DB.QueryContext(ctx, q.String(), p.args...)
	}
	return st.QueryContext(ctx, p.args...)
}

// scanOne runs a hot query for one row into dest (a pointer to a row
// struct); no row is sql.ErrNoRows.
func (s *Store) scanOne(ctx context.Context, key string, q *bun.SelectQuery, p *params, dest any) error {
	if !p.bind {
		return q.Scan(ctx)
	}
	rows, err := s.query(ctx, key, q, p)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := s.db.ScanRow(ctx, rows, dest); err != nil {
		return err
	}
	return rows.Close()
}

// scanAll runs a hot query for every row into dest (a pointer to a slice
// of row structs).
func (s *Store) scanAll(ctx context.Context, key string, q *bun.SelectQuery, p *params, dest any) error {
	if !p.bind {
		return q.Scan(ctx)
	}
	rows, err := s.query(ctx, key, q, p)
	if err != nil {
		return err
	}
	return s.db.ScanRows(ctx, rows, dest)
}
