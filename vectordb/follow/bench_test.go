package follow

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/bunstore/bunstoretest"
)

// seedBig stores docs documents of perDoc random vectors of benchDim
// dimensions in one workspace, and returns how many vectors that is.
func seedBig(b *testing.B, s anythingllm.Store, docs, perDoc int) int {
	b.Helper()
	const benchDim = 1536
	now := time.Now().UTC()
	w := &anythingllm.Workspace{Name: "big", Slug: "big", CreatedAt: now, LastUpdatedAt: now}
	if err := s.Workspaces().Create(ctx, w); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for d := range docs {
		recs := make([]anythingllm.VectorRecord, perDoc)
		for i := range recs {
			v := make([]float32, benchDim)
			for j := range v {
				v[j] = r.Float32() - 0.5
			}
			recs[i] = anythingllm.VectorRecord{ID: fmt.Sprintf("%d-%d", d, i), Vector: v, Text: "chunk text of a realistic length, give or take a few words",
				Metadata: map[string]any{"title": fmt.Sprint("doc ", d), "url": "file://x"}}
		}
		doc := &anythingllm.WorkspaceDocument{DocID: fmt.Sprint("doc-", d), Docpath: fmt.Sprintf("f/%d.json", d), Filename: "x", WorkspaceID: w.ID, CreatedAt: now, LastUpdatedAt: now}
		if err := s.Documents().Add(ctx, doc, recs); err != nil {
			b.Fatal(err)
		}
	}
	return docs * perDoc
}

// BenchmarkApplyFeed measures how fast a follower applies the change log
// written by another process: 100 documents of 50 vectors of 1,536
// dimensions on one SQLite file, read back by a second store and upserted
// into a flat index. "vectors/s" is the figure (target >= 50,000 per
// replica); "vectors/cpu-s" divides by the CPU time the process spent,
// which other load on the machine does not inflate.
//
//	go test -run '^$' -bench ApplyFeed ./vectordb/follow/
func BenchmarkApplyFeed(b *testing.B) {
	path := b.TempDir() + "/anythingllm.db"
	benchApplyFeed(b, bunstoretest.SQLiteAt(b, path), bunstoretest.SQLiteAt(b, path))
}

// BenchmarkApplyFeedPostgres is BenchmarkApplyFeed on the PostgreSQL test
// server (skipped without ANYTHINGLLM_TEST_POSTGRES_DSN).
func BenchmarkApplyFeedPostgres(b *testing.B) {
	dsn, opts := bunstoretest.PostgresSchema(b)
	benchApplyFeed(b, bunstoretest.PostgresAt(b, dsn, opts), bunstoretest.PostgresAt(b, dsn, opts))
}

func benchApplyFeed(b *testing.B, writer, follower anythingllm.Store) {
	x := New(follower, newFlat, nil)
	if _, err := x.Load(ctx); err != nil { // empty: the log starts at 0
		b.Fatal(err)
	}
	total := seedBig(b, writer, 100, 50)
	var elapsed, cpu time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		x.cur.Store(&inner{vs: newFlat()})
		x.pos.Store(0)
		b.StartTimer()
		start, cpu0 := time.Now(), cpuTime()
		if err := x.CatchUp(ctx); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		cpu += cpuTime() - cpu0
		b.StopTimer()
		if n, _ := x.Total(ctx); n != total {
			b.Fatalf("applied %d vectors, want %d", n, total)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(total*b.N)/elapsed.Seconds(), "vectors/s")
	if cpu > 0 {
		// On a shared machine wall time depends on the neighbours; the
		// CPU seconds the process spent (all its goroutines, GC included)
		// do not.
		b.ReportMetric(float64(total*b.N)/cpu.Seconds(), "vectors/cpu-s")
	}
}

var joinSize = flag.Int("follow.join", 0, "vectors for BenchmarkJoin100k (e.g. 100000); it is skipped when 0")

// BenchmarkJoin100k measures a replica joining: an empty follower loading
// every stored vector (100,000 x 1,536 with -follow.join=100000) from a
// SQLite file. Seeding takes a while, so it runs only when asked:
//
//	go test -run '^$' -bench Join100k -benchtime 1x ./vectordb/follow/ -follow.join=100000
func BenchmarkJoin100k(b *testing.B) {
	if *joinSize <= 0 {
		b.Skip("set -follow.join=100000 to seed and load 100k vectors")
	}
	benchJoin(b, bunstoretest.SQLite(b))
}

// BenchmarkJoin100kPostgres is BenchmarkJoin100k on the PostgreSQL test
// server: an empty-disk replica joining a shared database.
func BenchmarkJoin100kPostgres(b *testing.B) {
	if *joinSize <= 0 {
		b.Skip("set -follow.join=100000 to seed and load 100k vectors")
	}
	dsn, opts := bunstoretest.PostgresSchema(b)
	benchJoin(b, bunstoretest.PostgresAt(b, dsn, opts))
}

func benchJoin(b *testing.B, s anythingllm.Store) {
	total := seedBig(b, s, max(1, *joinSize/100), 100)
	b.ResetTimer()
	for range b.N {
		x := New(s, newFlat, nil)
		start, cpu0 := time.Now(), cpuTime()
		n, err := x.Load(ctx)
		if err != nil || n != total {
			b.Fatal(n, err)
		}
		wall, cpu := time.Since(start), cpuTime()-cpu0
		b.ReportMetric(wall.Seconds(), "s/join")
		b.ReportMetric(cpu.Seconds(), "cpu-s/join")
		b.ReportMetric(float64(total)/wall.Seconds(), "vectors/s")
	}
}

// BenchmarkStartFromSnapshot measures a restart with 100,000 x 1,536
// stored (-follow.join=100000): the time from an empty index to its first
// answered query, loading from SQL (which also writes the snapshot) and
// from the snapshot, in the same run. "x-sql" is the snapshot start over
// the SQL start; the cpu-s figures are the process's CPU time, which a
// busy machine does not inflate.
//
//	go test -run '^$' -bench StartFromSnapshot -benchtime 3x ./vectordb/follow/ -follow.join=100000
func BenchmarkStartFromSnapshot(b *testing.B) {
	if *joinSize <= 0 {
		b.Skip("set -follow.join=100000 to seed and time a start from 100k vectors")
	}
	s := bunstoretest.SQLite(b)
	total := seedBig(b, s, max(1, *joinSize/100), 100)
	path := b.TempDir() + "/vectors.snapshot"
	q := &anythingllm.VectorQuery{Vector: make([]float32, 1536), TopK: 10, MinScore: -1}
	q.Vector[0] = 1
	startOnce := func() (wall, cpu time.Duration) {
		x := New(s, newFlat, &Options{Snapshot: path})
		t0, c0 := time.Now(), cpuTime()
		n, err := x.Load(ctx)
		if err != nil || n != total {
			b.Fatal(n, err)
		}
		if ms, err := x.Query(ctx, "big", q); err != nil || len(ms) != 10 {
			b.Fatal(len(ms), err)
		}
		wall, cpu = time.Since(t0), cpuTime()-c0
		_ = x.Close()
		return wall, cpu
	}
	var sqlWall, sqlCPU, snapWall, snapCPU time.Duration
	b.ResetTimer()
	for range b.N {
		_ = os.Remove(path)
		w, c := startOnce() // from SQL, writing the snapshot on the way
		sqlWall, sqlCPU = sqlWall+w, sqlCPU+c
		w, c = startOnce()
		snapWall, snapCPU = snapWall+w, snapCPU+c
	}
	n := float64(b.N)
	b.ReportMetric(sqlWall.Seconds()/n, "s/start-sql")
	b.ReportMetric(snapWall.Seconds()/n, "s/start-snapshot")
	b.ReportMetric(sqlCPU.Seconds()/n, "cpu-s/start-sql")
	b.ReportMetric(snapCPU.Seconds()/n, "cpu-s/start-snapshot")
	b.ReportMetric(float64(snapWall)/float64(sqlWall), "x-sql")
}
