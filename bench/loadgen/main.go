// Command loadgen drives an HTTP endpoint with a fixed number of
// keep-alive connections for a fixed time and prints one JSON line:
// requests, errors, requests per second and latency percentiles. The
// benchmarks run it as a separate process, so the load's own CPU is not
// counted in the server's Go runtime (the two still share the machine's
// cores, as a client on the same host does).
//
//	go run ./bench/loadgen -url http://127.0.0.1:3001/api/v1/auth -H 'Authorization: Bearer KEY' -c 16 -d 2s
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type headers []string

func (h *headers) String() string     { return strings.Join(*h, ", ") }
func (h *headers) Set(v string) error { *h = append(*h, v); return nil }

// Result is what loadgen prints.
type Result struct {
	Requests  int     `json:"requests"`
	Errors    int     `json:"errors"`
	FirstErr  string  `json:"first_error,omitempty"`
	Seconds   float64 `json:"seconds"`
	RPS       float64 `json:"rps"`
	P50ms     float64 `json:"p50_ms"`
	P99ms     float64 `json:"p99_ms"`
	Conns     int     `json:"conns"`
	TargetURL string  `json:"url"`
}

func main() {
	url := flag.String("url", "", "URL to request")
	method := flag.String("method", "GET", "HTTP method")
	body := flag.String("body", "", "request body (sent with Content-Type: application/json)")
	conns := flag.Int("c", 1, "concurrent connections")
	dur := flag.Duration("d", time.Second, "how long to send")
	var hs headers
	flag.Var(&hs, "H", "header 'Name: value' (repeatable)")
	flag.Parse()
	if *url == "" || *conns < 1 {
		fmt.Fprintln(os.Stderr, "loadgen: -url is required and -c must be at least 1")
		os.Exit(2)
	}
	res := run(*url, *method, *body, hs, *conns, *dur)
	_ = json.NewEncoder(os.Stdout).Encode(res)
	if res.Errors > 0 {
		os.Exit(1)
	}
}

func run(url, method, body string, hs []string, conns int, dur time.Duration) Result {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}, Timeout: 30 * time.Second}
	do := func() error {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, url, rd)
		if err != nil {
			return err
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for _, h := range hs {
			k, v, _ := strings.Cut(h, ":")
			req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		_, _ = io.Copy(&buf, resp.Body)
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d: %.200s", resp.StatusCode, buf.String())
		}
		return nil
	}
	var (
		mu       sync.Mutex
		lat      []time.Duration
		errs     atomic.Int64
		firstErr atomic.Value
		wg       sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(dur)
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if err := do(); err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	pct := func(p int) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, len(lat)*p/100)]) / 1e6
	}
	r := Result{Requests: len(lat), Errors: int(errs.Load()), Seconds: elapsed.Seconds(), RPS: float64(len(lat)) / elapsed.Seconds(),
		P50ms: pct(50), P99ms: pct(99), Conns: conns, TargetURL: url}
	if e, ok := firstErr.Load().(string); ok {
		r.FirstErr = e
	}
	return r
}
