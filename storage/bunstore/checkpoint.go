package bunstore

import (
	"context"
	"database/sql"
	"time"
)

// checkpointer copies the WAL into the database file in the background.
//
// SQLite's automatic checkpoint runs inside the commit that takes the WAL
// past 1000 pages, on the committing connection. Here that is the single
// writer, so the commit, and every chat save queued behind it, waited for
// the checkpoint's copy and its two fsyncs: under 64 concurrent chats the
// writer spent about half its time in checkpoints and the CPUs idled. The
// writer turns the automatic checkpoint off (wal_autocheckpoint=0) and
// this goroutine runs PASSIVE checkpoints on a connection of its own; a
// PASSIVE checkpoint never blocks the writer or the readers.
type checkpointer struct {
	db    *sql.DB
	wake  chan struct{}
	stop  context.CancelFunc
	done  chan struct{}
	delay time.Duration
}

// checkpointDelay lets a burst of writes gather into one checkpoint; at
// full load the WAL grows by a few MB in that time, as it would between
// two automatic checkpoints.
const checkpointDelay = 50 * time.Millisecond

func startCheckpointer(db *sql.DB, delay time.Duration) *checkpointer {
	ctx, stop := context.WithCancel(context.Background())
	c := &checkpointer{db: db, wake: make(chan struct{}, 1), stop: stop, done: make(chan struct{}), delay: delay}
	go c.run(ctx)
	return c
}

// poke says that something was written; it never blocks.
func (c *checkpointer) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run(ctx context.Context) {
	defer close(c.done)
	t := time.NewTimer(0)
	<-t.C
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		}
		t.Reset(c.delay)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// An error (SQLITE_BUSY while another process checkpoints) is
		// harmless: the frames stay in the WAL and the next write pokes
		// again.
		_, _ = c.db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
	}
}

// close stops the goroutine and closes its connection; closing the last
// connection to the file checkpoints what is left.
func (c *checkpointer) close() error {
	c.stop()
	<-c.done
	return c.db.Close()
}
