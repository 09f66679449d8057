package bunstore

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// Group commit for chat inserts on SQLite. Every chat turn saves one row,
// and on SQLite the commit, not the insert, is the cost: it appends the
// table's and each index's changed pages to the WAL. Concurrent saves are
// therefore queued and written together in one transaction, by the first
// of them (the leader); each caller still gets its own id and error. A
// lone save is a batch of one, so nothing waits for company.
//
// If a batch fails (one row breaking a constraint, say), its rows are
// written again one per transaction, so one bad row costs no other row
// its save and every caller gets the error of its own row.

const chatInsertSQL = `INSERT INTO "workspace_chats" ("workspace_id", "prompt", "response", "include", "user_id", "thread_id", "api_session_id", "created_at", "last_updated_at", "feedback_score") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// maxChatBatch caps one transaction, so a leader's own request is not
// held up by an unbounded queue behind it.
const maxChatBatch = 64

type chatSave struct {
	row  *chatRow
	err  error
	done chan bool // true: saved (or failed), see err; false: lead the next batch
}

type chatCommitter struct {
	wdb   *sql.DB
	lists *chatLists // told of every committed row

	mu      sync.Mutex
	queue   []*chatSave
	leading bool

	prepOnce sync.Once
	stmt     *sql.Stmt
	prepErr  error
}

// insert saves row and sets its ID.
func (c *chatCommitter) insert(row *chatRow) error {
	me := &chatSave{row: row, done: make(chan bool, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, me)
	lead := !c.leading
	c.leading = true
	c.mu.Unlock()
	if !lead {
		if saved := <-me.done; saved {
			return me.err
		}
	}
	// Leading: write what is queued (this save is among it), then hand
	// the lead to the first save that arrived meanwhile, if any.
	c.mu.Lock()
	n := min(len(c.queue), maxChatBatch)
	batch := c.queue[:n:n]
	c.queue = c.queue[n:]
	c.mu.Unlock()
	c.write(batch)
	c.mu.Lock()
	if len(c.queue) > 0 {
		c.queue[0].done <- false
	} else {
		c.leading = false
	}
	c.mu.Unlock()
	return me.err
}

func (c *chatCommitter) write(batch []*chatSave) {
	// The saves' callers may give up; the rows are written regardless,
	// as a single insert would be once started.
	ctx := context.Background()
	err := c.tx(ctx, batch)
	if err != nil && len(batch) > 1 {
		for _, s := range batch {
			s.err = c.tx(ctx, []*chatSave{s})
		}
	} else {
		for _, s := range batch {
			s.err = err
		}
	}
	for _, s := range batch {
		s.done <- true
	}
}

func (c *chatCommitter) tx(ctx context.Context, batch []*chatSave) error {
	c.prepOnce.Do(func() { c.stmt, c.prepErr = c.wdb.PrepareContext(ctx, chatInsertSQL) })
	if c.prepErr != nil {
		return c.prepErr
	}
	tx, err := c.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	st := tx.StmtContext(ctx, c.stmt)
	ids := make([]int64, len(batch))
	for i, s := range batch {
		r := s.row
		res, err := st.ExecContext(ctx, r.WorkspaceID, r.Prompt, r.Response, r.Include, r.UserID, r.ThreadID,
			r.APISessionID, sqliteTime(r.CreatedAt), sqliteTime(r.LastUpdatedAt), r.FeedbackScore)
		if err != nil {
			return err
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	rows := make([]*chatRow, len(batch))
	for i, s := range batch {
		s.row.ID = ids[i]
		rows[i] = s.row
	}
	if c.lists != nil {
		c.lists.saved(rows)
	}
	return nil
}

func (c *chatCommitter) close() {
	if c.stmt != nil {
		_ = c.stmt.Close()
	}
}

// sqliteTime formats t as bun writes times to SQLite, so that rows saved
// here and rows saved by bun compare and parse alike.
func sqliteTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.999999-07:00")
}
