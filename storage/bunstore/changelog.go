package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"
)

// The vector change log (migration 0003). Every write that changes what a
// vector index holds appends a changeRow in its own transaction, after its
// document_vectors rows:
//
//   - On PostgreSQL the append first takes a transaction-scoped advisory
//     lock, held until the commit, so sequence numbers are handed out in
//     commit order: a reader that saw seq N committed never later finds a
//     smaller one appearing (without the lock, a slower transaction holding
//     seq N-1 could commit after the reader moved past it). The same
//     transaction NOTIFYs vectorChangesChannel, delivered on commit.
//   - SQLite has one writer at a time, so commit order is seq order anyway.

var _ anythingllm.VectorChangeLog = (*Store)(nil)

type changeRow struct {
	bun.BaseModel `bun:"table:vector_changes"`
	Seq           int64     `bun:"seq,pk,autoincrement"`
	Op            string    `bun:"op"`
	Namespace     string    `bun:"namespace"`
	DocID         string    `bun:"doc_id"`
	CreatedAt     time.Time `bun:"created_at"`
}

// vectorChangesChannel is the PostgreSQL NOTIFY channel of the log.
const vectorChangesChannel = "anythingllm_vector_changes"

// vectorChangesLockKey is the advisory lock that orders appends.
const vectorChangesLockKey = 7312026

// changesChannel and changesLockKey are the channel and the lock of this
// store's schema: deployments in other schemas of one database neither
// wake nor wait for each other.
func (s *Store) changesChannel() string {
	if s.schema == "" {
		return vectorChangesChannel
	}
	return fmt.Sprintf("%s_%08x", vectorChangesChannel, schemaHash(s.schema))
}

func (s *Store) changesLockKey() int64 {
	if s.schema == "" {
		return vectorChangesLockKey
	}
	return vectorChangesLockKey<<32 | int64(schemaHash(s.schema))
}

func schemaHash(schema string) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(schema))
	return h.Sum32()
}

// appendChange adds one entry to the log inside the transaction idb.
func (s *Store) appendChange(ctx context.Context, idb bun.IDB, op anythingllm.VectorChangeOp, namespace, docID string) error {
	if s.postgres {
		if _, err := idb.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, s.changesLockKey()); err != nil {
			return mapErr(err, "vector change")
		}
	}
	r := changeRow{Op: string(op), Namespace: namespace, DocID: docID, CreatedAt: time.Now().UTC()}
	if _, err := idb.NewInsert().Model(&r).Exec(ctx); err != nil {
		return mapErr(err, "vector change")
	}
	if s.postgres {
		if _, err := idb.ExecContext(ctx, `SELECT pg_notify(?, '')`, s.changesChannel()); err != nil {
			return mapErr(err, "vector change")
		}
	}
	return nil
}

// VectorChanges returns up to limit entries with Seq > afterSeq, in order.
func (s *Store) VectorChanges(ctx context.Context, afterSeq int64, limit int) ([]anythingllm.VectorChange, error) {
	var rows []changeRow
	q := s.idb.NewSelect().Model(&rows).Where("seq > ?", afterSeq).Order("seq ASC")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err, "vector change")
	}
	out := make([]anythingllm.VectorChange, len(rows))
	for i, r := range rows {
		out[i] = anythingllm.VectorChange{Seq: r.Seq, Op: anythingllm.VectorChangeOp(r.Op), Namespace: r.Namespace, DocID: r.DocID, At: utc(r.CreatedAt)}
	}
	return out, nil
}

// VectorChangeBounds reports the first seq still kept and the newest.
func (s *Store) VectorChangeBounds(ctx context.Context) (oldest, newest int64, err error) {
	var pruned int64
	var maxSeq sql.NullInt64
	err = s.idb.QueryRowContext(ctx, `SELECT (SELECT pruned_through FROM vector_change_state WHERE id = 1), (SELECT MAX(seq) FROM vector_changes)`).Scan(&pruned, &maxSeq)
	if err != nil {
		return 0, 0, mapErr(err, "vector change log")
	}
	return pruned + 1, max(pruned, maxSeq.Int64), nil
}

// PruneVectorChanges removes the entries written before olderThan.
func (s *Store) PruneVectorChanges(ctx context.Context, olderThan time.Time) (int, error) {
	n := 0
	err := s.tx(ctx, func(idb bun.IDB) error {
		var through sql.NullInt64
		if err := idb.NewSelect().Model((*changeRow)(nil)).ColumnExpr("MAX(seq)").Where("created_at < ?", olderThan.UTC()).Scan(ctx, &through); err != nil {
			return mapErr(err, "vector change")
		}
		if !through.Valid {
			return nil
		}
		res, err := idb.NewDelete().Model((*changeRow)(nil)).Where("seq <= ?", through.Int64).Exec(ctx)
		if err != nil {
			return mapErr(err, "vector change")
		}
		m, _ := res.RowsAffected()
		n = int(m)
		_, err = idb.ExecContext(ctx, `UPDATE vector_change_state SET pruned_through = ? WHERE id = 1 AND pruned_through < ?`, through.Int64, through.Int64)
		return mapErr(err, "vector change log")
	})
	return n, err
}

// listenIdle is how long a PostgreSQL watcher waits for a notification
// before it checks its context and waits again.
var listenIdle = 30 * time.Second

// sqlitePollEvery is how often a SQLite watcher reads the newest seq.
const sqlitePollEvery = 150 * time.Millisecond

// WatchVectorChanges wakes the caller after new entries are committed: on
// PostgreSQL by LISTEN (reconnecting by itself after the server drops, and
// waking once after each reconnect, as notifications may have been lost
// meanwhile); on SQLite by reading the newest seq (an index lookup) every
// 150 ms. Either wakes once as soon as it is watching, for entries committed
// before. The channel is closed when ctx ends.
func (s *Store) WatchVectorChanges(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	wake := func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	if s.postgres {
		go s.listenChanges(ctx, ch, wake, listenIdle)
	} else {
		go s.pollChanges(ctx, ch, wake)
	}
	return ch
}

func (s *Store) pollChanges(ctx context.Context, ch chan struct{}, wake func()) {
	defer close(ch)
	t := time.NewTicker(sqlitePollEvery)
	defer t.Stop()
	var last int64 = -1
	for {
		var maxSeq sql.NullInt64
		if err := s.db.QueryRowContext(ctx, `SELECT MAX(seq) FROM vector_changes`).Scan(&maxSeq); err == nil {
			// The first read wakes too: entries may have been committed
			// between the caller's last read and this watcher's start.
			if maxSeq.Int64 != last {
				wake()
			}
			last = maxSeq.Int64
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Store) listenChanges(ctx context.Context, ch chan struct{}, wake func(), idle time.Duration) {
	defer close(ch)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		ln := pgdriver.NewListener(s.db)
		stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
		err := ln.Listen(ctx, s.changesChannel())
		if err == nil {
			backoff = 100 * time.Millisecond
			// Entries may have been committed before LISTEN took effect
			// (at the start, or while reconnecting).
			wake()
			for {
				_, _, err = ln.ReceiveTimeout(ctx, idle)
				if err == nil {
					wake()
					continue
				}
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
					continue // an idle connection; the listener keeps it
				}
				break
			}
		}
		stop()
		_ = ln.Close()
		if ctx.Err() != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}
