package bunstore

import "context"

// Ping checks that the database answers (every connection pool). database/sql
// reconnects by itself, so a Ping that fails while the server is away
// succeeds again once it is back.
func (s *Store) Ping(ctx context.Context) error {
	for _, db := range s.dbs() {
		if err := db.PingContext(ctx); err != nil {
			return mapErr(err, "database")
		}
		// PingContext may answer from an idle connection whose server has
		// gone; a round trip proves the database is there.
		var one int
		if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
			return mapErr(err, "database")
		}
	}
	return nil
}
