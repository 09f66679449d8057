package memstore

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

var _ anythingllm.DocumentSyncer = (*Store)(nil)

// DocumentSync returns the live-sync tables.
func (s *Store) DocumentSync() anythingllm.DocumentSyncStore { return syncStore{s} }

type syncStore struct{ s *Store }

// cascade drops the queues whose workspace document is gone and the runs
// whose queue is gone (the SQL stores' ON DELETE CASCADE).
func (st *state) cascadeSync() {
	for id, q := range st.queues {
		if _, ok := st.docs[q.WorkspaceDocID]; !ok {
			delete(st.queues, id)
		}
	}
	for id, r := range st.runs {
		if _, ok := st.queues[r.QueueID]; !ok {
			delete(st.runs, id)
		}
	}
}

func (d syncStore) CreateQueue(ctx context.Context, q *anythingllm.DocumentSyncQueue) error {
	return d.s.do(func(st *state) error {
		st.cascadeSync()
		if _, ok := st.docs[q.WorkspaceDocID]; !ok {
			return notFound("document")
		}
		for _, o := range st.queues {
			if o.WorkspaceDocID == q.WorkspaceDocID {
				return exists("document sync queue")
			}
		}
		q.ID = st.nextID()
		q.NextSyncAt, q.CreatedAt, q.LastSyncedAt = ms(q.NextSyncAt), ms(q.CreatedAt), ms(q.LastSyncedAt)
		st.queues[q.ID] = *q
		return nil
	})
}

func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func (d syncStore) find(keep func(anythingllm.DocumentSyncQueue) bool) (*anythingllm.DocumentSyncQueue, error) {
	var out anythingllm.DocumentSyncQueue
	err := d.s.do(func(st *state) error {
		st.cascadeSync()
		for _, q := range sortedByID(st.queues, keep) {
			out = q
			return nil
		}
		return notFound("document sync queue")
	})
	return &out, err
}

func (d syncStore) GetQueue(ctx context.Context, id int64) (*anythingllm.DocumentSyncQueue, error) {
	return d.find(func(q anythingllm.DocumentSyncQueue) bool { return q.ID == id })
}

func (d syncStore) QueueByWorkspaceDoc(ctx context.Context, workspaceDocID int64) (*anythingllm.DocumentSyncQueue, error) {
	return d.find(func(q anythingllm.DocumentSyncQueue) bool { return q.WorkspaceDocID == workspaceDocID })
}

func (d syncStore) ListQueues(ctx context.Context) ([]anythingllm.DocumentSyncQueue, error) {
	var out []anythingllm.DocumentSyncQueue
	err := d.s.do(func(st *state) error {
		st.cascadeSync()
		out = sortedByID(st.queues, nil)
		slices.SortStableFunc(out, func(a, b anythingllm.DocumentSyncQueue) int { return a.CreatedAt.Compare(b.CreatedAt) })
		return nil
	})
	return out, err
}

func (d syncStore) StaleQueues(ctx context.Context, now time.Time) ([]anythingllm.DocumentSyncQueue, error) {
	var out []anythingllm.DocumentSyncQueue
	now = ms(now)
	err := d.s.do(func(st *state) error {
		st.cascadeSync()
		out = sortedByID(st.queues, func(q anythingllm.DocumentSyncQueue) bool { return !q.NextSyncAt.After(now) })
		slices.SortStableFunc(out, func(a, b anythingllm.DocumentSyncQueue) int { return a.NextSyncAt.Compare(b.NextSyncAt) })
		return nil
	})
	return out, err
}

func (d syncStore) UpdateQueue(ctx context.Context, q *anythingllm.DocumentSyncQueue) error {
	return d.s.do(func(st *state) error {
		st.cascadeSync()
		o, ok := st.queues[q.ID]
		if !ok {
			return notFound("document sync queue")
		}
		o.StaleAfterMs, o.NextSyncAt, o.LastSyncedAt = q.StaleAfterMs, ms(q.NextSyncAt), ms(q.LastSyncedAt)
		st.queues[q.ID] = o
		return nil
	})
}

func (d syncStore) DeleteQueue(ctx context.Context, id int64) error {
	return d.s.do(func(st *state) error {
		st.cascadeSync()
		if _, ok := st.queues[id]; !ok {
			return notFound("document sync queue")
		}
		delete(st.queues, id)
		st.cascadeSync()
		return nil
	})
}

func (d syncStore) WorkspaceDocument(ctx context.Context, id int64) (*anythingllm.WorkspaceDocument, error) {
	var out anythingllm.WorkspaceDocument
	err := d.s.do(func(st *state) error {
		v, ok := st.docs[id]
		if !ok {
			return notFound("document")
		}
		out = v
		return nil
	})
	return &out, err
}

func (d syncStore) SetWatched(ctx context.Context, docpath string, watched bool) (int, error) {
	n := 0
	err := d.s.do(func(st *state) error {
		for id, v := range st.docs {
			if v.Docpath == docpath {
				v.Watched = watched
				st.docs[id] = v
				n++
			}
		}
		return nil
	})
	return n, err
}

func (d syncStore) AddRun(ctx context.Context, r *anythingllm.DocumentSyncRun) error {
	if !r.Status.Valid() {
		return anythingllm.Errorf(anythingllm.InvalidArgument, "sync run status %q is not one of unknown, exited, failed, success", r.Status)
	}
	return d.s.do(func(st *state) error {
		st.cascadeSync()
		if _, ok := st.queues[r.QueueID]; !ok {
			return notFound("document sync queue")
		}
		r.ID = st.nextID()
		r.CreatedAt = ms(r.CreatedAt)
		st.runs[r.ID] = *r
		return nil
	})
}

func (d syncStore) ListRuns(ctx context.Context, queueID int64, limit int) ([]anythingllm.DocumentSyncRun, error) {
	var out []anythingllm.DocumentSyncRun
	err := d.s.do(func(st *state) error {
		st.cascadeSync()
		out = sortedByID(st.runs, func(r anythingllm.DocumentSyncRun) bool { return r.QueueID == queueID })
		slices.SortFunc(out, func(a, b anythingllm.DocumentSyncRun) int { return cmp.Compare(b.ID, a.ID) })
		if limit > 0 && len(out) > limit {
			out = out[:limit]
		}
		return nil
	})
	return out, err
}

func (d syncStore) ReplaceVectors(ctx context.Context, docID, metadata string, vectors []anythingllm.VectorRecord) error {
	return d.s.do(func(st *state) error {
		for id, v := range st.docs {
			if v.DocID != docID {
				continue
			}
			ws := st.workspaces[v.WorkspaceID].Slug
			st.vectors = slices.DeleteFunc(st.vectors, func(r vecRow) bool { return r.rec.DocID == docID })
			st.appendChange(anythingllm.VectorDeleteDoc, ws, docID)
			for _, rec := range vectors {
				rec.DocID = docID
				rec.Vector = slices.Clone(rec.Vector)
				st.vectors = append(st.vectors, vecRow{seq: st.nextID(), workspaceID: v.WorkspaceID, rec: rec})
			}
			v.Metadata = metadata
			v.LastUpdatedAt = ms(time.Now())
			st.docs[id] = v
			st.appendChange(anythingllm.VectorUpsert, ws, docID)
			return nil
		}
		return notFound("document")
	})
}
