// Package memstore is an in-memory anythingllm.Store: maps behind a mutex,
// with real transactions (a failed InTx leaves no trace). It is meant for
// unit tests and for embedding the App without a database; it passes the
// same conformance suite (storage/storetest) as the SQL stores.
package memstore

import (
	"context"
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
	vecPos     map[string]int // chunk ID -> index in vectors; a hint, checked on use and rebuilt when stale
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
