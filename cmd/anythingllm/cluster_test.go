package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/storage/blobstore/s3blob"
	"github.com/anythingllm-go/anythingllm/storage/bunstore"
	"github.com/anythingllm-go/anythingllm/storage/bunstore/bunstoretest"
)

// Helpers for tests that run several stock binaries on one database.

// replicaSeconds is how long the mixed load runs: ANYTHINGLLM_TEST_REPLICA_SECONDS,
// default 30 (5 with -short).
func replicaSeconds() time.Duration {
	if s, err := strconv.Atoi(os.Getenv("ANYTHINGLLM_TEST_REPLICA_SECONDS")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if testing.Short() {
		return 5 * time.Second
	}
	return 30 * time.Second
}

// postgresSchema makes a fresh schema on the test server and returns a
// DATABASE_URL that uses it; the schema is dropped when the test ends.
func postgresSchema(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv(bunstoretest.PostgresDSNEnv)
	if dsn == "" {
		t.Skipf("%s is not set; skipping the replica test (it needs PostgreSQL, e.g. %s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", bunstoretest.PostgresDSNEnv, bunstoretest.PostgresDSNEnv)
	}
	ctx := context.Background()
	schema := "replicas_" + randomToken(8)
	admin, err := bunstore.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.DB().ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.DB().ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		_ = admin.Close()
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

// s3TestURL returns ANYTHINGLLM_TEST_S3_URL with its bucket made if the
// server lacks it (a fresh MinIO has none; the s3blob tests, which also
// make it, may run later), or "" when it is unset.
func s3TestURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("ANYTHINGLLM_TEST_S3_URL")
	if u == "" {
		return ""
	}
	if _, err := s3blob.Open(context.Background(), u, &s3blob.Options{CreateBucket: true}); err != nil {
		t.Fatalf("the S3 test server: %v", err)
	}
	return u
}

// randomToken is a word of n random lower-case letters: unique enough to
// find one document by it among thousands.
func randomToken(n int) string {
	b := make([]byte, n)
	for i := range b {
		x, _ := rand.Int(rand.Reader, big.NewInt(26))
		b[i] = byte('a' + x.Int64())
	}
	return string(b)
}

// cluster is a set of serve processes on one database.
type cluster struct {
	t        *testing.T
	replicas []*instance
	key      string
	client   *http.Client
}

func newCluster(t *testing.T, n int, env ...string) *cluster {
	t.Helper()
	c := &cluster{t: t, client: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}}
	for range n {
		c.replicas = append(c.replicas, newInstance(t, env...))
	}
	if _, stderr, err := c.replicas[0].cli("migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, stderr)
	}
	c.key = c.replicas[0].createKey()
	for _, r := range c.replicas {
		r.start()
	}
	return c
}

// restartEmpty starts replica i again on a new, empty STORAGE_DIR.
func (c *cluster) restartEmpty(i int) {
	r := c.replicas[i]
	r.storage = filepath.Join(c.t.TempDir(), "storage")
	for j, e := range r.env {
		if strings.HasPrefix(e, "STORAGE_DIR=") {
			r.env[j] = "STORAGE_DIR=" + r.storage
		}
	}
	r.start()
}

// call sends a request to replica i. err is a transport error (the replica
// is down); otherwise status and body.
func (c *cluster) call(i int, method, path, ctype string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, c.replicas[i].url(path), bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, b, nil
}

func (c *cluster) jsonCall(i int, method, path string, in any) (int, []byte, error) {
	var body []byte
	if in != nil {
		body, _ = json.Marshal(in)
	}
	return c.call(i, method, path, "application/json", body)
}

// mustJSON calls and decodes a 200 answer, failing the test otherwise.
func (c *cluster) mustJSON(i int, method, path string, in, out any) {
	c.t.Helper()
	st, b, err := c.jsonCall(i, method, path, in)
	if err != nil || st != 200 {
		c.t.Fatalf("replica %d %s %s: %d %v %s", i, method, path, st, err, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("replica %d %s %s: %v in %s", i, method, path, err, b)
		}
	}
}

// waitHealthy waits until every replica's /api/health answers 200 with no
// lag behind the change log.
func (c *cluster) waitHealthy(within time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for i, r := range c.replicas {
		for {
			st, body := 0, ""
			resp, err := http.Get(r.url("/api/health"))
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				st, body = resp.StatusCode, string(b)
				if st == 200 && strings.Contains(body, `"lagEntries":0`) {
					break
				}
			}
			if time.Now().After(deadline) {
				c.t.Fatalf("replica %d not healthy after %v: %d %s %v", i, within, st, body, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}
