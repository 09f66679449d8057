package pgvector

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/vectordb/memvec"
	"github.com/anythingllm-go/anythingllm/vectordb/vectortest"
)

const dsnEnv = "ANYTHINGLLM_TEST_PGVECTOR_DSN"

var ctx = context.Background()

// testDSN returns the test server's DSN or skips: the tests need a
// PostgreSQL with pgvector (.ci/steps/20-pglite.sh starts one).
func testDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		tb.Skipf("%s is not set: no PostgreSQL with pgvector to test against (.ci/steps/20-pglite.sh starts one; then export %s='postgres://postgres@127.0.0.1:5433/postgres?sslmode=disable')", dsnEnv, dsnEnv)
	}
	return dsn
}

var tableSeq atomic.Int64

// uniqueTable names a table prefix no other test uses, and drops the
// tables made under it when the test ends.
func uniqueTable(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("t_%d_%d_%d", os.Getpid(), tableSeq.Add(1), rand.Uint32())
	tb.Cleanup(func() { dropTables(tb, name) })
	return name
}

func dropTables(tb testing.TB, prefix string) {
	s, err := Open(ctx, testDSN(tb), &Options{Table: prefix, MaxOpenConns: 1})
	if err != nil {
		tb.Errorf("dropping the test tables: %v", err)
		return
	}
	defer s.Close()
	rows, err := s.db.QueryContext(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND starts_with(tablename, $1)`, prefix+"_")
	if err != nil {
		tb.Errorf("listing the test tables: %v", err)
		return
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			tb.Error(err)
		}
		names = append(names, n)
	}
	_ = rows.Close()
	for _, n := range names {
		if _, err := s.db.ExecContext(ctx, `DROP TABLE IF EXISTS "`+n+`"`); err != nil {
			tb.Errorf("dropping %s: %v", n, err)
		}
	}
}

// open opens a store on table (a new unique one if empty); the test closes it.
func open(tb testing.TB, table string, o *Options) *Store {
	tb.Helper()
	dsn := testDSN(tb)
	if o == nil {
		o = &Options{}
	}
	o.Table = table
	if o.Table == "" {
		o.Table = uniqueTable(tb)
	}
	if o.MaxOpenConns == 0 {
		o.MaxOpenConns = 3 // PGlite takes few connections (-m 8 in CI)
	}
	s, err := Open(ctx, dsn, o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	vectortest.RunConformanceTests(t, func(t *testing.T) anythingllm.VectorStore {
		return open(t, "", nil)
	})
}

// TestPlainPostgres runs against the repo's ordinary PostgreSQL
// (ANYTHINGLLM_TEST_POSTGRES_DSN): without pgvector there, Open must say so
// clearly; with it, the conformance suite runs there too.
func TestPlainPostgres(t *testing.T) {
	dsn := os.Getenv("ANYTHINGLLM_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("ANYTHINGLLM_TEST_POSTGRES_DSN is not set: no plain PostgreSQL to test against")
	}
	s, err := Open(ctx, dsn, &Options{Table: "probe", MaxOpenConns: 2})
	if err != nil {
		if !errors.Is(err, anythingllm.ErrFailedPrecondition) || !strings.HasPrefix(err.Error(), "pgvector: the vector extension is not installed on this server: ") {
			t.Fatalf("Open on a server without pgvector = %v, want a FailedPrecondition naming the extension", err)
		}
		t.Logf("as expected on a server without pgvector: %v", err)
		return
	}
	_ = s.Close()
	t.Setenv(dsnEnv, dsn)
	TestConformance(t)
}

func rec(id, doc string, v ...float32) anythingllm.VectorRecord {
	return anythingllm.VectorRecord{ID: id, DocID: doc, Vector: v, Text: "text " + id, Metadata: map[string]any{"n": 1.5, "tags": []any{"a"}}}
}

func TestNamespaceKeepsItsDimension(t *testing.T) {
	s := open(t, "", nil)
	if err := s.Upsert(ctx, "ws", []anythingllm.VectorRecord{rec("a", "d", 1, 2, 3)}); err != nil {
		t.Fatal(err)
	}
	err := s.Upsert(ctx, "ws", []anythingllm.VectorRecord{rec("b", "d", 1, 2, 3, 4, 5)})
	if !errors.Is(err, anythingllm.ErrInvalidArgument) {
		t.Fatalf("upsert of another dimension = %v, want ErrInvalidArgument", err)
	}
	for _, want := range []string{`"ws"`, "holds 3-dimension", "got 5", "reindex"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, err := s.Query(ctx, "ws", &anythingllm.VectorQuery{Vector: []float32{1, 2, 3, 4, 5}}); !errors.Is(err, anythingllm.ErrInvalidArgument) {
		t.Errorf("query of another dimension = %v, want ErrInvalidArgument", err)
	}
	// The refused upsert left nothing in the 5-dimension table.
	if n, err := s.Total(ctx); n != 1 || err != nil {
		t.Errorf("Total = %d, %v, want 1", n, err)
	}
	// Another namespace may use another dimension.
	if err := s.Upsert(ctx, "other", []anythingllm.VectorRecord{rec("b", "d", 1, 2, 3, 4, 5)}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Total(ctx); n != 2 || err != nil {
		t.Errorf("Total over two dimensions = %d, %v, want 2", n, err)
	}
	ms, err := s.Query(ctx, "ws", &anythingllm.VectorQuery{Vector: []float32{1, 2, 3}})
	if err != nil || len(ms) != 1 || ms[0].Metadata["n"] != 1.5 || !slices.Equal(ms[0].Metadata["tags"].([]any), []any{"a"}) {
		t.Errorf("query = %+v, %v; want the record with its metadata", ms, err)
	}
}

func TestTwoStoresShareATable(t *testing.T) {
	table := uniqueTable(t)
	// Two processes start at once on a new table: both create the
	// extension, the registry and then the same dimension's table.
	stores := make([]*Store, 2)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(ctx, testDSN(t), &Options{Table: table, MaxOpenConns: 2})
			if err != nil {
				t.Error(err)
				return
			}
			t.Cleanup(func() { _ = s.Close() })
			stores[i] = s
			if err := s.Upsert(ctx, "ws", []anythingllm.VectorRecord{rec(fmt.Sprint("first-", i), "d0", 1, 0, 0)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	a, b := stores[0], stores[1]
	if err := a.Upsert(ctx, "ws", []anythingllm.VectorRecord{rec("x", "d1", 0, 1, 0), rec("y", "d2", 0, 0, 1)}); err != nil {
		t.Fatal(err)
	}
	if n, err := b.Count(ctx, "ws"); n != 4 || err != nil {
		t.Fatalf("the other store counts %d, %v, want 4", n, err)
	}
	ms, err := b.Query(ctx, "ws", &anythingllm.VectorQuery{Vector: []float32{0, 1, 0}, TopK: 1})
	if err != nil || len(ms) != 1 || ms[0].ID != "x" {
		t.Fatalf("the other store's query = %+v, %v", ms, err)
	}
	if err := b.DeleteDocument(ctx, "ws", "d1"); err != nil {
		t.Fatal(err)
	}
	if n, _ := a.Count(ctx, "ws"); n != 3 {
		t.Fatalf("after the other store deleted a document: %d, want 3", n)
	}
	// The dimension is shared too: b refuses what a's namespace cannot hold.
	if err := b.Upsert(ctx, "ws", []anythingllm.VectorRecord{rec("z", "d", 1, 1)}); !errors.Is(err, anythingllm.ErrInvalidArgument) {
		t.Fatalf("the other store upserted another dimension: %v", err)
	}
	if err := b.DeleteNamespace(ctx, "ws"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Count(ctx, "ws"); !errors.Is(err, anythingllm.ErrNotFound) {
		t.Fatalf("after the other store dropped the namespace: %v, want ErrNotFound", err)
	}
	if err := a.Upsert(ctx, "ws", []anythingllm.VectorRecord{rec("z", "d", 1, 1)}); err != nil {
		t.Fatalf("a dropped namespace takes a new dimension: %v", err)
	}
}

func TestBadTableNameRefused(t *testing.T) {
	// Refused before any connection is made, so no server is needed.
	for _, name := range []string{
		"x; DROP TABLE users", "1abc", `"quoted"`, "a-b", "a b", "ünïcode", "vectors.public",
		strings.Repeat("a", 41),
	} {
		if _, err := Open(ctx, "postgres://u@127.0.0.1:1/db?sslmode=disable", &Options{Table: name}); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Errorf("Open with table %q: %v, want ErrInvalidArgument", name, err)
		}
		if _, err := New(ctx, nil, &Options{Table: name}); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Errorf("New with table %q: %v, want ErrInvalidArgument", name, err)
		}
	}
}

func TestErrorsHideThePassword(t *testing.T) {
	const pw = "s3cret-Passw0rd"
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for _, dsn := range []string{
		"postgres://u:" + pw + "@127.0.0.1:1/db?sslmode=disable", // nothing listens on port 1
		"postgres://u:" + pw + "@127.0.0.1:bad/db",               // url.Parse quotes the DSN
		"mysql://u:" + pw + "@127.0.0.1/db",
	} {
		_, err := Open(c, dsn, nil)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", dsn)
		}
		for e := error(err); e != nil; e = errors.Unwrap(e) {
			if strings.Contains(e.Error(), pw) {
				t.Errorf("an error of Open(%q) shows the password: %q", dsn, e.Error())
			}
		}
	}
}

func randVecs(r *rand.Rand, n, dim int) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, dim)
		for j := range v {
			v[j] = r.Float32()*2 - 1
		}
		out[i] = v
	}
	return out
}

func matchIDs(ms []anythingllm.VectorMatch) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func TestFilteredQueryAgreesWithReference(t *testing.T) {
	s := open(t, "", nil)
	ref := memvec.New()
	r := rand.New(rand.NewPCG(3, 4))
	var recs []anythingllm.VectorRecord
	for i, v := range randVecs(r, 2000, 64) {
		recs = append(recs, anythingllm.VectorRecord{ID: fmt.Sprintf("c%04d", i), DocID: fmt.Sprint("doc", i%50), Vector: v, Text: "t"})
	}
	for _, ns := range []string{"ws", "other"} {
		if err := s.Upsert(ctx, ns, recs); err != nil {
			t.Fatal(err)
		}
		if err := ref.Upsert(ctx, ns, recs); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteDocument(ctx, "other", "doc7"); err != nil { // namespaces differ
		t.Fatal(err)
	}
	_ = ref.DeleteDocument(ctx, "other", "doc7")
	exclude := []string{"doc0", "doc1", "doc2", "doc3", "doc4", "doc5", "doc6", "doc7", "doc8", "doc9", "no-such-doc", "it's"}
	for i, q := range randVecs(r, 12, 64) {
		ns := []string{"ws", "other"}[i%2]
		vq := &anythingllm.VectorQuery{Vector: q, TopK: 20, MinScore: 0.1, ExcludeDocIDs: exclude}
		if i%3 == 0 {
			vq.MinScore, vq.TopK = 0.25, 500
		}
		got, err := s.Query(ctx, ns, vq)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := ref.Query(ctx, ns, vq)
		if len(want) == 0 {
			t.Fatalf("query %d: the reference found nothing; the test data do not test the filter", i)
		}
		if !slices.Equal(matchIDs(got), matchIDs(want)) {
			t.Fatalf("query %d: %v\nreference %v", i, matchIDs(got), matchIDs(want))
		}
		for j := range got {
			if d := got[j].Score - want[j].Score; d > 1e-5 || d < -1e-5 || got[j].Distance != 1-got[j].Score {
				t.Fatalf("query %d rank %d: score %v distance %v, reference %v", i, j, got[j].Score, got[j].Distance, want[j].Score)
			}
			if slices.Contains(exclude, got[j].DocID) || got[j].Score < vq.MinScore {
				t.Fatalf("query %d: %+v passed the filter", i, got[j])
			}
		}
	}
}

func TestApproximateFindsInSetNeighbours(t *testing.T) {
	table := uniqueTable(t)
	s := open(t, table, &Options{Approximate: true})
	r := rand.New(rand.NewPCG(5, 6))
	vecs := randVecs(r, 1000, 32)
	var recs []anythingllm.VectorRecord
	for i, v := range vecs {
		recs = append(recs, anythingllm.VectorRecord{ID: fmt.Sprint(i), DocID: fmt.Sprint(i % 10), Vector: v})
	}
	if err := s.Upsert(ctx, "big", recs); err != nil {
		t.Fatal(err)
	}
	if err := s.Upsert(ctx, "small", recs[:20]); err != nil {
		t.Fatal(err)
	}
	// At this size the planner would rather read the rows and sort them
	// (exactly); without sorts it can only walk the HNSW graph.
	s.planOff = []string{"enable_sort"}
	analyze(t, s, 32)
	text, args := s.querySQL("big", vecs[0], &anythingllm.VectorQuery{TopK: 3}, 3)
	if plan := explain(t, s, false, text, args); !strings.Contains(plan, "_32_hnsw") {
		t.Fatalf("the approximate query does not use the HNSW index, so this test would not test it; plan:\n%s", plan)
	}
	for i := 0; i < len(vecs); i += 20 {
		ms, err := s.Query(ctx, "big", &anythingllm.VectorQuery{Vector: vecs[i], TopK: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 3 || ms[0].ID != fmt.Sprint(i) || ms[0].Score < 0.9999 {
			t.Fatalf("query by vector %d: top %v (scores %v)", i, matchIDs(ms), ms)
		}
	}
	// The index holds both namespaces; a filtered walk of the graph still
	// fills TopK (pgvector's iterative scan) where the filter is selective.
	// Without the btree indexes the planner cannot read the small namespace
	// directly (the test drops them; the store needs them for upserts).
	for _, q := range []string{
		`ALTER TABLE ` + s.dimTable(32) + ` DROP CONSTRAINT ` + s.ident("32_pkey"),
		`DROP INDEX ` + s.ident("32_doc"),
	} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if s.iterScan {
		ms, err := s.Query(ctx, "small", &anythingllm.VectorQuery{Vector: vecs[500], TopK: 10, ExcludeDocIDs: []string{"0"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 10 || slices.ContainsFunc(ms, func(m anythingllm.VectorMatch) bool { return m.DocID == "0" }) {
			t.Fatalf("approximate query of a small namespace: %v, want 10 matches, none of document 0", matchIDs(ms))
		}
		text, args := s.querySQL("small", vecs[500], &anythingllm.VectorQuery{TopK: 10}, 10)
		if plan := explain(t, s, false, text, args); !strings.Contains(plan, "_32_hnsw") {
			t.Fatalf("the query of the small namespace does not use the HNSW index; plan:\n%s", plan)
		}
	}

	// The exact query does not use the HNSW index even where the planner
	// is kept from reading the whole table.
	exact := open(t, table, nil)
	q := &anythingllm.VectorQuery{Vector: vecs[0], TopK: 5}
	for _, c := range []struct {
		s        *Store
		wantHNSW bool
	}{{s, true}, {exact, false}} {
		text, args := c.s.querySQL("big", vecs[0], q, 5)
		plan := explain(t, c.s, !c.s.opts.Approximate, text, args)
		if got := strings.Contains(plan, "_32_hnsw"); got != c.wantHNSW {
			t.Errorf("approximate=%v: uses the HNSW index = %v, want %v; plan:\n%s", c.s.opts.Approximate, got, c.wantHNSW, plan)
		}
	}
}

// analyze gathers the planner's statistics of the dim-dimension table, as
// autovacuum does on a server after many inserts (PGlite has none). Without
// them the planner takes a namespace for a small part of the table and
// sorts it rather than walk the HNSW index.
func analyze(t testing.TB, s *Store, dim int) {
	t.Helper()
	if _, err := s.db.ExecContext(ctx, `ANALYZE `+s.dimTable(dim)); err != nil {
		t.Fatal(err)
	}
}

// explain returns query's plan; force makes the planner avoid scans that
// read the whole table.
func explain(t testing.TB, s *Store, force bool, query string, args []any) string {
	t.Helper()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	var qs []string
	if s.opts.Approximate {
		set, args := s.approxSettings(5)
		if _, err := tx.ExecContext(ctx, set, args...); err != nil {
			t.Fatal(err)
		}
	}
	if force {
		qs = append(qs, `SET LOCAL enable_seqscan = off`, `SET LOCAL enable_bitmapscan = off`)
	}
	for _, q := range qs {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := tx.QueryContext(ctx, "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

var (
	benchN       = flag.Int("pgvector.n", 10_000, "BenchmarkPgvector: rows in the index")
	benchDim     = flag.Int("pgvector.dim", 384, "BenchmarkPgvector: dimensions")
	benchQueries = flag.Int("pgvector.queries", 50, "BenchmarkPgvector: distinct queries for recall@10")
)

// BenchmarkPgvector builds an index of -pgvector.n random vectors of
// -pgvector.dim dimensions (reported as build-ns/row, HNSW index
// maintained on insert), then times queries: Exact scans, Approximate uses
// HNSW (ef_search default, then 10) and reports its recall@10 against the
// exact answers.
func BenchmarkPgvector(b *testing.B) {
	table := uniqueTable(b)
	exact := open(b, table, nil)
	approx := open(b, table, &Options{Approximate: true})
	approxLow := open(b, table, &Options{Approximate: true, EfSearch: 10, MaxOpenConns: 1})
	r := rand.New(rand.NewPCG(7, 8))
	start := time.Now()
	for lo := 0; lo < *benchN; lo += 1000 {
		var recs []anythingllm.VectorRecord
		for i, v := range randVecs(r, min(1000, *benchN-lo), *benchDim) {
			recs = append(recs, anythingllm.VectorRecord{ID: fmt.Sprint(lo + i), DocID: fmt.Sprint((lo + i) / 20), Vector: v, Text: "chunk"})
		}
		if err := exact.Upsert(ctx, "ws", recs); err != nil {
			b.Fatal(err)
		}
	}
	buildPerRow := float64(time.Since(start).Nanoseconds()) / float64(*benchN)
	queries := randVecs(r, *benchQueries, *benchDim)
	truth := make([][]string, len(queries))
	for i, q := range queries {
		ms, err := exact.Query(ctx, "ws", &anythingllm.VectorQuery{Vector: q, TopK: 10, MinScore: -1})
		if err != nil {
			b.Fatal(err)
		}
		truth[i] = matchIDs(ms)
	}
	// The planner picks the HNSW index only when it thinks it cheaper
	// (with statistics, as autovacuum keeps them on a real server).
	text, args := approx.querySQL("ws", queries[0], &anythingllm.VectorQuery{TopK: 10, MinScore: -1}, 10)
	analyze(b, exact, *benchDim)
	plan := explain(b, approx, false, text, args)
	b.Logf("approximate plan uses the HNSW index: %v", strings.Contains(plan, "_hnsw"))
	for _, c := range []struct {
		name string
		s    *Store
	}{{"exact", exact}, {"hnsw", approx}, {"hnsw-ef10", approxLow}} {
		b.Run(c.name, func(b *testing.B) {
			hits, total := 0, 0
			i := 0
			for b.Loop() {
				q := queries[i%len(queries)]
				ms, err := c.s.Query(ctx, "ws", &anythingllm.VectorQuery{Vector: q, TopK: 10, MinScore: -1})
				if err != nil {
					b.Fatal(err)
				}
				for _, m := range ms {
					if slices.Contains(truth[i%len(queries)], m.ID) {
						hits++
					}
				}
				total += len(truth[i%len(queries)])
				i++
			}
			b.ReportMetric(float64(hits)/float64(max(total, 1)), "recall@10")
			b.ReportMetric(buildPerRow, "build-ns/row")
		})
	}
}
