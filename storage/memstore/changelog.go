package memstore

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

var (
	_ anythingllm.VectorChangeLog = (*Store)(nil)
	_ anythingllm.Locker          = (*Store)(nil)
)

// VectorChanges returns up to limit change log entries with Seq > afterSeq.
func (s *Store) VectorChanges(ctx context.Context, afterSeq int64, limit int) ([]anythingllm.VectorChange, error) {
	var out []anythingllm.VectorChange
	err := s.do(func(st *state) error {
		i, _ := slices.BinarySearchFunc(st.changes, afterSeq+1, func(c anythingllm.VectorChange, seq int64) int { return cmp.Compare(c.Seq, seq) })
		end := len(st.changes)
		if limit > 0 {
			end = min(end, i+limit)
		}
		out = slices.Clone(st.changes[i:end])
		return nil
	})
	return out, err
}

// VectorChangeBounds reports the first seq still kept and the newest.
func (s *Store) VectorChangeBounds(ctx context.Context) (oldest, newest int64, err error) {
	err = s.do(func(st *state) error {
		oldest, newest = st.pruned+1, max(st.pruned, st.lastChange())
		return nil
	})
	return oldest, newest, err
}

// PruneVectorChanges removes the entries written before olderThan.
func (s *Store) PruneVectorChanges(ctx context.Context, olderThan time.Time) (int, error) {
	n := 0
	err := s.do(func(st *state) error {
		for n < len(st.changes) && st.changes[n].At.Before(olderThan) {
			n++
		}
		if n > 0 {
			st.pruned = max(st.pruned, st.changes[n-1].Seq)
			st.changes = slices.Delete(st.changes, 0, n)
		}
		return nil
	})
	return n, err
}

// WatchVectorChanges wakes the caller after each committed change, until
// ctx ends.
func (s *Store) WatchVectorChanges(ctx context.Context) <-chan struct{} {
	return s.watch.add(ctx)
}

// watchers are the channels of WatchVectorChanges.
type watchers struct {
	mu sync.Mutex
	m  map[chan struct{}]struct{}
}

func (w *watchers) add(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	w.mu.Lock()
	if w.m == nil {
		w.m = map[chan struct{}]struct{}{}
	}
	w.m[ch] = struct{}{}
	w.mu.Unlock()
	context.AfterFunc(ctx, func() {
		w.mu.Lock()
		delete(w.m, ch)
		w.mu.Unlock()
		close(ch)
	})
	return ch
}

func (w *watchers) wake() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for ch := range w.m {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// locks are the Locker's names held in this store.
type locks struct {
	mu   sync.Mutex
	held map[string]bool
}

// TryLock takes the lock called name without waiting. A memstore lives in
// one process, so its locks do too.
func (s *Store) TryLock(ctx context.Context, name string) (unlock func() error, ok bool, err error) {
	l := s.locks
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[name] {
		return nil, false, nil
	}
	if l.held == nil {
		l.held = map[string]bool{}
	}
	l.held[name] = true
	var once sync.Once
	return func() error {
		once.Do(func() {
			l.mu.Lock()
			delete(l.held, name)
			l.mu.Unlock()
		})
		return nil
	}, true, nil
}
