package bunstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/uptrace/bun"
)

// --- workspaces ---

type workspaceStore struct{ s *Store }

func (w workspaceStore) Create(ctx context.Context, ws *anythingllm.Workspace) error {
	r := fromWorkspace(ws)
	r.ID = 0
	if _, err := w.s.w().NewInsert().Model(r).Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "workspace")
	}
	ws.ID = r.ID
	return nil
}

func (w workspaceStore) get(ctx context.Context, where string, arg any) (*anythingllm.Workspace, error) {
	ws, err := cached(w.s, fmt.Sprint("workspace:", where, arg), func() (*anythingllm.Workspace, error) {
		var r workspaceRow
		p := w.s.params()
		if err := w.s.scanOne(ctx, "workspace:"+where, w.s.idb.NewSelect().Model(&r).Where(where, p.arg(arg)).Limit(1), p, &r); err != nil {
			return nil, err
		}
		ws := r.core()
		return &ws, nil
	}, copyWorkspace)
	return ws, mapErr(err, "workspace")
}

// copyWorkspace copies a workspace with its optional fields, so that no
// two callers share one.
func copyWorkspace(w *anythingllm.Workspace) *anythingllm.Workspace {
	c := *w
	c.VectorTag = clonePtr(w.VectorTag)
	c.OpenAITemp = clonePtr(w.OpenAITemp)
	c.OpenAIPrompt = clonePtr(w.OpenAIPrompt)
	c.SimilarityThreshold = clonePtr(w.SimilarityThreshold)
	c.ChatProvider = clonePtr(w.ChatProvider)
	c.ChatModel = clonePtr(w.ChatModel)
	c.TopN = clonePtr(w.TopN)
	c.ChatMode = clonePtr(w.ChatMode)
	c.PfpFilename = clonePtr(w.PfpFilename)
	c.AgentProvider = clonePtr(w.AgentProvider)
	c.AgentModel = clonePtr(w.AgentModel)
	c.QueryRefusalResponse = clonePtr(w.QueryRefusalResponse)
	c.VectorSearchMode = clonePtr(w.VectorSearchMode)
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func (w workspaceStore) Get(ctx context.Context, id int64) (*anythingllm.Workspace, error) {
	return w.get(ctx, "id = ?", id)
}

func (w workspaceStore) GetBySlug(ctx context.Context, slug string) (*anythingllm.Workspace, error) {
	return w.get(ctx, "slug = ?", slug)
}

func (w workspaceStore) List(ctx context.Context) ([]anythingllm.Workspace, error) {
	var rows []workspaceRow
	if err := w.s.idb.NewSelect().Model(&rows).Order("id ASC").Scan(ctx); err != nil {
		return nil, mapErr(err, "workspace")
	}
	out := make([]anythingllm.Workspace, len(rows))
	for i := range rows {
		out[i] = rows[i].core()
	}
	return out, nil
}

func (w workspaceStore) Update(ctx context.Context, ws *anythingllm.Workspace) error {
	res, err := w.s.w().NewUpdate().Model(fromWorkspace(ws)).WherePK().Exec(ctx)
	return affected(res, err, "workspace")
}

func (w workspaceStore) Delete(ctx context.Context, id int64) error {
	// Foreign keys cascade to threads, chats, documents, vectors and
	// memberships; the vector change log records the dropped namespace.
	return w.s.tx(ctx, func(idb bun.IDB) error {
		var slug string
		if err := idb.NewSelect().Model((*workspaceRow)(nil)).Column("slug").Where("id = ?", id).Scan(ctx, &slug); err != nil {
			return mapErr(err, "workspace")
		}
		res, err := idb.NewDelete().Model((*workspaceRow)(nil)).Where("id = ?", id).Exec(ctx)
		if err := affected(res, err, "workspace"); err != nil {
			return err
		}
		return w.s.appendChange(ctx, idb, anythingllm.VectorDropNamespace, slug, "")
	})
}

// --- threads ---

type threadStore struct{ s *Store }

func (t threadStore) Create(ctx context.Context, th *anythingllm.Thread) error {
	r := fromThread(th)
	r.ID = 0
	if _, err := t.s.w().NewInsert().Model(r).Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "thread")
	}
	th.ID = r.ID
	return nil
}

func (t threadStore) one(ctx context.Context, q *bun.SelectQuery) (*anythingllm.Thread, error) {
	var r threadRow
	if err := q.Model(&r).Limit(1).Scan(ctx); err != nil {
		return nil, mapErr(err, "thread")
	}
	th := r.core()
	return &th, nil
}

func (t threadStore) Get(ctx context.Context, id int64) (*anythingllm.Thread, error) {
	return t.one(ctx, t.s.idb.NewSelect().Where("id = ?", id))
}

func (t threadStore) GetBySlug(ctx context.Context, workspaceID int64, slug string) (*anythingllm.Thread, error) {
	return t.one(ctx, t.s.idb.NewSelect().Where("slug = ?", slug).Where("workspace_id = ?", workspaceID))
}

func (t threadStore) ListByWorkspace(ctx context.Context, workspaceID int64) ([]anythingllm.Thread, error) {
	var rows []threadRow
	if err := t.s.idb.NewSelect().Model(&rows).Where("workspace_id = ?", workspaceID).Order("id ASC").Scan(ctx); err != nil {
		return nil, mapErr(err, "thread")
	}
	out := make([]anythingllm.Thread, len(rows))
	for i := range rows {
		out[i] = rows[i].core()
	}
	return out, nil
}

func (t threadStore) Update(ctx context.Context, th *anythingllm.Thread) error {
	res, err := t.s.w().NewUpdate().Model(fromThread(th)).WherePK().Exec(ctx)
	return affected(res, err, "thread")
}

func (t threadStore) Delete(ctx context.Context, id int64) error {
	res, err := t.s.w().NewDelete().Model((*threadRow)(nil)).Where("id = ?", id).Exec(ctx)
	return affected(res, err, "thread")
}

// --- chats ---

type chatStore struct{ s *Store }

// applyChatFilter adds f's conditions to q.
func applyChatFilter[Q interface {
	Where(string, ...any) Q
}](q Q, f *anythingllm.ChatFilter) Q {
	return applyChatFilterArgs(q, f, func(v any) any { return v })
}

// applyChatFilterArgs is applyChatFilter with arg deciding how each value
// enters the query (params.arg for a prepared one).
func applyChatFilterArgs[Q interface {
	Where(string, ...any) Q
}](q Q, f *anythingllm.ChatFilter, arg func(any) any) Q {
	if f == nil {
		return q
	}
	if f.WorkspaceID != 0 {
		q = q.Where("workspace_id = ?", arg(f.WorkspaceID))
	}
	if f.ThreadID != 0 {
		q = q.Where("thread_id = ?", arg(f.ThreadID))
	}
	if f.NoThread {
		q = q.Where("thread_id IS NULL")
	}
	if f.SessionID != "" {
		q = q.Where("api_session_id = ?", arg(f.SessionID))
	}
	if f.NoSession {
		q = q.Where("api_session_id IS NULL")
	}
	if f.UserID != 0 {
		q = q.Where("user_id = ?", arg(f.UserID))
	}
	if f.NoUser {
		q = q.Where("user_id IS NULL")
	}
	if f.IncludedOnly {
		q = q.Where("include = ?", arg(true))
	}
	if f.IDs != nil {
		if len(f.IDs) == 0 {
			q = q.Where("1 = 0")
		} else {
			q = q.Where("id IN (?)", bun.In(f.IDs))
		}
	}
	if f.MinID != 0 {
		q = q.Where("id >= ?", arg(f.MinID))
	}
	return q
}

// chatListKey names the shape of List(f)'s query: which conditions it
// has, its order and its limit (which bun writes into the text).
func chatListKey(f *anythingllm.ChatFilter) string {
	if f == nil {
		return "chats:nil"
	}
	b := []byte("chats:")
	for _, on := range []bool{f.WorkspaceID != 0, f.ThreadID != 0, f.NoThread, f.SessionID != "", f.NoSession,
		f.UserID != 0, f.NoUser, f.IncludedOnly, f.MinID != 0, f.Newest} {
		if on {
			b = append(b, '1')
		} else {
			b = append(b, '0')
		}
	}
	return string(strconv.AppendInt(append(b, ':'), int64(f.Limit), 10))
}

func (c chatStore) Create(ctx context.Context, ch *anythingllm.Chat) error {
	r := fromChat(ch)
	r.ID = 0
	if c.s.chats != nil && !c.s.inTx {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.s.chats.insert(r); err != nil {
			return mapErr(err, "chat")
		}
		ch.ID = r.ID
		return nil
	}
	if _, err := c.s.w().NewInsert().Model(r).Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "chat")
	}
	ch.ID = r.ID
	return nil
}

func (c chatStore) Get(ctx context.Context, id int64) (*anythingllm.Chat, error) {
	var r chatRow
	if err := c.s.idb.NewSelect().Model(&r).Where("id = ?", id).Limit(1).Scan(ctx); err != nil {
		return nil, mapErr(err, "chat")
	}
	ch := r.core()
	return &ch, nil
}

func (c chatStore) List(ctx context.Context, f *anythingllm.ChatFilter) ([]anythingllm.Chat, error) {
	if c.s.lists == nil || c.s.inTx || !cacheableChatList(f) {
		return c.list(ctx, f)
	}
	key := chatListCacheKey(f)
	if rows, ok := c.s.lists.get(key); ok {
		return chatsOf(rows), nil
	}
	gen, ver := c.s.lists.version()
	rows, err := c.listRows(ctx, f)
	if err != nil {
		return nil, err
	}
	c.s.lists.put(gen, ver, key, f, rows)
	return chatsOf(rows), nil
}

func (c chatStore) list(ctx context.Context, f *anythingllm.ChatFilter) ([]anythingllm.Chat, error) {
	rows, err := c.listRows(ctx, f)
	if err != nil {
		return nil, err
	}
	return chatsOf(rows), nil
}

// chatsOf converts rows, copying their optional fields so that callers
// share nothing with a cached row.
func chatsOf(rows []chatRow) []anythingllm.Chat {
	out := make([]anythingllm.Chat, len(rows))
	for i := range rows {
		c := rows[i].core()
		c.UserID, c.ThreadID = clonePtr(c.UserID), clonePtr(c.ThreadID)
		c.APISessionID, c.FeedbackScore = clonePtr(c.APISessionID), clonePtr(c.FeedbackScore)
		out[i] = c
	}
	return out
}

func (c chatStore) listRows(ctx context.Context, f *anythingllm.ChatFilter) ([]chatRow, error) {
	var rows []chatRow
	p := c.s.params()
	// Lists of ids and paging offsets vary too much to be worth preparing.
	p.bind = p.bind && (f == nil || (f.IDs == nil && f.Offset == 0))
	q := applyChatFilterArgs(c.s.idb.NewSelect().Model(&rows), f, p.arg)
	if f != nil && f.Newest {
		q = q.Order("id DESC")
	} else {
		q = q.Order("id ASC")
	}
	if f != nil && f.Limit > 0 {
		q = q.Limit(int64(f.Limit))
	}
	if f != nil && f.Offset > 0 {
		q = q.Offset(int64(f.Offset))
		if f.Limit <= 0 && !c.s.postgres {
			q = q.Limit(math.MaxInt32) // SQLite needs a LIMIT with OFFSET
		}
	}
	if err := c.s.scanAll(ctx, chatListKey(f), q, p, &rows); err != nil {
		return nil, mapErr(err, "chat")
	}
	return rows, nil
}

func (c chatStore) Count(ctx context.Context, f *anythingllm.ChatFilter) (int, error) {
	n, err := applyChatFilter(c.s.idb.NewSelect().Model((*chatRow)(nil)), f).Count(ctx)
	return int(n), mapErr(err, "chat")
}

func (c chatStore) Update(ctx context.Context, ch *anythingllm.Chat) error {
	res, err := c.s.w().NewUpdate().Model(fromChat(ch)).WherePK().Exec(ctx)
	return affected(res, err, "chat")
}

func (c chatStore) SetInclude(ctx context.Context, f *anythingllm.ChatFilter, include bool) (int, error) {
	q := c.s.w().NewUpdate().Model((*chatRow)(nil)).Set("include = ?", include).
		Set("last_updated_at = ?", time.Now().UTC().Truncate(time.Millisecond))
	if f.Empty() {
		q = q.Where("1 = 1")
	}
	res, err := applyChatFilter(q, f).Exec(ctx)
	if err != nil {
		return 0, mapErr(err, "chat")
	}
	n, err := res.RowsAffected()
	return int(n), mapErr(err, "chat")
}

func (c chatStore) Delete(ctx context.Context, f *anythingllm.ChatFilter) (int, error) {
	if f.Empty() {
		return 0, anythingllm.Errorf(anythingllm.InvalidArgument, "refusing to delete chats with an empty filter")
	}
	res, err := applyChatFilter(c.s.w().NewDelete().Model((*chatRow)(nil)), f).Exec(ctx)
	if err != nil {
		return 0, mapErr(err, "chat")
	}
	n, err := res.RowsAffected()
	return int(n), mapErr(err, "chat")
}

// --- documents and vectors ---

type documentStore struct{ s *Store }

// vectorBatch bounds the rows of one INSERT (SQLite allows 32766
// parameters; a vector row has 6).
const vectorBatch = 500

func (d documentStore) Add(ctx context.Context, doc *anythingllm.WorkspaceDocument, vectors []anythingllm.VectorRecord) error {
	return d.s.tx(ctx, func(idb bun.IDB) error {
		r := fromDocument(doc)
		r.ID = 0
		if _, err := idb.NewInsert().Model(r).Returning("id").Exec(ctx); err != nil {
			return mapErr(err, "document")
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
			rows = append(rows, vectorRow{DocID: doc.DocID, VectorID: v.ID, WorkspaceID: doc.WorkspaceID,
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
		var slug string
		if err := idb.NewSelect().Model((*workspaceRow)(nil)).Column("slug").Where("id = ?", doc.WorkspaceID).Scan(ctx, &slug); err != nil {
			return mapErr(err, "workspace")
		}
		if err := d.s.appendChange(ctx, idb, anythingllm.VectorUpsert, slug, doc.DocID); err != nil {
			return err
		}
		doc.ID = r.ID
		return nil
	})
}

func (d documentStore) Get(ctx context.Context, workspaceID int64, docpath string) (*anythingllm.WorkspaceDocument, error) {
	var r documentRow
	err := d.s.idb.NewSelect().Model(&r).Where("workspace_id = ?", workspaceID).Where("docpath = ?", docpath).Limit(1).Scan(ctx)
	if err != nil {
		return nil, mapErr(err, "document")
	}
	doc := r.core()
	return &doc, nil
}

func (d documentStore) list(ctx context.Context, where string, arg any) ([]anythingllm.WorkspaceDocument, error) {
	var rows []documentRow
	p := d.s.params()
	if err := d.s.scanAll(ctx, "documents:"+where, d.s.idb.NewSelect().Model(&rows).Where(where, p.arg(arg)).Order("id ASC"), p, &rows); err != nil {
		return nil, mapErr(err, "document")
	}
	out := make([]anythingllm.WorkspaceDocument, len(rows))
	for i := range rows {
		out[i] = rows[i].core()
	}
	return out, nil
}

func (d documentStore) ListByWorkspace(ctx context.Context, workspaceID int64) ([]anythingllm.WorkspaceDocument, error) {
	return d.list(ctx, "workspace_id = ?", workspaceID)
}

func (d documentStore) ListPinned(ctx context.Context, workspaceID int64) ([]anythingllm.WorkspaceDocument, error) {
	return cached(d.s, fmt.Sprint("pinned:", workspaceID), func() ([]anythingllm.WorkspaceDocument, error) {
		return d.list(ctx, "workspace_id = ? AND pinned = TRUE", workspaceID)
	}, slices.Clone)
}

func (d documentStore) ListByDocpath(ctx context.Context, docpath string) ([]anythingllm.WorkspaceDocument, error) {
	return d.list(ctx, "docpath = ?", docpath)
}

func (d documentStore) SetPinned(ctx context.Context, workspaceID int64, docpath string, pinned bool) error {
	res, err := d.s.w().NewUpdate().Model((*documentRow)(nil)).Set("pinned = ?", pinned).
		Set("last_updated_at = ?", time.Now().UTC().Truncate(time.Millisecond)).
		Where("workspace_id = ?", workspaceID).Where("docpath = ?", docpath).Exec(ctx)
	return affected(res, err, "document")
}

func (d documentStore) Remove(ctx context.Context, docID string) error {
	// Vectors go with the document (ON DELETE CASCADE); the vector change
	// log records the removal.
	return d.s.tx(ctx, func(idb bun.IDB) error {
		var slug string
		err := idb.NewSelect().TableExpr("workspace_documents AS d").Join("JOIN workspaces AS w ON w.id = d.workspace_id").
			ColumnExpr("w.slug").Where("d.doc_id = ?", docID).Scan(ctx, &slug)
		if err != nil {
			return mapErr(err, "document")
		}
		res, err := idb.NewDelete().Model((*documentRow)(nil)).Where("doc_id = ?", docID).Exec(ctx)
		if err := affected(res, err, "document"); err != nil {
			return err
		}
		return d.s.appendChange(ctx, idb, anythingllm.VectorDeleteDoc, slug, docID)
	})
}

func (d documentStore) Vectors(ctx context.Context, afterSeq int64, limit int) ([]anythingllm.StoredVector, error) {
	q := `SELECT v.id, v.doc_id, v.vector_id, v.workspace_id, v.embedding, v.text, v.metadata, w.slug
		FROM document_vectors AS v JOIN workspaces AS w ON w.id = v.workspace_id
		WHERE v.id > ? ORDER BY v.id ASC`
	args := []any{afterSeq}
	if limit > 0 {
		q += " LIMIT ?"
		args = append(args, limit)
	}
	var out []anythingllm.StoredVector
	var dec vectorDecoder
	add := func(seq int64, docID, id string, workspaceID int64, emb []byte, text, meta, slug string) error {
		sv := anythingllm.StoredVector{Seq: seq, Namespace: slug, WorkspaceID: workspaceID}
		var err error
		sv.VectorRecord, err = dec.record(seq, docID, id, emb, text, meta)
		out = append(out, sv)
		return err
	}
	if d.s.postgres && !d.s.inTx {
		data, err := d.s.copyBinary(ctx, q, args...)
		if err != nil {
			return nil, mapErr(err, "vector")
		}
		err = eachCopyRow(data, 8, func(f [][]byte) error {
			seq, err1 := copyInt8(f[0])
			ws, err2 := copyInt8(f[3])
			if err := errors.Join(err1, err2); err != nil {
				return err
			}
			return add(seq, string(f[1]), string(f[2]), ws, f[4], string(f[5]), string(f[6]), string(f[7]))
		})
		return out, storeErr(err)
	}
	// Plain database/sql scanning with RawBytes: this loads every vector at
	// start, so it avoids reflection and copies the blob only once, into
	// the float32 slice.
	rows, err := d.s.idb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, mapErr(err, "vector")
	}
	defer rows.Close()
	for rows.Next() {
		var seq, ws int64
		var docID, id, text, meta, slug string
		var emb sql.RawBytes
		if err := rows.Scan(&seq, &docID, &id, &ws, &emb, &text, &meta, &slug); err != nil {
			return nil, mapErr(err, "vector")
		}
		if err := add(seq, docID, id, ws, emb, text, meta, slug); err != nil {
			return nil, err
		}
	}
	return out, mapErr(rows.Err(), "vector")
}

func (d documentStore) VectorsByDoc(ctx context.Context, docID string) ([]anythingllm.VectorRecord, error) {
	// As Vectors (every follower reads each new document through here).
	q := `SELECT id, vector_id, embedding, text, metadata FROM document_vectors WHERE doc_id = ? ORDER BY id ASC`
	out := []anythingllm.VectorRecord{}
	var dec vectorDecoder
	if d.s.postgres && !d.s.inTx {
		data, err := d.s.copyBinary(ctx, q, docID)
		if err != nil {
			return nil, mapErr(err, "vector")
		}
		err = eachCopyRow(data, 5, func(f [][]byte) error {
			seq, err := copyInt8(f[0])
			if err != nil {
				return err
			}
			rec, err := dec.record(seq, docID, string(f[1]), f[2], string(f[3]), string(f[4]))
			out = append(out, rec)
			return err
		})
		return out, storeErr(err)
	}
	rows, err := d.s.idb.QueryContext(ctx, q, docID)
	if err != nil {
		return nil, mapErr(err, "vector")
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var id, text, meta string
		var emb sql.RawBytes
		if err := rows.Scan(&seq, &id, &emb, &text, &meta); err != nil {
			return nil, mapErr(err, "vector")
		}
		rec, err := dec.record(seq, docID, id, emb, text, meta)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, mapErr(rows.Err(), "vector")
}

// vectorDecoder turns stored vector rows into records. The chunks of one
// document share their metadata JSON, so each distinct one is decoded once.
type vectorDecoder struct {
	metas map[string]map[string]any
}

func (d *vectorDecoder) record(seq int64, docID, id string, emb []byte, text, meta string) (anythingllm.VectorRecord, error) {
	rec := anythingllm.VectorRecord{ID: id, DocID: docID, Text: text, Vector: decodeVector(emb)}
	if meta == "" || meta == "{}" {
		return rec, nil
	}
	m, ok := d.metas[meta]
	if !ok {
		if err := json.Unmarshal([]byte(meta), &m); err != nil {
			return rec, anythingllm.WrapError(anythingllm.Internal, err, "stored vector %d has corrupt metadata", seq)
		}
		if d.metas == nil {
			d.metas = map[string]map[string]any{}
		}
		d.metas[meta] = m
	}
	rec.Metadata = m
	return rec, nil
}

func (d documentStore) CountVectors(ctx context.Context, workspaceID int64) (int, error) {
	q := d.s.idb.NewSelect().Model((*vectorRow)(nil))
	if workspaceID != 0 {
		q = q.Where("workspace_id = ?", workspaceID)
	}
	n, err := q.Count(ctx)
	return int(n), mapErr(err, "vector")
}

// --- users ---

type userStore struct{ s *Store }

func (u userStore) Create(ctx context.Context, usr *anythingllm.User) error {
	r := fromUser(usr)
	r.ID = 0
	if _, err := u.s.w().NewInsert().Model(r).Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "user")
	}
	usr.ID = r.ID
	return nil
}

func (u userStore) one(ctx context.Context, where string, arg any) (*anythingllm.User, error) {
	var r userRow
	if err := u.s.idb.NewSelect().Model(&r).Where(where, arg).Limit(1).Scan(ctx); err != nil {
		return nil, mapErr(err, "user")
	}
	usr := r.core()
	return &usr, nil
}

func (u userStore) Get(ctx context.Context, id int64) (*anythingllm.User, error) {
	return u.one(ctx, "id = ?", id)
}

func (u userStore) GetByUsername(ctx context.Context, username string) (*anythingllm.User, error) {
	return u.one(ctx, "username = ?", username)
}

func (u userStore) List(ctx context.Context) ([]anythingllm.User, error) {
	var rows []userRow
	if err := u.s.idb.NewSelect().Model(&rows).Order("id ASC").Scan(ctx); err != nil {
		return nil, mapErr(err, "user")
	}
	out := make([]anythingllm.User, len(rows))
	for i := range rows {
		out[i] = rows[i].core()
	}
	return out, nil
}

func (u userStore) Update(ctx context.Context, usr *anythingllm.User) error {
	res, err := u.s.w().NewUpdate().Model(fromUser(usr)).WherePK().Exec(ctx)
	return affected(res, err, "user")
}

func (u userStore) Delete(ctx context.Context, id int64) error {
	res, err := u.s.w().NewDelete().Model((*userRow)(nil)).Where("id = ?", id).Exec(ctx)
	return affected(res, err, "user")
}

func (u userStore) WorkspaceUsers(ctx context.Context, workspaceID int64) ([]anythingllm.WorkspaceUser, error) {
	var rows []struct {
		UserID        int64     `bun:"user_id"`
		Username      string    `bun:"username"`
		Role          string    `bun:"role"`
		LastUpdatedAt time.Time `bun:"last_updated_at"`
	}
	err := u.s.idb.NewSelect().TableExpr("workspace_users AS m").
		ColumnExpr("m.user_id, u.username, u.role, m.last_updated_at").
		Join("JOIN users AS u ON u.id = m.user_id").
		Where("m.workspace_id = ?", workspaceID).Order("m.user_id ASC").Scan(ctx, &rows)
	if err != nil {
		return nil, mapErr(err, "workspace user")
	}
	out := make([]anythingllm.WorkspaceUser, len(rows))
	for i, r := range rows {
		out[i] = anythingllm.WorkspaceUser{UserID: r.UserID, Username: r.Username, Role: anythingllm.Role(r.Role), LastUpdatedAt: utc(r.LastUpdatedAt)}
	}
	return out, nil
}

func (u userStore) SetWorkspaceUsers(ctx context.Context, workspaceID int64, userIDs []int64) error {
	return u.s.tx(ctx, func(idb bun.IDB) error {
		if _, err := idb.NewDelete().Model((*memberRow)(nil)).Where("workspace_id = ?", workspaceID).Exec(ctx); err != nil {
			return mapErr(err, "workspace user")
		}
		return addMembers(ctx, idb, workspaceID, userIDs)
	})
}

func (u userStore) AddWorkspaceUsers(ctx context.Context, workspaceID int64, userIDs []int64) error {
	return u.s.tx(ctx, func(idb bun.IDB) error { return addMembers(ctx, idb, workspaceID, userIDs) })
}

func addMembers(ctx context.Context, idb bun.IDB, workspaceID int64, userIDs []int64) error {
	n, err := idb.NewSelect().Model((*workspaceRow)(nil)).Where("id = ?", workspaceID).Count(ctx)
	if err != nil {
		return mapErr(err, "workspace")
	}
	if n == 0 {
		return mapErr(sql.ErrNoRows, "workspace")
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	for _, id := range userIDs {
		exists, err := idb.NewSelect().Model((*memberRow)(nil)).Where("workspace_id = ?", workspaceID).Where("user_id = ?", id).Exists(ctx)
		if err != nil {
			return mapErr(err, "workspace user")
		}
		if exists {
			continue
		}
		if _, err := idb.NewInsert().Model(&memberRow{UserID: id, WorkspaceID: workspaceID, CreatedAt: now, LastUpdatedAt: now}).Exec(ctx); err != nil {
			return mapErr(err, "user")
		}
	}
	return nil
}

func (u userStore) UserWorkspaceIDs(ctx context.Context, userID int64) ([]int64, error) {
	var ids []int64
	err := u.s.idb.NewSelect().Model((*memberRow)(nil)).Column("workspace_id").Where("user_id = ?", userID).Order("workspace_id ASC").Scan(ctx, &ids)
	return ids, mapErr(err, "workspace user")
}

// --- invites ---

type inviteStore struct{ s *Store }

func (i inviteStore) Create(ctx context.Context, inv *anythingllm.Invite) error {
	r := fromInvite(inv)
	r.ID = 0
	if _, err := i.s.w().NewInsert().Model(r).Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "invite")
	}
	inv.ID = r.ID
	return nil
}

func (i inviteStore) one(ctx context.Context, where string, arg any) (*anythingllm.Invite, error) {
	var r inviteRow
	if err := i.s.idb.NewSelect().Model(&r).Where(where, arg).Limit(1).Scan(ctx); err != nil {
		return nil, mapErr(err, "invite")
	}
	inv := r.core()
	return &inv, nil
}

func (i inviteStore) Get(ctx context.Context, id int64) (*anythingllm.Invite, error) {
	return i.one(ctx, "id = ?", id)
}

func (i inviteStore) GetByCode(ctx context.Context, code string) (*anythingllm.Invite, error) {
	return i.one(ctx, "code = ?", code)
}

func (i inviteStore) List(ctx context.Context) ([]anythingllm.Invite, error) {
	var rows []inviteRow
	if err := i.s.idb.NewSelect().Model(&rows).Order("id ASC").Scan(ctx); err != nil {
		return nil, mapErr(err, "invite")
	}
	out := make([]anythingllm.Invite, len(rows))
	for k := range rows {
		out[k] = rows[k].core()
	}
	return out, nil
}

func (i inviteStore) Update(ctx context.Context, inv *anythingllm.Invite) error {
	res, err := i.s.w().NewUpdate().Model(fromInvite(inv)).WherePK().Exec(ctx)
	return affected(res, err, "invite")
}

// --- API keys ---

type apiKeyStore struct{ s *Store }

func (k apiKeyStore) Create(ctx context.Context, key *anythingllm.APIKey) error {
	r := &apiKeyRow{Name: key.Name, SecretHash: key.SecretHash, Prefix: key.Prefix, CreatedBy: key.CreatedBy,
		CreatedAt: utc(key.CreatedAt), LastUpdatedAt: utc(key.LastUpdatedAt)}
	if _, err := k.s.w().NewInsert().Model(r).Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "api key")
	}
	key.ID = r.ID
	return nil
}

func (k apiKeyStore) GetByHash(ctx context.Context, hash string) (*anythingllm.APIKey, error) {
	var r apiKeyRow
	p := k.s.params()
	if err := k.s.scanOne(ctx, "apikey:hash", k.s.idb.NewSelect().Model(&r).Where("secret_hash = ?", p.arg(hash)).Limit(1), p, &r); err != nil {
		return nil, mapErr(err, "api key")
	}
	key := r.core()
	return &key, nil
}

func (k apiKeyStore) List(ctx context.Context) ([]anythingllm.APIKey, error) {
	var rows []apiKeyRow
	if err := k.s.idb.NewSelect().Model(&rows).Order("id ASC").Scan(ctx); err != nil {
		return nil, mapErr(err, "api key")
	}
	out := make([]anythingllm.APIKey, len(rows))
	for i := range rows {
		out[i] = rows[i].core()
	}
	return out, nil
}

func (k apiKeyStore) Delete(ctx context.Context, id int64) error {
	res, err := k.s.w().NewDelete().Model((*apiKeyRow)(nil)).Where("id = ?", id).Exec(ctx)
	return affected(res, err, "api key")
}

// --- settings ---

type settingsStore struct{ s *Store }

func (g settingsStore) Get(ctx context.Context, label string) (string, error) {
	var r settingRow
	if err := g.s.idb.NewSelect().Model(&r).Where("label = ?", label).Limit(1).Scan(ctx); err != nil {
		return "", mapErr(err, "setting "+label)
	}
	return r.Value, nil
}

func (g settingsStore) Set(ctx context.Context, label, value string) error {
	_, err := g.s.w().NewInsert().Model(&settingRow{Label: label, Value: value}).
		On("CONFLICT (label) DO UPDATE").Set("value = EXCLUDED.value").Exec(ctx)
	return mapErr(err, "setting")
}

func (g settingsStore) Delete(ctx context.Context, label string) error {
	res, err := g.s.w().NewDelete().Model((*settingRow)(nil)).Where("label = ?", label).Exec(ctx)
	return affected(res, err, "setting "+label)
}

func (g settingsStore) All(ctx context.Context) ([]anythingllm.Setting, error) {
	var rows []settingRow
	if err := g.s.idb.NewSelect().Model(&rows).Order("label ASC").Scan(ctx); err != nil {
		return nil, mapErr(err, "setting")
	}
	out := make([]anythingllm.Setting, len(rows))
	for i, r := range rows {
		out[i] = anythingllm.Setting{Label: r.Label, Value: r.Value}
	}
	return out, nil
}
