package bunstore_test

import (
	"context"
	"path/filepath"
	"testing"

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
