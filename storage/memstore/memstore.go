// Package memstore is an in-memory anythingllm.Store: maps behind a mutex,
// with real transactions (a failed InTx leaves no trace). It is meant for
// unit tests and for embedding the App without a database; it passes the
// same conformance suite (storage/storetest) as the SQL stores.
package memstore

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

type vecRow struct {
	seq         int64
	workspaceID int64
	rec         anythingllm.VectorRecord
}

type member struct {
	userID, workspaceID int64
	updated             time.Time
}

// state is everything the store holds. It is cloned for transactions.
type state struct {
	seq        int64 // one id sequence for every table keeps things simple
	workspaces map[int64]anythingllm.Workspace
	threads    map[int64]anythingllm.Thread
	chats      map[int64]anythingllm.Chat
	docs       map[int64]anythingllm.WorkspaceDocument
	vectors    []vecRow
	users      map[int64]anythingllm.User
	members    []member
	invites    map[int64]anythingllm.Invite
	keys       map[int64]anythingllm.APIKey
	settings   map[string]string
	changes    []anythingllm.VectorChange // the vector change log
	pruned     int64                      // the highest pruned change seq
	queues     map[int64]anythingllm.DocumentSyncQueue
	runs       map[int64]anythingllm.DocumentSyncRun
}

func newState() *state {
	return &state{
		workspaces: map[int64]anythingllm.Workspace{}, threads: map[int64]anythingllm.Thread{},
		chats: map[int64]anythingllm.Chat{}, docs: map[int64]anythingllm.WorkspaceDocument{},
		users: map[int64]anythingllm.User{}, invites: map[int64]anythingllm.Invite{},
		keys: map[int64]anythingllm.APIKey{}, settings: map[string]string{},
		queues: map[int64]anythingllm.DocumentSyncQueue{}, runs: map[int64]anythingllm.DocumentSyncRun{},
	}
}

func (s *state) clone() *state {
	return &state{
		seq: s.seq, workspaces: maps.Clone(s.workspaces), threads: maps.Clone(s.threads),
		chats: maps.Clone(s.chats), docs: maps.Clone(s.docs), vectors: slices.Clone(s.vectors),
		users: maps.Clone(s.users), members: slices.Clone(s.members), invites: maps.Clone(s.invites),
		keys: maps.Clone(s.keys), settings: maps.Clone(s.settings),
		changes: slices.Clone(s.changes), pruned: s.pruned,
		queues: maps.Clone(s.queues), runs: maps.Clone(s.runs),
	}
}

func (s *state) nextID() int64 { s.seq++; return s.seq }

// appendChange adds an entry to the vector change log.
func (s *state) appendChange(op anythingllm.VectorChangeOp, namespace, docID string) {
	s.changes = append(s.changes, anythingllm.VectorChange{Seq: s.nextID(), Op: op, Namespace: namespace, DocID: docID, At: time.Now().UTC()})
}

// lastChange is the seq of the newest change log entry, or 0.
func (s *state) lastChange() int64 {
	if len(s.changes) == 0 {
		return 0
	}
	return s.changes[len(s.changes)-1].Seq
}

// Store is the in-memory store. The zero value is not usable; call New.
type Store struct {
	txMu  sync.RWMutex // held exclusively by a transaction, shared by single operations
	mu    *sync.Mutex
	st    **state
	inTx  bool
	watch *watchers
	locks *locks
}

// New returns an empty store.
func New() *Store {
	st := newState()
	return &Store{mu: new(sync.Mutex), st: &st, watch: &watchers{}, locks: &locks{}}
}

// do runs fn on the state under the locks.
func (s *Store) do(fn func(st *state) error) error {
	if !s.inTx {
		s.txMu.RLock()
		defer s.txMu.RUnlock()
	}
	s.mu.Lock()
	st := *s.st
	before := st.lastChange()
	err := fn(st)
	changed := st.lastChange() != before
	s.mu.Unlock()
	if changed && !s.inTx {
		s.watch.wake()
	}
	return err
}

// InTx runs fn on a copy of the data and publishes the copy only if fn
// succeeds; transactions run one at a time.
func (s *Store) InTx(ctx context.Context, fn func(tx anythingllm.Store) error) (err error) {
	if s.inTx {
		return fn(s)
	}
	s.txMu.Lock()
	defer s.txMu.Unlock()
	s.mu.Lock()
	work := (*s.st).clone()
	s.mu.Unlock()
	tx := &Store{mu: new(sync.Mutex), st: &work, inTx: true, watch: s.watch, locks: s.locks}
	defer func() {
		if v := recover(); v != nil {
			panic(v) // the copy is dropped: nothing was published
		}
	}()
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	s.mu.Lock()
	changed := (*s.st).lastChange() != work.lastChange()
	*s.st = work
	s.mu.Unlock()
	if changed {
		s.watch.wake()
	}
	return nil
}

// Close does nothing.
func (s *Store) Close() error { return nil }

func (s *Store) Workspaces() anythingllm.WorkspaceStore { return workspaces{s} }
func (s *Store) Threads() anythingllm.ThreadStore       { return threads{s} }
func (s *Store) Chats() anythingllm.ChatStore           { return chats{s} }
func (s *Store) Documents() anythingllm.DocumentStore   { return documents{s} }
func (s *Store) Users() anythingllm.UserStore           { return users{s} }
func (s *Store) Invites() anythingllm.InviteStore       { return invites{s} }
func (s *Store) APIKeys() anythingllm.APIKeyStore       { return apiKeys{s} }
func (s *Store) Settings() anythingllm.SettingsStore    { return settings{s} }

func notFound(what string) error {
	return anythingllm.WrapError(anythingllm.NotFound, anythingllm.ErrNotFound, "%s not found", what)
}

func exists(what string) error {
	return anythingllm.WrapError(anythingllm.AlreadyExists, anythingllm.ErrAlreadyExists, "%s already exists", what)
}

func sortedByID[T any](m map[int64]T, keep func(T) bool) []T {
	ids := slices.Sorted(maps.Keys(m))
	out := make([]T, 0, len(ids))
	for _, id := range ids {
		if keep == nil || keep(m[id]) {
			out = append(out, m[id])
		}
	}
	return out
}

// --- workspaces ---

type workspaces struct{ s *Store }

func (w workspaces) Create(ctx context.Context, ws *anythingllm.Workspace) error {
	return w.s.do(func(st *state) error {
		for _, o := range st.workspaces {
			if o.Slug == ws.Slug {
				return exists(fmt.Sprintf("workspace slug %q", ws.Slug))
			}
		}
		ws.ID = st.nextID()
		st.workspaces[ws.ID] = *ws
		return nil
	})
}

func (w workspaces) Get(ctx context.Context, id int64) (*anythingllm.Workspace, error) {
	var out anythingllm.Workspace
	err := w.s.do(func(st *state) error {
		v, ok := st.workspaces[id]
		if !ok {
			return notFound("workspace")
		}
		out = v
		return nil
	})
	return &out, err
}

func (w workspaces) GetBySlug(ctx context.Context, slug string) (*anythingllm.Workspace, error) {
	var out anythingllm.Workspace
	err := w.s.do(func(st *state) error {
		for _, v := range st.workspaces {
			if v.Slug == slug {
				out = v
				return nil
			}
		}
		return notFound("workspace")
	})
	return &out, err
}

func (w workspaces) List(ctx context.Context) ([]anythingllm.Workspace, error) {
	var out []anythingllm.Workspace
	err := w.s.do(func(st *state) error { out = sortedByID(st.workspaces, nil); return nil })
	return out, err
}

func (w workspaces) Update(ctx context.Context, ws *anythingllm.Workspace) error {
	return w.s.do(func(st *state) error {
		if _, ok := st.workspaces[ws.ID]; !ok {
			return notFound("workspace")
		}
		for id, o := range st.workspaces {
			if id != ws.ID && o.Slug == ws.Slug {
				return exists(fmt.Sprintf("workspace slug %q", ws.Slug))
			}
		}
		st.workspaces[ws.ID] = *ws
		return nil
	})
}

func (w workspaces) Delete(ctx context.Context, id int64) error {
	return w.s.do(func(st *state) error {
		ws, ok := st.workspaces[id]
		if !ok {
			return notFound("workspace")
		}
		delete(st.workspaces, id)
		st.appendChange(anythingllm.VectorDropNamespace, ws.Slug, "")
		for tid, t := range st.threads {
			if t.WorkspaceID == id {
				delete(st.threads, tid)
			}
		}
		for cid, c := range st.chats {
			if c.WorkspaceID == id {
				delete(st.chats, cid)
			}
		}
		for did, d := range st.docs {
			if d.WorkspaceID == id {
				delete(st.docs, did)
			}
		}
		st.vectors = slices.DeleteFunc(st.vectors, func(v vecRow) bool { return v.workspaceID == id })
		st.members = slices.DeleteFunc(st.members, func(m member) bool { return m.workspaceID == id })
		return nil
	})
}

// --- threads ---

type threads struct{ s *Store }

func (t threads) Create(ctx context.Context, th *anythingllm.Thread) error {
	return t.s.do(func(st *state) error {
		if _, ok := st.workspaces[th.WorkspaceID]; !ok {
			return notFound("workspace")
		}
		for _, o := range st.threads {
			if o.Slug == th.Slug {
				return exists(fmt.Sprintf("thread slug %q", th.Slug))
			}
		}
		th.ID = st.nextID()
		st.threads[th.ID] = *th
		return nil
	})
}

func (t threads) Get(ctx context.Context, id int64) (*anythingllm.Thread, error) {
	var out anythingllm.Thread
	err := t.s.do(func(st *state) error {
		v, ok := st.threads[id]
		if !ok {
			return notFound("thread")
		}
		out = v
		return nil
	})
	return &out, err
}

func (t threads) GetBySlug(ctx context.Context, workspaceID int64, slug string) (*anythingllm.Thread, error) {
	var out anythingllm.Thread
	err := t.s.do(func(st *state) error {
		for _, v := range st.threads {
			if v.Slug == slug && v.WorkspaceID == workspaceID {
				out = v
				return nil
			}
		}
		return notFound("thread")
	})
	return &out, err
}

func (t threads) ListByWorkspace(ctx context.Context, workspaceID int64) ([]anythingllm.Thread, error) {
	var out []anythingllm.Thread
	err := t.s.do(func(st *state) error {
		out = sortedByID(st.threads, func(v anythingllm.Thread) bool { return v.WorkspaceID == workspaceID })
		return nil
	})
	return out, err
}

func (t threads) Update(ctx context.Context, th *anythingllm.Thread) error {
	return t.s.do(func(st *state) error {
		if _, ok := st.threads[th.ID]; !ok {
			return notFound("thread")
		}
		for id, o := range st.threads {
			if id != th.ID && o.Slug == th.Slug {
				return exists(fmt.Sprintf("thread slug %q", th.Slug))
			}
		}
		st.threads[th.ID] = *th
		return nil
	})
}

func (t threads) Delete(ctx context.Context, id int64) error {
	return t.s.do(func(st *state) error {
		if _, ok := st.threads[id]; !ok {
			return notFound("thread")
		}
		delete(st.threads, id)
		for cid, c := range st.chats {
			if c.ThreadID != nil && *c.ThreadID == id {
				delete(st.chats, cid)
			}
		}
		return nil
	})
}

// --- chats ---

type chats struct{ s *Store }

func matchChat(f *anythingllm.ChatFilter, c *anythingllm.Chat) bool {
	if f == nil {
		return true
	}
	switch {
	case f.WorkspaceID != 0 && c.WorkspaceID != f.WorkspaceID,
		f.ThreadID != 0 && (c.ThreadID == nil || *c.ThreadID != f.ThreadID),
		f.NoThread && c.ThreadID != nil,
		f.SessionID != "" && (c.APISessionID == nil || *c.APISessionID != f.SessionID),
		f.NoSession && c.APISessionID != nil,
		f.UserID != 0 && (c.UserID == nil || *c.UserID != f.UserID),
		f.NoUser && c.UserID != nil,
		f.IncludedOnly && !c.Include,
		f.IDs != nil && !slices.Contains(f.IDs, c.ID),
		f.MinID != 0 && c.ID < f.MinID:
		return false
	}
	return true
}

func emptyFilter(f *anythingllm.ChatFilter) bool {
	return f == nil || (f.WorkspaceID == 0 && f.ThreadID == 0 && !f.NoThread && f.SessionID == "" && !f.NoSession &&
		f.UserID == 0 && !f.NoUser && !f.IncludedOnly && f.IDs == nil && f.MinID == 0)
}

func (c chats) Create(ctx context.Context, ch *anythingllm.Chat) error {
	return c.s.do(func(st *state) error {
		if _, ok := st.workspaces[ch.WorkspaceID]; !ok {
			return notFound("workspace")
		}
		if ch.ThreadID != nil {
			if _, ok := st.threads[*ch.ThreadID]; !ok {
				return notFound("thread")
			}
		}
		ch.ID = st.nextID()
		st.chats[ch.ID] = *ch
		return nil
	})
}

func (c chats) Get(ctx context.Context, id int64) (*anythingllm.Chat, error) {
	var out anythingllm.Chat
	err := c.s.do(func(st *state) error {
		v, ok := st.chats[id]
		if !ok {
			return notFound("chat")
		}
		out = v
		return nil
	})
	return &out, err
}

func (c chats) List(ctx context.Context, f *anythingllm.ChatFilter) ([]anythingllm.Chat, error) {
	var out []anythingllm.Chat
	err := c.s.do(func(st *state) error {
		out = sortedByID(st.chats, func(v anythingllm.Chat) bool { return matchChat(f, &v) })
		return nil
	})
	if f != nil {
		if f.Newest {
			slices.Reverse(out)
		}
		if f.Offset > 0 {
			out = out[min(f.Offset, len(out)):]
		}
		if f.Limit > 0 && len(out) > f.Limit {
			out = out[:f.Limit]
		}
	}
	return out, err
}

func (c chats) Count(ctx context.Context, f *anythingllm.ChatFilter) (int, error) {
	n := 0
	err := c.s.do(func(st *state) error {
		for _, v := range st.chats {
			if matchChat(f, &v) {
				n++
			}
		}
		return nil
	})
	return n, err
}

func (c chats) Update(ctx context.Context, ch *anythingllm.Chat) error {
	return c.s.do(func(st *state) error {
		if _, ok := st.chats[ch.ID]; !ok {
			return notFound("chat")
		}
		st.chats[ch.ID] = *ch
		return nil
	})
}

func (c chats) SetInclude(ctx context.Context, f *anythingllm.ChatFilter, include bool) (int, error) {
	n := 0
	err := c.s.do(func(st *state) error {
		for id, v := range st.chats {
			if matchChat(f, &v) {
				v.Include = include
				st.chats[id] = v
				n++
			}
		}
		return nil
	})
	return n, err
}

func (c chats) Delete(ctx context.Context, f *anythingllm.ChatFilter) (int, error) {
	if emptyFilter(f) {
		return 0, anythingllm.Errorf(anythingllm.InvalidArgument, "refusing to delete chats with an empty filter")
	}
	n := 0
	err := c.s.do(func(st *state) error {
		for id, v := range st.chats {
			if matchChat(f, &v) {
				delete(st.chats, id)
				n++
			}
		}
		return nil
	})
	return n, err
}

// --- documents and vectors ---

type documents struct{ s *Store }

func (d documents) Add(ctx context.Context, doc *anythingllm.WorkspaceDocument, vectors []anythingllm.VectorRecord) error {
	return d.s.do(func(st *state) error {
		if _, ok := st.workspaces[doc.WorkspaceID]; !ok {
			return notFound("workspace")
		}
		for _, o := range st.docs {
			if o.DocID == doc.DocID {
				return exists(fmt.Sprintf("document %q", doc.DocID))
			}
			if o.WorkspaceID == doc.WorkspaceID && o.Docpath == doc.Docpath {
				return exists(fmt.Sprintf("document %q in this workspace", doc.Docpath))
			}
		}
		doc.ID = st.nextID()
		st.docs[doc.ID] = *doc
		for _, v := range vectors {
			v.DocID = doc.DocID
			v.Vector = slices.Clone(v.Vector)
			st.vectors = append(st.vectors, vecRow{seq: st.nextID(), workspaceID: doc.WorkspaceID, rec: v})
		}
		st.appendChange(anythingllm.VectorUpsert, st.workspaces[doc.WorkspaceID].Slug, doc.DocID)
		return nil
	})
}

func (d documents) Get(ctx context.Context, workspaceID int64, docpath string) (*anythingllm.WorkspaceDocument, error) {
	var out anythingllm.WorkspaceDocument
	err := d.s.do(func(st *state) error {
		for _, v := range st.docs {
			if v.WorkspaceID == workspaceID && v.Docpath == docpath {
				out = v
				return nil
			}
		}
		return notFound("document")
	})
	return &out, err
}

func (d documents) ListByWorkspace(ctx context.Context, workspaceID int64) ([]anythingllm.WorkspaceDocument, error) {
	var out []anythingllm.WorkspaceDocument
	err := d.s.do(func(st *state) error {
		out = sortedByID(st.docs, func(v anythingllm.WorkspaceDocument) bool { return v.WorkspaceID == workspaceID })
		return nil
	})
	return out, err
}

func (d documents) ListPinned(ctx context.Context, workspaceID int64) ([]anythingllm.WorkspaceDocument, error) {
	var out []anythingllm.WorkspaceDocument
	err := d.s.do(func(st *state) error {
		out = sortedByID(st.docs, func(v anythingllm.WorkspaceDocument) bool { return v.WorkspaceID == workspaceID && v.Pinned })
		return nil
	})
	return out, err
}

func (d documents) ListByDocpath(ctx context.Context, docpath string) ([]anythingllm.WorkspaceDocument, error) {
	var out []anythingllm.WorkspaceDocument
	err := d.s.do(func(st *state) error {
		out = sortedByID(st.docs, func(v anythingllm.WorkspaceDocument) bool { return v.Docpath == docpath })
		return nil
	})
	return out, err
}

func (d documents) SetPinned(ctx context.Context, workspaceID int64, docpath string, pinned bool) error {
	return d.s.do(func(st *state) error {
		for id, v := range st.docs {
			if v.WorkspaceID == workspaceID && v.Docpath == docpath {
				v.Pinned = pinned
				st.docs[id] = v
				return nil
			}
		}
		return notFound("document")
	})
}

func (d documents) Remove(ctx context.Context, docID string) error {
	return d.s.do(func(st *state) error {
		for id, v := range st.docs {
			if v.DocID == docID {
				delete(st.docs, id)
				st.vectors = slices.DeleteFunc(st.vectors, func(r vecRow) bool { return r.rec.DocID == docID })
				st.appendChange(anythingllm.VectorDeleteDoc, st.workspaces[v.WorkspaceID].Slug, docID)
				return nil
			}
		}
		return notFound("document")
	})
}

func (d documents) Vectors(ctx context.Context, afterSeq int64, limit int) ([]anythingllm.StoredVector, error) {
	var out []anythingllm.StoredVector
	err := d.s.do(func(st *state) error {
		i, _ := slices.BinarySearchFunc(st.vectors, afterSeq+1, func(r vecRow, seq int64) int { return cmp.Compare(r.seq, seq) })
		for ; i < len(st.vectors) && (limit <= 0 || len(out) < limit); i++ {
			r := st.vectors[i]
			rec := r.rec
			rec.Vector = slices.Clone(rec.Vector)
			out = append(out, anythingllm.StoredVector{Seq: r.seq, WorkspaceID: r.workspaceID,
				Namespace: st.workspaces[r.workspaceID].Slug, VectorRecord: rec})
		}
		return nil
	})
	return out, err
}

func (d documents) VectorsByDoc(ctx context.Context, docID string) ([]anythingllm.VectorRecord, error) {
	var out []anythingllm.VectorRecord
	err := d.s.do(func(st *state) error {
		for _, r := range st.vectors {
			if r.rec.DocID == docID {
				rec := r.rec
				rec.Vector = slices.Clone(rec.Vector)
				out = append(out, rec)
			}
		}
		return nil
	})
	return out, err
}

func (d documents) CountVectors(ctx context.Context, workspaceID int64) (int, error) {
	n := 0
	err := d.s.do(func(st *state) error {
		for _, r := range st.vectors {
			if workspaceID == 0 || r.workspaceID == workspaceID {
				n++
			}
		}
		return nil
	})
	return n, err
}

// --- users ---

type users struct{ s *Store }

func (u users) Create(ctx context.Context, usr *anythingllm.User) error {
	return u.s.do(func(st *state) error {
		for _, o := range st.users {
			if o.Username == usr.Username {
				return exists(fmt.Sprintf("username %q", usr.Username))
			}
		}
		usr.ID = st.nextID()
		st.users[usr.ID] = *usr
		return nil
	})
}

func (u users) Get(ctx context.Context, id int64) (*anythingllm.User, error) {
	var out anythingllm.User
	err := u.s.do(func(st *state) error {
		v, ok := st.users[id]
		if !ok {
			return notFound("user")
		}
		out = v
		return nil
	})
	return &out, err
}

func (u users) GetByUsername(ctx context.Context, username string) (*anythingllm.User, error) {
	var out anythingllm.User
	err := u.s.do(func(st *state) error {
		for _, v := range st.users {
			if v.Username == username {
				out = v
				return nil
			}
		}
		return notFound("user")
	})
	return &out, err
}

func (u users) List(ctx context.Context) ([]anythingllm.User, error) {
	var out []anythingllm.User
	err := u.s.do(func(st *state) error { out = sortedByID(st.users, nil); return nil })
	return out, err
}

func (u users) Update(ctx context.Context, usr *anythingllm.User) error {
	return u.s.do(func(st *state) error {
		if _, ok := st.users[usr.ID]; !ok {
			return notFound("user")
		}
		for id, o := range st.users {
			if id != usr.ID && o.Username == usr.Username {
				return exists(fmt.Sprintf("username %q", usr.Username))
			}
		}
		st.users[usr.ID] = *usr
		return nil
	})
}

func (u users) Delete(ctx context.Context, id int64) error {
	return u.s.do(func(st *state) error {
		if _, ok := st.users[id]; !ok {
			return notFound("user")
		}
		delete(st.users, id)
		st.members = slices.DeleteFunc(st.members, func(m member) bool { return m.userID == id })
		for tid, t := range st.threads {
			if t.UserID != nil && *t.UserID == id {
				delete(st.threads, tid)
			}
		}
		return nil
	})
}

func (u users) WorkspaceUsers(ctx context.Context, workspaceID int64) ([]anythingllm.WorkspaceUser, error) {
	var out []anythingllm.WorkspaceUser
	err := u.s.do(func(st *state) error {
		for _, m := range st.members {
			if m.workspaceID != workspaceID {
				continue
			}
			usr, ok := st.users[m.userID]
			if !ok {
				continue
			}
			out = append(out, anythingllm.WorkspaceUser{UserID: usr.ID, Username: usr.Username, Role: usr.Role, LastUpdatedAt: m.updated})
		}
		slices.SortFunc(out, func(a, b anythingllm.WorkspaceUser) int { return cmp.Compare(a.UserID, b.UserID) })
		return nil
	})
	return out, err
}

func (u users) SetWorkspaceUsers(ctx context.Context, workspaceID int64, userIDs []int64) error {
	return u.s.do(func(st *state) error {
		if _, ok := st.workspaces[workspaceID]; !ok {
			return notFound("workspace")
		}
		st.members = slices.DeleteFunc(st.members, func(m member) bool { return m.workspaceID == workspaceID })
		return addMembers(st, workspaceID, userIDs)
	})
}

func (u users) AddWorkspaceUsers(ctx context.Context, workspaceID int64, userIDs []int64) error {
	return u.s.do(func(st *state) error {
		if _, ok := st.workspaces[workspaceID]; !ok {
			return notFound("workspace")
		}
		return addMembers(st, workspaceID, userIDs)
	})
}

func addMembers(st *state, workspaceID int64, userIDs []int64) error {
	for _, id := range userIDs {
		if _, ok := st.users[id]; !ok {
			return notFound(fmt.Sprintf("user %d", id))
		}
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	for _, id := range userIDs {
		if !slices.ContainsFunc(st.members, func(m member) bool { return m.workspaceID == workspaceID && m.userID == id }) {
			st.members = append(st.members, member{userID: id, workspaceID: workspaceID, updated: now})
		}
	}
	return nil
}

func (u users) UserWorkspaceIDs(ctx context.Context, userID int64) ([]int64, error) {
	var out []int64
	err := u.s.do(func(st *state) error {
		for _, m := range st.members {
			if m.userID == userID {
				out = append(out, m.workspaceID)
			}
		}
		slices.Sort(out)
		return nil
	})
	return out, err
}

// --- invites ---

type invites struct{ s *Store }

func (i invites) Create(ctx context.Context, inv *anythingllm.Invite) error {
	return i.s.do(func(st *state) error {
		for _, o := range st.invites {
			if o.Code == inv.Code {
				return exists("invite code")
			}
		}
		inv.ID = st.nextID()
		st.invites[inv.ID] = *inv
		return nil
	})
}

func (i invites) Get(ctx context.Context, id int64) (*anythingllm.Invite, error) {
	var out anythingllm.Invite
	err := i.s.do(func(st *state) error {
		v, ok := st.invites[id]
		if !ok {
			return notFound("invite")
		}
		out = v
		return nil
	})
	return &out, err
}

func (i invites) GetByCode(ctx context.Context, code string) (*anythingllm.Invite, error) {
	var out anythingllm.Invite
	err := i.s.do(func(st *state) error {
		for _, v := range st.invites {
			if v.Code == code {
				out = v
				return nil
			}
		}
		return notFound("invite")
	})
	return &out, err
}

func (i invites) List(ctx context.Context) ([]anythingllm.Invite, error) {
	var out []anythingllm.Invite
	err := i.s.do(func(st *state) error { out = sortedByID(st.invites, nil); return nil })
	return out, err
}

func (i invites) Update(ctx context.Context, inv *anythingllm.Invite) error {
	return i.s.do(func(st *state) error {
		if _, ok := st.invites[inv.ID]; !ok {
			return notFound("invite")
		}
		for id, o := range st.invites {
			if id != inv.ID && o.Code == inv.Code {
				return exists("invite code")
			}
		}
		st.invites[inv.ID] = *inv
		return nil
	})
}

// --- API keys ---

type apiKeys struct{ s *Store }

func (k apiKeys) Create(ctx context.Context, key *anythingllm.APIKey) error {
	return k.s.do(func(st *state) error {
		for _, o := range st.keys {
			if o.SecretHash == key.SecretHash {
				return exists("api key")
			}
		}
		key.ID = st.nextID()
		st.keys[key.ID] = *key
		return nil
	})
}

func (k apiKeys) GetByHash(ctx context.Context, hash string) (*anythingllm.APIKey, error) {
	var out anythingllm.APIKey
	err := k.s.do(func(st *state) error {
		for _, v := range st.keys {
			if v.SecretHash == hash {
				out = v
				return nil
			}
		}
		return notFound("api key")
	})
	return &out, err
}

func (k apiKeys) List(ctx context.Context) ([]anythingllm.APIKey, error) {
	var out []anythingllm.APIKey
	err := k.s.do(func(st *state) error { out = sortedByID(st.keys, nil); return nil })
	return out, err
}

func (k apiKeys) Delete(ctx context.Context, id int64) error {
	return k.s.do(func(st *state) error {
		if _, ok := st.keys[id]; !ok {
			return notFound("api key")
		}
		delete(st.keys, id)
		return nil
	})
}

// --- settings ---

type settings struct{ s *Store }

func (g settings) Get(ctx context.Context, label string) (string, error) {
	var out string
	err := g.s.do(func(st *state) error {
		v, ok := st.settings[label]
		if !ok {
			return notFound("setting " + label)
		}
		out = v
		return nil
	})
	return out, err
}

func (g settings) Set(ctx context.Context, label, value string) error {
	return g.s.do(func(st *state) error { st.settings[label] = value; return nil })
}

func (g settings) Delete(ctx context.Context, label string) error {
	return g.s.do(func(st *state) error {
		if _, ok := st.settings[label]; !ok {
			return notFound("setting " + label)
		}
		delete(st.settings, label)
		return nil
	})
}

func (g settings) All(ctx context.Context) ([]anythingllm.Setting, error) {
	var out []anythingllm.Setting
	err := g.s.do(func(st *state) error {
		for _, k := range slices.Sorted(maps.Keys(st.settings)) {
			out = append(out, anythingllm.Setting{Label: k, Value: st.settings[k]})
		}
		return nil
	})
	return out, err
}
