package bunstore

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/uptrace/bun"
)

// readCache keeps the rows every chat reads and that change rarely: a
// workspace (by slug or id) and its pinned documents. It is used on SQLite
// only, where this process is the only writer of those tables (the CLI
// writes API keys and users, which are never cached: a revoked key must
// fail at once).
//
// Any write through the store but a chat save clears it: a bun query hook
// on the writer pool after each statement, and the transaction wrappers
// after each commit. A read stores its result only if no write finished
// while it ran (the generation is unchanged), so a reader that saw the old
// row cannot put it back after the write cleared it. Entries also expire
// after readCacheTTL, which bounds staleness should a second server process
// ever write the same file.
type readCache struct {
	gen atomic.Uint64
	mu  sync.Mutex
	m   map[string]cacheEntry
}

type cacheEntry struct {
	v   any
	gen uint64
	at  time.Time
}

// One second: the bound on staleness across processes that replicas promise
// for everything they cache (the vector index follows its change log as fast).
const readCacheTTL = time.Second

func (c *readCache) get(key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || e.gen != c.gen.Load() || time.Since(e.at) > readCacheTTL {
		return nil, false
	}
	return e.v, true
}

// put stores v, read when the generation was gen.
func (c *readCache) put(gen uint64, key string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen.Load() {
		return
	}
	if c.m == nil || len(c.m) > 4096 {
		c.m = map[string]cacheEntry{}
	}
	c.m[key] = cacheEntry{v: v, gen: gen, at: time.Now()}
}

func (c *readCache) clear() {
	c.gen.Add(1)
}

// cached returns the value cached under key, or reads it with load and
// caches it. copyOf makes the copy handed out, so callers cannot change
// the cached value. Outside SQLite and inside transactions it just loads.
func cached[V any](s *Store, key string, load func() (V, error), copyOf func(V) V) (V, error) {
	if s.cache == nil || s.inTx {
		return load()
	}
	if v, ok := s.cache.get(key); ok {
		return copyOf(v.(V)), nil
	}
	gen := s.cache.gen.Load()
	v, err := load()
	if err != nil {
		return v, err
	}
	s.cache.put(gen, key, copyOf(v))
	return v, nil
}

// invalidateHook clears the cache after every statement on the writer pool.
type invalidateHook struct{ c *readCache }

func (h invalidateHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (h invalidateHook) AfterQuery(context.Context, *bun.QueryEvent) { h.c.clear() }

// chatLists caches the results of "newest N chats" lists: a conversation's
// history, which every chat turn reads and then extends by one. Saves
// made by the group committer are written through: each saved row is put
// at the head of every cached list it belongs to. Any other write clears
// the whole cache, through the readCache's generation.
type chatLists struct {
	rc  *readCache
	mu  sync.Mutex
	ver uint64 // bumped by every batch of saves
	m   map[string]*chatListEntry
}

type chatListEntry struct {
	f    anythingllm.ChatFilter
	rows []chatRow // newest first, at most f.Limit
	gen  uint64
	at   time.Time
}

// maxCachedLimit and maxChatLists bound the memory a cache can hold.
const (
	maxCachedLimit = 50
	maxChatLists   = 512
)

// cacheableChatList reports whether List(f) results are kept.
func cacheableChatList(f *anythingllm.ChatFilter) bool {
	return f != nil && f.Newest && f.Limit > 0 && f.Limit <= maxCachedLimit && f.IDs == nil && f.Offset == 0 && f.MinID == 0
}

func chatListCacheKey(f *anythingllm.ChatFilter) string {
	return fmt.Sprint(chatListKey(f), "|", f.WorkspaceID, "|", f.ThreadID, "|", f.UserID, "|", f.SessionID)
}

func (c *chatLists) get(key string) ([]chatRow, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[key]
	if e == nil || e.gen != c.rc.gen.Load() || time.Since(e.at) > readCacheTTL {
		return nil, false
	}
	return slices.Clone(e.rows), true
}

// version returns what put needs to know that no save or write finished
// while a list was being read.
func (c *chatLists) version() (gen, ver uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rc.gen.Load(), c.ver
}

func (c *chatLists) put(gen, ver uint64, key string, f *anythingllm.ChatFilter, rows []chatRow) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.rc.gen.Load() || ver != c.ver {
		return
	}
	if c.m == nil || len(c.m) >= maxChatLists {
		c.m = map[string]*chatListEntry{}
	}
	c.m[key] = &chatListEntry{f: *f, rows: slices.Clone(rows), gen: gen, at: time.Now()}
}

// saved writes committed rows (in id order) through to the cached lists.
// Ids only grow, so a row newer than a list's head belongs at its head,
// and one that is not is in the list already (read after the commit).
func (c *chatLists) saved(rows []*chatRow) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ver++
	gen := c.rc.gen.Load()
	for _, e := range c.m {
		if e.gen != gen {
			continue
		}
		for _, r := range rows {
			if len(e.rows) > 0 && r.ID <= e.rows[0].ID {
				continue
			}
			if ch := r.core(); !e.f.Matches(&ch) {
				continue
			}
			e.rows = slices.Insert(e.rows, 0, *r)
			if len(e.rows) > e.f.Limit {
				e.rows = e.rows[:e.f.Limit]
			}
		}
	}
}
