package bunstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/bunstore"
	"github.com/anythingllm-go/anythingllm/storage/bunstore/bunstoretest"
)

// testTwoProcessLock: two stores on one database stand for two processes;
// the second cannot take a lock the first holds, and can after unlock.
func testTwoProcessLock(t *testing.T, a, b anythingllm.Locker) {
	ctx := context.Background()
	unlock, ok, err := a.TryLock(ctx, "jobs:sync")
	if err != nil || !ok {
		t.Fatalf("first TryLock = %v, %v", ok, err)
	}
	if _, ok, err := b.TryLock(ctx, "jobs:sync"); err != nil || ok {
		t.Fatalf("TryLock in the other process while held = %v, %v; want false, nil", ok, err)
	}
	unlockOther, ok, err := b.TryLock(ctx, "jobs:other")
	if err != nil || !ok {
		t.Fatalf("another name in the other process = %v, %v", ok, err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if err := unlock(); err != nil {
		t.Fatalf("a second unlock: %v", err)
	}
	unlock2, ok, err := b.TryLock(ctx, "jobs:sync")
	if err != nil || !ok {
		t.Fatalf("TryLock after unlock = %v, %v", ok, err)
	}
	if _, ok, _ := a.TryLock(ctx, "jobs:sync"); ok {
		t.Fatal("the first process took a lock the other holds")
	}
	_ = unlock2()
	_ = unlockOther()
}

func TestLockerSQLiteTwoProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), bunstore.FileName)
	testTwoProcessLock(t, bunstoretest.SQLiteAt(t, path), bunstoretest.SQLiteAt(t, path))
}

func TestLockerPostgresTwoProcesses(t *testing.T) {
	dsn, opts := bunstoretest.PostgresSchema(t)
	testTwoProcessLock(t, bunstoretest.PostgresAt(t, dsn, opts), bunstoretest.PostgresAt(t, dsn, opts))
}

// A lock dies with its holder: closing the store (as the end of the
// process would) frees it for the others.
func TestLockerReleasedByClose(t *testing.T) {
	ctx := context.Background()
	t.Run("SQLite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), bunstore.FileName)
		a, err := bunstore.Open(ctx, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		b := bunstoretest.SQLiteAt(t, path)
		checkReleasedByClose(t, a, b)
	})
	t.Run("Postgres", func(t *testing.T) {
		dsn, opts := bunstoretest.PostgresSchema(t)
		b := bunstoretest.PostgresAt(t, dsn, opts)
		a, err := bunstore.Open(ctx, dsn, opts)
		if err != nil {
			t.Fatal(err)
		}
		checkReleasedByClose(t, a, b)
	})
}

func checkReleasedByClose(t *testing.T, a *bunstore.Store, b *bunstore.Store) {
	ctx := context.Background()
	if _, ok, err := a.TryLock(ctx, "jobs:sync"); err != nil || !ok {
		t.Fatalf("TryLock = %v, %v", ok, err)
	}
	if _, ok, _ := b.TryLock(ctx, "jobs:sync"); ok {
		t.Fatal("the lock is not held across stores")
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	unlock, ok, err := b.TryLock(ctx, "jobs:sync")
	if err != nil || !ok {
		t.Fatalf("TryLock after the holder closed = %v, %v; want true", ok, err)
	}
	_ = unlock()
}

// On PostgreSQL a lock dies with its session: when the holder's connection
// is cut (the process died, the network broke), another process gets it.
func TestLockerPostgresSessionDeath(t *testing.T) {
	ctx := context.Background()
	dsn, opts := bunstoretest.PostgresSchema(t)
	a, b := bunstoretest.PostgresAt(t, dsn, opts), bunstoretest.PostgresAt(t, dsn, opts)
	unlock, ok, err := a.TryLock(ctx, "jobs:sync")
	if err != nil || !ok {
		t.Fatalf("TryLock = %v, %v", ok, err)
	}
	// Cut the holder's session from outside, as its death would.
	// Only the session holding this test's key: other tests share the
	// server. The key is the first 8 bytes of the name's hash, which
	// pg_locks shows as classid (high half) and objid (low half).
	k := sha256.Sum256([]byte("anythingllm-lock:" + opts.SearchPath + ":jobs:sync"))
	hi, lo := binary.BigEndian.Uint32(k[:4]), binary.BigEndian.Uint32(k[4:8])
	var n int
	if err := b.DB().QueryRowContext(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND classid::text::bigint = ? AND objid::text::bigint = ?
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, int64(hi), int64(lo)).Scan(&n); err != nil || n != 1 {
		t.Fatalf("terminating the holder's session: %d, %v", n, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		unlockB, ok, err := b.TryLock(ctx, "jobs:sync")
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			_ = unlockB()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lock of a dead session was not released within 5 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := unlock(); err == nil {
		t.Fatal("unlocking a lock lost with its session reported no error")
	}
}
