package bunstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/uptrace/bun"
)

// A LISTEN that waits past its idle timeout keeps listening: with the
// timeout at 50 ms, a notification sent after several of them still wakes
// the watcher.
func TestListenSurvivesIdleTimeouts(t *testing.T) {
	dsn := os.Getenv("ANYTHINGLLM_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("ANYTHINGLLM_TEST_POSTGRES_DSN is not set; skipping the PostgreSQL run")
	}
	old := listenIdle
	listenIdle = 50 * time.Millisecond
	t.Cleanup(func() { listenIdle = old })
	ctx := context.Background()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "anythingllm_test_" + hex.EncodeToString(b[:])
	s, err := Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.DB().ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	defer s.DB().ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	s2, err := Open(ctx, dsn, &Options{SearchPath: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.Migrate(ctx); err != nil {
		t.Fatal(err)
	}

	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := s2.WatchVectorChanges(wctx)
	select { // the wake-up every watcher gives once it listens
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("no first wake-up")
	}
	time.Sleep(300 * time.Millisecond) // several idle timeouts
	select {
	case <-ch:
		t.Fatal("woken without a notification")
	default:
	}
	if err := s2.tx(ctx, func(idb bun.IDB) error { return s2.appendChange(ctx, idb, "upsert", "ns", "d") }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("a notification after idle timeouts did not wake the watcher")
	}
}
