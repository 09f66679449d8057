package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunCountsRequestsHeadersAndErrors(t *testing.T) {
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("Authorization") != "Bearer k" || r.Method != "POST" || string(body) != `{"a":1}` || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", 400)
			return
		}
		seen.Add(1)
	}))
	defer srv.Close()
	res := run(srv.URL, "POST", `{"a":1}`, []string{"Authorization: Bearer k"}, 4, 100*time.Millisecond)
	if res.Errors != 0 || res.Requests == 0 || int64(res.Requests) != seen.Load() || res.RPS <= 0 || res.P99ms < res.P50ms {
		t.Fatalf("%+v (server saw %d)", res, seen.Load())
	}
	bad := run(srv.URL, "GET", "", nil, 1, 50*time.Millisecond)
	if bad.Errors == 0 || bad.Requests != 0 || bad.FirstErr == "" {
		t.Fatalf("a 400 was not counted as an error: %+v", bad)
	}
}
