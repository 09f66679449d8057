package anythingllm

import "context"

// Locker is an optional Store capability for work that must run once
// across every process sharing the database (scheduled jobs): at most one
// holder of a name at a time, in any process. bunstore implements it with
// PostgreSQL session advisory locks or, on SQLite, a lock file beside the
// database; memstore within the process. A lock dies with its process (or
// its Store's Close), so a crash never leaves one behind.
//
//	unlock, ok, err := locker.TryLock(ctx, "jobs:sync-documents")
//	if err != nil || !ok {
//		return err // another process runs it
//	}
//	defer unlock()
type Locker interface {
	// TryLock takes the lock called name without waiting. ok is false
	// when someone else holds it. unlock releases it; call it once.
	TryLock(ctx context.Context, name string) (unlock func() error, ok bool, err error)
}
