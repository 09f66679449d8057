package bench

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/httpapi"
	"github.com/anythingllm-go/anythingllm/storage/bunstore"
	"github.com/anythingllm-go/anythingllm/storage/bunstore/bunstoretest"
)

// LoadgenEnv names a prebuilt bench/loadgen binary; without it the HTTP
// benchmark builds one into a temporary directory.
const LoadgenEnv = "ANYTHINGLLM_LOADGEN"

var (
	loadgenOnce sync.Once
	loadgenPath string
	loadgenErr  error
)

func loadgen(b *testing.B) string {
	loadgenOnce.Do(func() {
		if p := os.Getenv(LoadgenEnv); p != "" {
			loadgenPath = p
			return
		}
		dir, err := os.MkdirTemp("", "loadgen")
		if err != nil {
			loadgenErr = err
			return
		}
		loadgenPath = filepath.Join(dir, "loadgen")
		out, err := exec.Command("go", "build", "-o", loadgenPath, "./loadgen").CombinedOutput() // #nosec G204 -- fixed arguments
		if err != nil {
			loadgenErr = fmt.Errorf("building loadgen: %v\n%s", err, out)
		}
	})
	if loadgenErr != nil {
		b.Fatal(loadgenErr)
	}
	return loadgenPath
}

// loadResult is bench/loadgen's output line.
type loadResult struct {
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	FirstErr string  `json:"first_error"`
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"rps"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
}

func runLoad(b *testing.B, url, method, body, key string, conns int, d time.Duration) loadResult {
	args := []string{"-url", url, "-method", method, "-c", fmt.Sprint(conns), "-d", d.String()}
	if body != "" {
		args = append(args, "-body", body)
	}
	if key != "" {
		args = append(args, "-H", "Authorization: Bearer "+key)
	}
	out, err := exec.Command(loadgen(b), args...).Output() // #nosec G204 -- our own load generator
	var r loadResult
	if jerr := json.Unmarshal(out, &r); jerr != nil {
		b.Fatalf("loadgen %v: %v (%s)", args, err, out)
	}
	if r.Errors > 0 || err != nil {
		b.Fatalf("loadgen %s %s: %d errors, first: %s (%v)", method, url, r.Errors, r.FirstErr, err)
	}
	return r
}

// BenchmarkHTTP: the real handler (httpapi.NewServer over an App on SQLite,
// or PostgreSQL when ANYTHINGLLM_TEST_POSTGRES_DSN is set) on loopback,
// driven by bench/loadgen in its own process at 1, 16 and 64 connections.
// Each route's throughput is reported as "x-bare": its requests per second
// over those of a bare net/http handler writing a fixed JSON body, measured
// by the same load generator in the same sub-benchmark, the two loads
// alternating in rounds so a busy spell of the machine weighs on both.
//
//	go test -run '^$' -bench 'HTTP/sqlite' -benchtime 1x -count 5 ./bench/
func BenchmarkHTTP(b *testing.B) {
	d, rounds := 300*time.Millisecond, 2
	if smoke {
		d, rounds = 100*time.Millisecond, 1
	}
	if s := os.Getenv("ANYTHINGLLM_BENCH_HTTP_ROUND"); s != "" {
		if v, err := time.ParseDuration(s); err == nil {
			d = v
		}
	}
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"authenticated":true}`))
	}))
	defer bare.Close()
	dbs := []struct {
		name string
		open func(*testing.B) *bunstore.Store
	}{
		{"sqlite", func(b *testing.B) *bunstore.Store { return bunstoretest.SQLite(b) }},
		{"postgres", func(b *testing.B) *bunstore.Store { return bunstoretest.Postgres(b) }},
	}
	routes := []struct{ name, method, path, body string }{
		{"auth", "GET", "/api/v1/auth", ""},
		{"workspaces", "GET", "/api/v1/workspaces", ""},
		{"chat", "POST", "/api/v1/workspace/small/chat", `{"message":"what is the answer to question 3?","mode":"chat"}`},
		{"vector-search", "POST", "/api/v1/workspace/small/vector-search", `{"query":"the answer to question 3","topN":4}`},
	}
	for _, db := range dbs {
		b.Run(db.name, func(b *testing.B) {
			app, _, key := newAppOn(b, db.open(b))
			srv := httptest.NewServer(httpapi.NewServer(app, nil))
			defer srv.Close()
			for _, rt := range routes {
				b.Run(rt.name, func(b *testing.B) {
					for _, conns := range []int{1, 16, 64} {
						b.Run(fmt.Sprintf("c%d", conns), func(b *testing.B) {
							var got, base loadResult
							for range max(b.N, 1) * rounds {
								bl := runLoad(b, bare.URL, "GET", "", "", conns, d)
								rl := runLoad(b, srv.URL+rt.path, rt.method, rt.body, key, conns, d)
								base.Requests += bl.Requests
								base.Seconds += bl.Seconds
								got.Requests += rl.Requests
								got.Seconds += rl.Seconds
								got.P99ms = max(got.P99ms, rl.P99ms)
								got.P50ms = cmp.Or(got.P50ms, rl.P50ms)
							}
							rps, brps := float64(got.Requests)/got.Seconds, float64(base.Requests)/base.Seconds
							b.ReportMetric(rps, "req/s")
							b.ReportMetric(brps, "bare-req/s")
							b.ReportMetric(rps/brps, "x-bare")
							b.ReportMetric(got.P50ms, "p50-ms")
							b.ReportMetric(got.P99ms, "p99-ms")
						})
					}
				})
			}
		})
	}
}
