package bunstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one embedded schema change.
type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("bunstore: migration file %q must start with a number and '_'", name)
		}
		b, err := migrationFiles.ReadFile("migrations/" + name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// dialectSQL fills the per-dialect placeholders of a migration.
func (s *Store) dialectSQL(q string) string {
	if s.postgres {
		return strings.NewReplacer("{{PK}}", "BIGSERIAL PRIMARY KEY", "{{BLOB}}", "BYTEA", "{{TS}}", "TIMESTAMPTZ").Replace(q)
	}
	return strings.NewReplacer("{{PK}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{BLOB}}", "BLOB", "{{TS}}", "TIMESTAMP").Replace(q)
}

// Migrate brings the schema up to date. It is idempotent and safe to run
// from several processes at once (the server and the CLI): each migration
// runs in a transaction that first takes a lock (an advisory lock on
// PostgreSQL, the write lock on SQLite), then re-checks whether it is still
// pending.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	if _, err := s.wdb.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("bunstore: creating schema_migrations: %w", err)
	}
	for _, m := range ms {
		err := s.wdb.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
			if s.postgres {
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7312025)`); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			for _, stmt := range splitSQL(s.dialectSQL(m.sql)) {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%s: %w", firstLine(stmt), err)
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES (?, ?)`, m.version, m.name)
			return err
		})
		if err != nil {
			return fmt.Errorf("bunstore: migration %s: %w", m.name, err)
		}
	}
	return nil
}

// splitSQL splits a migration into statements at semicolons that end a
// line, dropping comment lines.
func splitSQL(q string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(q, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, cur.String())
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
