package bunstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/uptrace/bun"
)

// The live-sync tables (migration 0005).

var _ anythingllm.DocumentSyncer = (*Store)(nil)

type syncQueueRow struct {
	bun.BaseModel  `bun:"table:document_sync_queues"`
	ID             int64     `bun:"id,pk,autoincrement"`
	StaleAfterMs   int64     `bun:"stale_after_ms"`
	NextSyncAt     time.Time `bun:"next_sync_at"`
	CreatedAt      time.Time `bun:"created_at"`
	LastSyncedAt   time.Time `bun:"last_synced_at"`
	WorkspaceDocID int64     `bun:"workspace_doc_id"`
}

func (r *syncQueueRow) core() anythingllm.DocumentSyncQueue {
	return anythingllm.DocumentSyncQueue{ID: r.ID, StaleAfterMs: r.StaleAfterMs, NextSyncAt: utc(r.NextSyncAt),
		CreatedAt: utc(r.CreatedAt), LastSyncedAt: utc(r.LastSyncedAt), WorkspaceDocID: r.WorkspaceDocID}
}

type syncRunRow struct {
	bun.BaseModel `bun:"table:document_sync_executions"`
	ID            int64          `bun:"id,pk,autoincrement"`
	QueueID       int64          `bun:"queue_id"`
	Status        string         `bun:"status"`
	Result        sql.NullString `bun:"result"`
	CreatedAt     time.Time      `bun:"created_at"`
}

// DocumentSync returns the live-sync tables.
func (s *Store) DocumentSync() anythingllm.DocumentSyncStore { return syncStore{s} }

type syncStore struct{ s *Store }

func (d syncStore) CreateQueue(ctx context.Context, q *anythingllm.DocumentSyncQueue) error {
	r := &syncQueueRow{StaleAfterMs: q.StaleAfterMs, NextSyncAt: utc(q.NextSyncAt), CreatedAt: utc(q.CreatedAt),
		LastSyncedAt: utc(q.LastSyncedAt), WorkspaceDocID: q.WorkspaceDocID}
	if _, err := d.s.w().NewInsert().Model(r).Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "document sync queue")
	}
	q.ID = r.ID
	return nil
}

func (d syncStore) one(ctx context.Context, where string, arg any) (*anythingllm.DocumentSyncQueue, error) {
	var r syncQueueRow
	if err := d.s.idb.NewSelect().Model(&r).Where(where, arg).Limit(1).Scan(ctx); err != nil {
		return nil, mapErr(err, "document sync queue")
	}
	q := r.core()
	return &q, nil
}

func (d syncStore) GetQueue(ctx context.Context, id int64) (*anythingllm.DocumentSyncQueue, error) {
	return d.one(ctx, "id = ?", id)
}

func (d syncStore) QueueByWorkspaceDoc(ctx context.Context, workspaceDocID int64) (*anythingllm.DocumentSyncQueue, error) {
	return d.one(ctx, "workspace_doc_id = ?", workspaceDocID)
}

func (d syncStore) list(ctx context.Context, q *bun.SelectQuery, rows *[]syncQueueRow) ([]anythingllm.DocumentSyncQueue, error) {
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err, "document sync queue")
	}
	out := make([]anythingllm.DocumentSyncQueue, len(*rows))
	for i := range *rows {
		out[i] = (*rows)[i].core()
	}
	return out, nil
}

func (d syncStore) ListQueues(ctx context.Context) ([]anythingllm.DocumentSyncQueue, error) {
	var rows []syncQueueRow
	return d.list(ctx, d.s.idb.NewSelect().Model(&rows).Order("created_at ASC", "id ASC"), &rows)
}

func (d syncStore) StaleQueues(ctx context.Context, now time.Time) ([]anythingllm.DocumentSyncQueue, error) {
	var rows []syncQueueRow
	return d.list(ctx, d.s.idb.NewSelect().Model(&rows).Where("next_sync_at <= ?", utc(now)).Order("next_sync_at ASC", "id ASC"), &rows)
}

func (d syncStore) UpdateQueue(ctx context.Context, q *anythingllm.DocumentSyncQueue) error {
	res, err := d.s.w().NewUpdate().Model((*syncQueueRow)(nil)).
		Set("stale_after_ms = ?", q.StaleAfterMs).Set("next_sync_at = ?", utc(q.NextSyncAt)).Set("last_synced_at = ?", utc(q.LastSyncedAt)).
		Where("id = ?", q.ID).Exec(ctx)
	return affected(res, err, "document sync queue")
}

func (d syncStore) DeleteQueue(ctx context.Context, id int64) error {
	res, err := d.s.w().NewDelete().Model((*syncQueueRow)(nil)).Where("id = ?", id).Exec(ctx)
	return affected(res, err, "document sync queue")
}

func (d syncStore) WorkspaceDocument(ctx context.Context, id int64) (*anythingllm.WorkspaceDocument, error) {
	var r documentRow
	if err := d.s.idb.NewSelect().Model(&r).Where("id = ?", id).Limit(1).Scan(ctx); err != nil {
		return nil, mapErr(err, "document")
	}
	doc := r.core()
	return &doc, nil
}

func (d syncStore) SetWatched(ctx context.Context, docpath string, watched bool) (int, error) {
	res, err := d.s.w().NewUpdate().Model((*documentRow)(nil)).Set("watched = ?", watched).
		Where("docpath = ?", docpath).Exec(ctx)
	if err != nil {
		return 0, mapErr(err, "document")
	}
	n, err := res.RowsAffected()
	return int(n), mapErr(err, "document")
}

func (d syncStore) AddRun(ctx context.Context, r *anythingllm.DocumentSyncRun) error {
	if !r.Status.Valid() {
		return anythingllm.Errorf(anythingllm.InvalidArgument, "sync run status %q is not one of unknown, exited, failed, success", r.Status)
	}
	row := &syncRunRow{QueueID: r.QueueID, Status: string(r.Status), Result: sql.NullString{String: r.Result, Valid: r.Result != ""}, CreatedAt: utc(r.CreatedAt)}
	if _, err := d.s.w().NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "document sync run")
	}
	r.ID = row.ID
	return nil
}

func (d syncStore) ListRuns(ctx context.Context, queueID int64, limit int) ([]anythingllm.DocumentSyncRun, error) {
	var rows []syncRunRow
	q := d.s.idb.NewSelect().Model(&rows).Where("queue_id = ?", queueID).Order("id DESC")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err, "document sync run")
	}
	out := make([]anythingllm.DocumentSyncRun, len(rows))
	for i, r := range rows {
		out[i] = anythingllm.DocumentSyncRun{ID: r.ID, QueueID: r.QueueID, Status: anythingllm.SyncRunStatus(r.Status), Result: r.Result.String, CreatedAt: utc(r.CreatedAt)}
	}
	return out, nil
}

func (d syncStore) ReplaceVectors(ctx context.Context, docID, metadata string, vectors []anythingllm.VectorRecord) error {
	return d.s.tx(ctx, func(idb bun.IDB) error {
		var doc documentRow
		if err := idb.NewSelect().Model(&doc).Where("doc_id = ?", docID).Limit(1).Scan(ctx); err != nil {
			return mapErr(err, "document")
		}
		var slug string
		if err := idb.NewSelect().Model((*workspaceRow)(nil)).Column("slug").Where("id = ?", doc.WorkspaceID).Scan(ctx, &slug); err != nil {
			return mapErr(err, "workspace")
		}
		if _, err := idb.NewDelete().Model((*vectorRow)(nil)).Where("doc_id = ?", docID).Exec(ctx); err != nil {
			return mapErr(err, "vector")
		}
		if err := d.s.appendChange(ctx, idb, anythingllm.VectorDeleteDoc, slug, docID); err != nil {
			return err
		}
		rows := make([]vectorRow, 0, min(len(vectors), vectorBatch))
		flush := func() error {
			if len(rows) == 0 {
				return nil
			}
			_, err := idb.NewInsert().Model(&rows).Exec(ctx)
			rows = rows[:0]
			return mapErr(err, "vector")
		}
		for _, v := range vectors {
			meta := "{}"
			if len(v.Metadata) > 0 {
				b, err := json.Marshal(v.Metadata)
				if err != nil {
					return anythingllm.WrapError(anythingllm.InvalidArgument, err, "vector metadata is not JSON")
				}
				meta = string(b)
			}
			rows = append(rows, vectorRow{DocID: docID, VectorID: v.ID, WorkspaceID: doc.WorkspaceID,
				Embedding: encodeVector(v.Vector), Text: v.Text, Metadata: meta})
			if len(rows) == vectorBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		if _, err := idb.NewUpdate().Model((*documentRow)(nil)).Set("metadata = ?", metadata).
			Set("last_updated_at = ?", utc(time.Now())).Where("doc_id = ?", docID).Exec(ctx); err != nil {
			return mapErr(err, "document")
		}
		return d.s.appendChange(ctx, idb, anythingllm.VectorUpsert, slug, docID)
	})
}
