package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/storage/bunstore/bunstoretest"
)

// tcpProxy forwards a loopback port to a target address and can cut every
// connection and refuse new ones, as a database that went away.
type tcpProxy struct {
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	p := &tcpProxy{target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
}

// cut closes the listener and every forwarded connection.
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// restore listens on the same address again.
func (p *tcpProxy) restore(t *testing.T) {
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	p.serve(ln)
}

// TestServerRecoversWhenTheDatabaseReturns: while PostgreSQL is unreachable
// the server answers 503 JSON (health and API routes, never a 403 that
// blames the key or a 500), and it recovers by itself when the database
// is back, without a restart.
func TestServerRecoversWhenTheDatabaseReturns(t *testing.T) {
	dbURL := postgresSchema(t)
	dsn := os.Getenv(bunstoretest.PostgresDSNEnv)
	host := "127.0.0.1:5432"
	if i := strings.Index(dsn, "@"); i >= 0 {
		host = dsn[i+1:]
		if j := strings.IndexAny(host, "/?"); j >= 0 {
			host = host[:j]
		}
	}
	proxy := newTCPProxy(t, host)
	dbURL = strings.Replace(dbURL, host, proxy.addr, 1)
	c := newCluster(t, 1, "DATABASE_URL="+dbURL)
	c.mustJSON(0, "POST", "/api/v1/workspace/new", map[string]any{"name": "steady"}, nil)
	check := func(path string, want int) string {
		t.Helper()
		st, b, err := c.jsonCall(0, "GET", path, nil)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		if st != want || !strings.HasPrefix(string(b), "{") {
			t.Fatalf("GET %s = %d %s, want %d JSON", path, st, b, want)
		}
		return string(b)
	}
	c.waitHealthy(20 * time.Second) // the index loads after the server answers
	check("/api/health", 200)

	proxy.cut()
	if b := check("/api/health", 503); !strings.Contains(b, `"database":"unreachable"`) {
		t.Fatalf("health while the database is gone: %s", b)
	}
	check("/api/v1/workspaces", 503)
	check("/api/v1/auth", 503)

	proxy.restore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for {
		st, _, err := c.jsonCall(0, "GET", "/api/v1/workspaces", nil)
		if err == nil && st == 200 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the server did not recover after the database returned: %d %v", st, errors.Join(err, ctx.Err()))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if b := check("/api/v1/workspaces", 200); !strings.Contains(b, `"slug":"steady"`) {
		t.Fatalf("after recovery: %s", b)
	}
	check("/api/health", 200)
	_ = http.StatusOK
}
