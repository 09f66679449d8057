package bunstore

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

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

const readCacheTTL = 2 * time.Second

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
