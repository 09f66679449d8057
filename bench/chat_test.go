// Package bench holds whole-server benchmarks; figures are ratios against
// baselines measured in the same run. go run ./bench/report runs them all,
// one process per job, and writes bench/results/README.md; one alone:
//
//	go test -run '^$' -bench Chat64Conns -benchtime 20000x ./bench/
package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/tokenizer"
	"github.com/anythingllm-go/anythingllm/httpapi"
	"github.com/anythingllm-go/anythingllm/providers/native"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/bunstore"
	"github.com/anythingllm-go/anythingllm/storage/bunstore/bunstoretest"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
	"github.com/uptrace/bun"
)

// instantLLM answers at once; its stream records when the first token left.
type instantLLM struct{ firstToken atomic.Int64 }

func (l *instantLLM) Chat(ctx context.Context, req *anythingllm.ChatRequest) (*anythingllm.ChatResponse, error) {
	return &anythingllm.ChatResponse{Text: "ok", Usage: anythingllm.Usage{PromptTokens: 10, CompletionTokens: 1, TotalTokens: 11}}, nil
}

func (l *instantLLM) ChatStream(ctx context.Context, req *anythingllm.ChatRequest) iter.Seq2[anythingllm.ChatChunk, error] {
	return func(yield func(anythingllm.ChatChunk, error) bool) {
		l.firstToken.Store(time.Now().UnixNano())
		if !yield(anythingllm.ChatChunk{Text: "first"}, nil) {
			return
		}
		yield(anythingllm.ChatChunk{FinishReason: "stop"}, nil)
	}
}

type server struct {
	url, key string
	llm      *instantLLM
	st       interface{ Close() error }
	pkURL    string
	db       *bun.DB
}

// newApp builds an App on a fresh SQLite file with a small workspace
// ("small": five one-line documents, a history of 4) and an API key.
func newApp(b testing.TB) (*anythingllm.App, *instantLLM, string) {
	return newAppOn(b, bunstoretest.SQLite(b))
}

// newAppOn is newApp on a given store (SQLite or PostgreSQL).
func newAppOn(b testing.TB, st *bunstore.Store) (*anythingllm.App, *instantLLM, string) {
	llm := &instantLLM{}
	app, err := anythingllm.New(anythingllm.Deps{Store: st, Blobs: blobstore.NewMemory(), Vectors: flatvec.New(nil),
		Embedder: native.New(), Tokenizer: tokenizer.New(), LLM: llm}, &anythingllm.Options{LLMProvider: "instant"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := app.CreateWorkspace(ctx, &anythingllm.WorkspaceSettings{Name: new("small"), OpenAIHistory: new(4.0)}); err != nil {
		b.Fatal(err)
	}
	for i := range 5 {
		text := fmt.Sprintf("Document %d says the answer to question %d is %d.", i, i, i*7)
		if _, err := app.CreateRawText(ctx, &anythingllm.RawTextRequest{TextContent: text, Metadata: anythingllm.DocumentMetadata{Title: fmt.Sprint("d", i)}, AddToWorkspaces: []string{"small"}}); err != nil {
			b.Fatal(err)
		}
	}
	_, key, err := app.CreateAPIKey(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	return app, llm, key
}

func setup(b testing.TB) *server {
	app, llm, key := newApp(b)
	srv := httptest.NewServer(httpapi.NewServer(app, nil))
	b.Cleanup(srv.Close)
	// The baseline: a bare handler doing one primary-key read with bun on
	// the same SQLite database.
	db := app.Store().(*bunstore.Store).DB()
	base := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var name string
		if err := db.NewSelect().Table("workspaces").Column("name").Where("id = ?", 1).Scan(r.Context(), &name); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		fmt.Fprintf(w, `{"name":%q}`, name)
	}))
	b.Cleanup(base.Close)
	return &server{url: srv.URL, key: key, llm: llm, pkURL: base.URL, db: db}
}

// run is the outcome of a load: how long it took and every latency.
type run struct {
	elapsed time.Duration
	lat     []time.Duration
}

func (r *run) add(o run) {
	r.elapsed += o.elapsed
	r.lat = append(r.lat, o.lat...)
}

func (r *run) rate() float64 { return float64(len(r.lat)) / r.elapsed.Seconds() }

func (r *run) p99() time.Duration {
	sort.Slice(r.lat, func(i, j int) bool { return r.lat[i] < r.lat[j] })
	return r.lat[len(r.lat)*99/100]
}

// load sends n requests over conns concurrent connections.
func load(b *testing.B, n, conns int, do func(*http.Client) error) run {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	defer client.CloseIdleConnections()
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				if err := do(client); err != nil {
					b.Error(err)
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	return run{elapsed: time.Since(start), lat: lat}
}

func drain(resp *http.Response, err error) error {
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// BenchmarkChat64Conns: workspace chat (retrieval, history, SQLite writes)
// against an instantly answering LLM, 64 concurrent connections, reported
// as a ratio of a bare bun/SQLite primary-key-read handler's throughput in
// the same run ("vs-pk-read"), with p99 latencies.
func BenchmarkChat64Conns(b *testing.B) {
	s := setup(b)
	chat := func(c *http.Client) error {
		req, _ := http.NewRequest("POST", s.url+"/api/v1/workspace/small/chat", strings.NewReader(`{"message":"what is the answer to question 3?","mode":"chat"}`))
		req.Header.Set("Authorization", "Bearer "+s.key)
		req.Header.Set("Content-Type", "application/json")
		return drain(c.Do(req))
	}
	pk := func(c *http.Client) error { return drain(c.Get(s.pkURL)) }
	// The two loads alternate in rounds, so that a slow spell of a shared
	// machine weighs on both alike.
	const rounds = 4
	per := max(b.N, 640) / rounds
	var chats, pks run
	b.ResetTimer()
	for range rounds {
		c := load(b, per, 64, chat)
		// What the chats left in the WAL is copied to the database file
		// here, counted with the chats, so that none of their work lands
		// in the reads' time.
		t0 := time.Now()
		if _, err := s.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
			b.Fatal(err)
		}
		c.elapsed += time.Since(t0)
		chats.add(c)
		pks.add(load(b, per, 64, pk))
	}
	b.ReportMetric(chats.rate(), "chats/s")
	b.ReportMetric(pks.rate(), "pk-reads/s")
	b.ReportMetric(chats.rate()/pks.rate(), "vs-pk-read")
	b.ReportMetric(float64(chats.p99().Microseconds())/1000, "chat-p99-ms")
	b.ReportMetric(float64(pks.p99().Microseconds())/1000, "pk-p99-ms")
}

// BenchmarkStreamFirstToken: the time from the LLM yielding its first
// token to the client reading that token's event ("added-ms", median).
func BenchmarkStreamFirstToken(b *testing.B) {
	s := setup(b)
	n := max(b.N, 200)
	added := make([]time.Duration, 0, n)
	b.ResetTimer()
	for range n {
		req, _ := http.NewRequest("POST", s.url+"/api/v1/workspace/small/stream-chat", strings.NewReader(`{"message":"stream please","mode":"chat"}`))
		req.Header.Set("Authorization", "Bearer "+s.key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		br := bufio.NewReader(resp.Body)
		line, err := br.ReadString('\n')
		got := time.Now().UnixNano()
		if err != nil || !strings.Contains(line, `"textResponse":"first"`) {
			b.Fatalf("first event %q: %v", line, err)
		}
		added = append(added, time.Duration(got-s.llm.firstToken.Load()))
		_, _ = io.Copy(io.Discard, br)
		resp.Body.Close()
	}
	sort.Slice(added, func(i, j int) bool { return added[i] < added[j] })
	b.ReportMetric(float64(added[len(added)/2].Microseconds())/1000, "added-ms")
	b.ReportMetric(float64(added[len(added)*99/100].Microseconds())/1000, "added-p99-ms")
}
