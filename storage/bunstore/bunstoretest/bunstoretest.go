// Package bunstoretest opens migrated bunstore databases for tests: a SQLite
// file in a temporary folder, or a fresh schema on the PostgreSQL server
// named by ANYTHINGLLM_TEST_POSTGRES_DSN (dropped when the test ends).
package bunstoretest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/anythingllm-go/anythingllm/storage/bunstore"
)

// PostgresDSNEnv names the environment variable with the test server's DSN.
const PostgresDSNEnv = "ANYTHINGLLM_TEST_POSTGRES_DSN"

// SQLite returns a migrated store on a new SQLite file, closed at cleanup.
func SQLite(t testing.TB) *bunstore.Store {
	t.Helper()
	return SQLiteAt(t, filepath.Join(t.TempDir(), bunstore.FileName))
}

// SQLiteAt opens and migrates the SQLite file at path, closed at cleanup.
func SQLiteAt(t testing.TB, path string) *bunstore.Store {
	t.Helper()
	ctx := context.Background()
	s, err := bunstore.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// Postgres returns a migrated store in a new schema of the test server, and
// drops the schema at cleanup. It skips the test when the DSN is unset.
func Postgres(t testing.TB) *bunstore.Store {
	t.Helper()
	dsn, opts := PostgresSchema(t)
	return PostgresAt(t, dsn, opts)
}

// PostgresSchema creates a new schema on the test server, dropped at
// cleanup, and returns the DSN and Options that open stores on it (each
// such store stands for another process sharing the database). It skips
// the test when the DSN is unset.
func PostgresSchema(t testing.TB) (dsn string, opts *bunstore.Options) {
	t.Helper()
	dsn = os.Getenv(PostgresDSNEnv)
	if dsn == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL run (e.g. %s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", PostgresDSNEnv, PostgresDSNEnv)
	}
	ctx := context.Background()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "anythingllm_test_" + hex.EncodeToString(b[:])
	admin, err := bunstore.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatalf("connecting to %s: %v", PostgresDSNEnv, err)
	}
	if _, err := admin.DB().ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.DB().ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		_ = admin.Close()
	})
	return dsn, &bunstore.Options{SearchPath: schema}
}

// PostgresAt opens and migrates a store with dsn and opts (from
// PostgresSchema), closed at cleanup.
func PostgresAt(t testing.TB, dsn string, opts *bunstore.Options) *bunstore.Store {
	t.Helper()
	ctx := context.Background()
	s, err := bunstore.Open(ctx, dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}
