package bench

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/tokenizer"
	"github.com/anythingllm-go/anythingllm/providers/native"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/bunstore"
	"github.com/anythingllm-go/anythingllm/storage/bunstore/bunstoretest"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
	"github.com/anythingllm-go/anythingllm/vectordb/follow"
)

// Replica benchmarks: two Apps, each with its own store connection and
// in-memory index, on one PostgreSQL schema, as two replicas are.
//
//	ANYTHINGLLM_TEST_POSTGRES_DSN=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run '^$' -bench Replica -benchtime 200x ./bench/

// replica is one App on its own connection pool.
type replica struct {
	app *anythingllm.App
	idx anythingllm.VectorStore
	st  *bunstore.Store
}

// newReplica opens an App on the schema; with followLog its index follows
// the change log (what serve runs), else it is a plain index loaded once
// (what every replica ran before the change feed).
func newReplica(b *testing.B, ctx context.Context, st *bunstore.Store, followLog bool) *replica {
	var idx anythingllm.VectorStore = flatvec.New(nil)
	var fx *follow.Index
	if followLog {
		fx = follow.New(st, func() anythingllm.VectorStore { return flatvec.New(nil) }, nil)
		idx = fx
	}
	app, err := anythingllm.New(anythingllm.Deps{Store: st, Blobs: blobstore.NewMemory(), Vectors: idx,
		Embedder: native.New(), Tokenizer: tokenizer.New(), LLM: &instantLLM{}}, &anythingllm.Options{LLMProvider: "instant", LoadIndexAtStart: true})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := app.LoadVectorIndex(ctx); err != nil {
		b.Fatal(err)
	}
	if fx != nil {
		go func() { _ = fx.Run(ctx) }()
	}
	return &replica{app: app, idx: idx, st: st}
}

func createWorkspace(b *testing.B, ctx context.Context, app *anythingllm.App, name string) {
	if _, err := app.CreateWorkspace(ctx, &anythingllm.WorkspaceSettings{Name: new(name), OpenAIHistory: new(4.0)}); err != nil {
		b.Fatal(err)
	}
}

func rawText(ctx context.Context, app *anythingllm.App, ws, text string) error {
	_, err := app.CreateRawText(ctx, &anythingllm.RawTextRequest{TextContent: text, Metadata: anythingllm.DocumentMetadata{Title: "t"}, AddToWorkspaces: []string{ws}})
	return err
}

// mixedLoad runs conns goroutines of writes (raw text embedded), chats and
// searches against app until ctx ends; it returns the operations done.
func mixedLoad(ctx context.Context, app *anythingllm.App, conns int) *atomic.Int64 {
	var ops atomic.Int64
	for c := range conns {
		go func() {
			for n := 0; ctx.Err() == nil; n++ {
				var err error
				switch n % 4 {
				case 0:
					err = rawText(ctx, app, "load", fmt.Sprintf("load %d-%d note about replicas and lag", c, n))
				case 1, 2:
					_, err = app.Chat(ctx, "load", &anythingllm.ChatInput{Message: "what about replicas?", Mode: "chat", SessionID: fmt.Sprint(c)})
				default:
					_, err = app.VectorSearch(ctx, "load", &anythingllm.VectorSearchRequest{Query: "replicas lag"})
				}
				if err == nil {
					ops.Add(1)
				}
			}
		}()
	}
	return &ops
}

// BenchmarkReplicaIndexLag: while 64 clients of mixed load (writes, chats,
// searches) run against replica A, each iteration embeds one probe
// document through A and measures how long until replica B's index holds
// it. Target: p99 under 1 s.
func BenchmarkReplicaIndexLag(b *testing.B) {
	dsn, opts := bunstoretest.PostgresSchema(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := newReplica(b, ctx, bunstoretest.PostgresAt(b, dsn, opts), true)
	r := newReplica(b, ctx, bunstoretest.PostgresAt(b, dsn, opts), true)
	createWorkspace(b, ctx, a.app, "load")
	createWorkspace(b, ctx, a.app, "probe")
	lctx, stop := context.WithCancel(ctx)
	ops := mixedLoad(lctx, a.app, 64)
	lags := make([]time.Duration, 0, b.N)
	acks := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		sent := time.Now()
		if err := rawText(ctx, a.app, "probe", fmt.Sprintf("probe %d", i)); err != nil {
			b.Fatal(err)
		}
		acked := time.Now()
		acks = append(acks, acked.Sub(sent))
		for {
			n, _ := r.idx.Count(ctx, "probe")
			if n > i {
				break
			}
			if time.Since(acked) > 10*time.Second {
				b.Fatalf("probe %d never reached replica B", i)
			}
			time.Sleep(200 * time.Microsecond)
		}
		lags = append(lags, time.Since(acked))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	stop()
	// Lag counts from A's acknowledgement; often B already holds the
	// document then (it learns of the commit while A finishes the request),
	// so the write's own latency (ack-p99-ms) is reported beside it.
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	sort.Slice(acks, func(i, j int) bool { return acks[i] < acks[j] })
	b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lags[len(lags)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(acks[len(acks)*99/100].Microseconds())/1000, "ack-p99-ms")
	b.ReportMetric(float64(ops.Load())/elapsed.Seconds(), "load-ops/s")
}

// BenchmarkReplicaThroughputPG: chats and searches per second through one
// App on PostgreSQL at 64 goroutines, with the index following the change
// log (while a second replica writes) as a ratio of a plain index loaded
// once (what a replica ran before the change feed), in alternating rounds
// of the same run. Target: within 10% (ratio >= 0.9).
func BenchmarkReplicaThroughputPG(b *testing.B) {
	// quiet: nothing else writes, so the follower only listens (the cost
	// of the feed itself); writer: another replica embeds a document
	// every 10 ms, which the follower must apply and the plain index
	// never sees.
	b.Run("quiet", func(b *testing.B) { benchReplicaThroughput(b, false) })
	b.Run("writer", func(b *testing.B) { benchReplicaThroughput(b, true) })
}

func benchReplicaThroughput(b *testing.B, withWriter bool) {
	dsn, opts := bunstoretest.PostgresSchema(b)
	opts.MaxOpenConns = 12 // three pools on a test server shared with other tests
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	plain := newReplica(b, ctx, bunstoretest.PostgresAt(b, dsn, opts), false)
	followed := newReplica(b, ctx, bunstoretest.PostgresAt(b, dsn, opts), true)
	writer := newReplica(b, ctx, bunstoretest.PostgresAt(b, dsn, opts), true)
	createWorkspace(b, ctx, writer.app, "load")
	createWorkspace(b, ctx, writer.app, "other")
	for i := range 200 {
		if err := rawText(ctx, writer.app, "load", fmt.Sprintf("Document %d says the answer to question %d is %d.", i, i, i*7)); err != nil {
			b.Fatal(err)
		}
	}
	// plain loads once, now; followed follows.
	if _, err := plain.app.LoadVectorIndex(ctx); err != nil {
		b.Fatal(err)
	}
	// A second replica keeps writing into another workspace, so the
	// follower has log entries to apply during the measurement.
	wctx, stopWriter := context.WithCancel(ctx)
	defer stopWriter()
	go func() {
		for n := 0; withWriter && wctx.Err() == nil; n++ {
			_ = rawText(wctx, writer.app, "other", fmt.Sprintf("other note %d", n))
			time.Sleep(10 * time.Millisecond)
		}
	}()
	measure := func(app *anythingllm.App, n int) time.Duration {
		var wg sync.WaitGroup
		var next atomic.Int64
		start := time.Now()
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := next.Add(1); i <= int64(n); i = next.Add(1) {
					var err error
					if i%2 == 0 {
						_, err = app.Chat(ctx, "load", &anythingllm.ChatInput{Message: "what is the answer to question 3?", Mode: "chat", SessionID: fmt.Sprint(i % 64)})
					} else {
						_, err = app.VectorSearch(ctx, "load", &anythingllm.VectorSearchRequest{Query: "answer to question 3"})
					}
					if err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	b.ResetTimer()
	var tPlain, tFollow time.Duration
	// The rounds alternate which replica goes first (ABBA): the chats
	// each round saves make the next round a little slower, which would
	// otherwise always count against the same side.
	for r := range 4 {
		if r%2 == 0 {
			tPlain += measure(plain.app, b.N/4+1)
			tFollow += measure(followed.app, b.N/4+1)
		} else {
			tFollow += measure(followed.app, b.N/4+1)
			tPlain += measure(plain.app, b.N/4+1)
		}
	}
	b.StopTimer()
	n := float64(4 * (b.N/4 + 1))
	b.ReportMetric(n/tPlain.Seconds(), "plain-ops/s")
	b.ReportMetric(n/tFollow.Seconds(), "follow-ops/s")
	b.ReportMetric(tPlain.Seconds()/tFollow.Seconds(), "follow/plain")
}
