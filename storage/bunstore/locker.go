package bunstore

import (
	"context"
	"crypto/sha256"
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"sync"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

var _ anythingllm.Locker = (*Store)(nil)

// lockSet tracks the locks a Store holds, so Close can drop them (as the
// end of the process would), and the in-process locks of ":memory:".
type lockSet struct {
	mu     sync.Mutex
	held   map[*heldLock]struct{}
	inproc map[string]bool
}

type heldLock struct {
	once sync.Once
	err  error
	// release gives the lock back; kill drops it the way a dying process
	// would (closing the session or the file).
	release, kill func() error
}

func (l *lockSet) add(h *heldLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held == nil {
		l.held = map[*heldLock]struct{}{}
	}
	l.held[h] = struct{}{}
}

// unlockFunc returns h's unlock function, which runs release once.
func (l *lockSet) unlockFunc(h *heldLock) func() error {
	return func() error {
		h.once.Do(func() {
			l.mu.Lock()
			delete(l.held, h)
			l.mu.Unlock()
			h.err = h.release()
		})
		return h.err
	}
}

func (l *lockSet) closeAll() {
	l.mu.Lock()
	held := l.held
	l.held = nil
	l.mu.Unlock()
	// Give each lock back (so the next holder can take it at once), or
	// drop it as the end of the process would.
	for h := range held {
		h.once.Do(func() {
			if h.err = h.release(); h.err != nil {
				h.err = h.kill()
			}
		})
	}
}

// lockKey is the advisory lock key (or lock file suffix) of a name.
// Advisory locks are per database, so on PostgreSQL the name is scoped by
// the schema (Options.SearchPath) the store works in.
func lockKey(scope, name string) [32]byte {
	return sha256.Sum256([]byte("anythingllm-lock:" + scope + ":" + name))
}

// TryLock takes the lock called name without waiting, across every process
// using the database: on PostgreSQL a session advisory lock
// (pg_try_advisory_lock) held on a connection of its own until unlock; on a
// SQLite file an exclusive flock on a file beside the database
// ("<db>.lock-<hash>"); on ":memory:" within the process. The lock dies
// with the process (PostgreSQL ends the session, the kernel drops the
// flock); Close gives back the locks the Store holds. On PostgreSQL a lock
// is also lost if its connection breaks (the server then ends the
// session); unlock reports that as ErrUnavailable.
func (s *Store) TryLock(ctx context.Context, name string) (unlock func() error, ok bool, err error) {
	switch {
	case s.postgres:
		return s.tryAdvisoryLock(ctx, name)
	case s.path != "":
		return s.tryFileLock(name)
	default:
		return s.tryInProcessLock(name)
	}
}

func (s *Store) tryAdvisoryLock(ctx context.Context, name string) (func() error, bool, error) {
	k := lockKey(s.schema, name)
	key := int64(binary.BigEndian.Uint64(k[:8])) // #nosec G115 -- a hash reinterpreted as PostgreSQL's bigint lock key; wrapping is intended
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, false, mapErr(err, "lock")
	}
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(?)`, key).Scan(&got); err != nil {
		_ = conn.Close()
		return nil, false, mapErr(err, "lock")
	}
	if !got {
		_ = conn.Close()
		return nil, false, nil
	}
	// kill closes the session itself: PostgreSQL then drops its locks,
	// and database/sql discards the connection instead of pooling it.
	kill := func() error {
		_ = conn.Raw(func(dc any) error {
			if c, ok := dc.(io.Closer); ok {
				_ = c.Close()
			}
			return driver.ErrBadConn
		})
		_ = conn.Close()
		return nil
	}
	release := func() error {
		var released bool
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		err := conn.QueryRowContext(uctx, `SELECT pg_advisory_unlock(?)`, key).Scan(&released)
		if err != nil || !released {
			_ = kill() // the session (and so the lock) is gone either way
			if err != nil {
				return anythingllm.WrapError(anythingllm.Unavailable, err, "releasing lock %q", name)
			}
			return nil
		}
		return conn.Close()
	}
	h := &heldLock{release: release, kill: kill}
	s.locks.add(h)
	return s.locks.unlockFunc(h), true, nil
}

// errLocked says that another holder has the file lock.
var errLocked = errors.New("locked")

func (s *Store) tryFileLock(name string) (func() error, bool, error) {
	k := lockKey("", name)
	path := s.path + ".lock-" + hex.EncodeToString(k[:8])
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600) // #nosec G304 -- the database's own path plus a hex hash, never request input
	if err != nil {
		return nil, false, anythingllm.WrapError(anythingllm.Unavailable, err, "opening lock file for %q", name)
	}
	if err := lockFile(f); err != nil {
		_ = f.Close()
		if errors.Is(err, errLocked) {
			return nil, false, nil
		}
		return nil, false, anythingllm.WrapError(anythingllm.Unavailable, err, "locking %s", path)
	}
	// The file stays: removing it would let a process that opened it
	// before the removal lock a file nobody else sees.
	release := func() error {
		uerr := unlockFile(f)
		return errors.Join(uerr, f.Close())
	}
	h := &heldLock{release: release, kill: f.Close}
	s.locks.add(h)
	return s.locks.unlockFunc(h), true, nil
}

func (s *Store) tryInProcessLock(name string) (func() error, bool, error) {
	l := s.locks
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inproc[name] {
		return nil, false, nil
	}
	if l.inproc == nil {
		l.inproc = map[string]bool{}
	}
	l.inproc[name] = true
	free := func() error {
		l.mu.Lock()
		delete(l.inproc, name)
		l.mu.Unlock()
		return nil
	}
	h := &heldLock{release: free, kill: free}
	if l.held == nil {
		l.held = map[*heldLock]struct{}{}
	}
	l.held[h] = struct{}{}
	return l.unlockFunc(h), true, nil
}
