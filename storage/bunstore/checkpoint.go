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
// writer's automatic checkpoint is moved out to writerCheckpointFrames,
// a backstop, and this goroutine runs PASSIVE checkpoints on a connection of its own; a
// PASSIVE checkpoint never blocks the writer or the readers.
//
// A WAL file starts over from its beginning only when a checkpoint has
// copied all of it; under sustained writes a checkpoint beside the writer
// never does, and the WAL grew without end (50 MB in the benchmark). So
// once the WAL holds restartFrames, the checkpoint is finished on the
// writer's own connection, queueing in Go like any write: nothing is
// appended meanwhile, the copy completes (most of it was done beside the
// writer), and the next write starts the WAL over.
type checkpointer struct {
	db    *sql.DB // a connection of its own
	wdb   *sql.DB // the writer pool (one connection)
	wake  chan struct{}
	stop  context.CancelFunc
	done  chan struct{}
	delay time.Duration
}

// checkpointDelay lets a burst of writes gather into one checkpoint; at
// full load the WAL grows by a few MB in that time, as it would between
// two automatic checkpoints.
const checkpointDelay = 50 * time.Millisecond

// restartFrames is the WAL length (in pages, 4 KiB by default) past which
// the checkpoint is finished on the writer; SQLite's own automatic
// checkpoint runs at 1000.
const restartFrames = 2000

// writerCheckpointFrames bounds the WAL when writes outrun the background
// checkpoints (a bulk import of vectors): past it, the writer checkpoints
// in its own commits, which holds the writes back.
const writerCheckpointFrames = 4 * restartFrames

func startCheckpointer(db, wdb *sql.DB, delay time.Duration) *checkpointer {
	ctx, stop := context.WithCancel(context.Background())
	c := &checkpointer{db: db, wdb: wdb, wake: make(chan struct{}, 1), stop: stop, done: make(chan struct{}), delay: delay}
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
	behind := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		}
		if !behind { // under heavy writes, no pause between checkpoints
			t.Reset(c.delay)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
		// An error (SQLITE_BUSY while another process checkpoints) is
		// harmless: the frames stay in the WAL and the next write pokes
		// again.
		frames, err := checkpoint(ctx, c.db, "PASSIVE")
		if err == nil && frames >= restartFrames {
			// RESTART waits (in SQLite's busy handler, briefly) for the
			// readers of older snapshots, then starts the WAL over.
			_, _ = checkpoint(ctx, c.wdb, "RESTART")
		}
		behind = err == nil && frames >= restartFrames/4
	}
}

// checkpoint runs a checkpoint of the given mode on db and returns the
// WAL's length in frames.
func checkpoint(ctx context.Context, db *sql.DB, mode string) (int, error) {
	var busy, frames, copied int
	err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &frames, &copied)
	return frames, err
}

// close stops the goroutine and closes its connection; closing the last
// connection to the file checkpoints what is left.
func (c *checkpointer) close() error {
	c.stop()
	<-c.done
	return c.db.Close()
}
