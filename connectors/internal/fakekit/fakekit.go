// Package fakekit is what the connector fakes share: a request log, a
// switch that makes the next requests fail (429 with Retry-After, or any
// status) and JSON helpers.
package fakekit

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
)

// Faults answers the next requests with a failure when armed.
type Faults struct {
	mu         sync.Mutex
	n          int
	status     int
	retryAfter string
	log        []string
}

// RateLimit makes the next n requests answer 429 with this Retry-After
// header ("" for none).
func (f *Faults) RateLimit(n int, retryAfter string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n, f.status, f.retryAfter = n, http.StatusTooManyRequests, retryAfter
}

// FailNext makes the next n requests answer status.
func (f *Faults) FailNext(n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n, f.status, f.retryAfter = n, status, ""
}

// Requests returns "METHOD path?query" of every request so far.
func (f *Faults) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

// Wrap logs each request and answers armed failures before next.
func (f *Faults) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.log = append(f.log, r.Method+" "+r.URL.RequestURI())
		fail, status, ra := f.n > 0, f.status, f.retryAfter
		if fail {
			f.n--
		}
		f.mu.Unlock()
		if fail {
			if ra != "" {
				w.Header().Set("Retry-After", ra)
			}
			JSON(w, status, map[string]any{"statusCode": status, "message": http.StatusText(status)})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// JSON writes v with status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// IntParam reads a query integer, def when absent or bad.
func IntParam(r *http.Request, name string, def int) int {
	if v, err := strconv.Atoi(r.URL.Query().Get(name)); err == nil {
		return v
	}
	return def
}
