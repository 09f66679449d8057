package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/providers/providertest/fakeopenai"
)

// ledger records what the load acknowledged. A request whose answer was
// lost (the replica died) is uncertain: neither its presence nor its
// absence is asserted.
type ledger struct {
	mu        sync.Mutex
	live      map[string]doc // by token
	claimed   map[string]bool
	deleted   map[string]doc
	uncertain map[string]bool
	chats     []string // acknowledged chat prompts
	calls     map[string]int
	failures  []string
}

type doc struct {
	token, workspace, location string
}

func (l *ledger) count(op string) {
	l.mu.Lock()
	l.calls[op]++
	l.mu.Unlock()
}

func (l *ledger) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.failures) < 20 {
		l.failures = append(l.failures, fmt.Sprintf(format, args...))
	}
}

// claim takes a live document out for deletion.
func (l *ledger) claim() (doc, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for tok, d := range l.live {
		if !l.claimed[tok] {
			l.claimed[tok] = true
			return d, true
		}
	}
	return doc{}, false
}

func (l *ledger) anyToken() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for tok := range l.live {
		return tok
	}
	return "nothing"
}

func TestReplicasActAsOneServer(t *testing.T) {
	t.Run("BLOB_STORE=database", func(t *testing.T) {
		runReplicaLoad(t, "database")
	})
	t.Run("BLOB_STORE=s3", func(t *testing.T) {
		u := s3TestURL(t)
		if u == "" {
			t.Skip("ANYTHINGLLM_TEST_S3_URL is not set; skipping the S3 run (e.g. s3://test?endpoint=http://127.0.0.1:9000&region=us-east-1 with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; .ci/run starts a MinIO)")
		}
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		runReplicaLoad(t, u+sep+"prefix=replicas-"+randomToken(8))
	})
}

// runReplicaLoad starts three replicas with the blob store, drives 64
// clients of writes, uploads, deletes, chats and searches round-robin
// across them, SIGKILLs one mid-run and restarts it on an empty disk, then
// checks that every replica answers alike and holds every acknowledged
// write.
func runReplicaLoad(t *testing.T, blobStore string) {
	dbURL := postgresSchema(t)
	llm := fakeopenai.New(nil)
	t.Cleanup(llm.Close)
	// 8 connections each: three replicas, the one killed (whose sessions
	// PostgreSQL keeps until it notices) and other packages' tests share
	// the test server's 100.
	c := newCluster(t, 3, "DATABASE_URL="+dbURL, "BLOB_STORE="+blobStore, "DATABASE_MAX_CONNECTIONS=8",
		"LLM_PROVIDER=generic-openai", "GENERIC_OPEN_AI_BASE_PATH="+llm.BaseURL(), "GENERIC_OPEN_AI_MODEL_PREF=fake-model")
	workspaces := []string{"alpha", "beta", "gamma", "delta"}
	for _, w := range workspaces {
		c.mustJSON(0, "POST", "/api/v1/workspace/new", map[string]any{"name": w}, nil)
	}
	c.waitHealthy(20 * time.Second)

	l := &ledger{live: map[string]doc{}, claimed: map[string]bool{}, deleted: map[string]doc{}, uncertain: map[string]bool{}, calls: map[string]int{}}
	run := replicaSeconds()
	ctx, cancel := context.WithTimeout(context.Background(), run)
	defer cancel()
	var killed atomic.Bool // replica 2 is down or restarting: its errors are expected
	var wg sync.WaitGroup
	for client := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				replica := (client + n) % 3
				loadStep(c, l, replica, workspaces[(client+n)%len(workspaces)], client, n, func(i int) bool { return i == 2 && killed.Load() })
			}
		}()
	}
	// Mid-run: SIGKILL replica 2, then bring it back on an empty disk.
	select {
	case <-time.After(run / 2):
	case <-ctx.Done():
	}
	killed.Store(true)
	r2 := c.replicas[2]
	_ = r2.cmd.Process.Signal(syscall.SIGKILL)
	_ = r2.cmd.Wait()
	c.restartEmpty(2)
	time.AfterFunc(2*time.Second, func() { killed.Store(false) })
	wg.Wait()
	killed.Store(false)

	l.mu.Lock()
	t.Logf("load for %v: calls %v; %d documents live, %d deleted, %d uncertain, %d chats", run, l.calls, len(l.live), len(l.deleted), len(l.uncertain), len(l.chats))
	if len(l.failures) > 0 {
		t.Fatalf("unexpected answers during the load:\n%s", strings.Join(l.failures, "\n"))
	}
	l.mu.Unlock()
	if len(l.live) < 20 || len(l.chats) < 20 {
		t.Fatalf("the load acknowledged too little to prove anything: %d documents, %d chats", len(l.live), len(l.chats))
	}

	c.waitHealthy(10 * time.Second)
	checkReplicasAgree(t, c, l, workspaces)
}

// loadStep is one operation of one client against one replica.
func loadStep(c *cluster, l *ledger, replica int, ws string, client, n int, down func(replica int) bool) {
	// expect records an answer: transport errors make the write uncertain
	// (and are failures unless the replica is the one being killed), any
	// non-200 answer is a failure.
	target := replica
	expect := func(op string, st int, body []byte, err error, uncertain ...string) bool {
		// Asked after the answer, so a request in flight when the replica
		// was killed counts as expected too.
		replicaDown := down(target)
		l.count(op)
		if err != nil || st == 0 {
			l.mu.Lock()
			for _, tok := range uncertain {
				l.uncertain[tok] = true
			}
			l.mu.Unlock()
			if !replicaDown && !errors.Is(err, context.DeadlineExceeded) {
				l.fail("%s on replica %d: %v", op, target, err)
			}
			return false
		}
		if st != 200 {
			if replicaDown && st == 503 {
				return false
			}
			l.mu.Lock()
			for _, tok := range uncertain {
				l.uncertain[tok] = true
			}
			l.mu.Unlock()
			l.fail("%s on replica %d: %d %s", op, target, st, body)
			return false
		}
		return true
	}
	var stored struct {
		Documents []struct {
			Location string `json:"location"`
		} `json:"documents"`
	}
	switch n % 10 {
	case 0, 1, 2: // raw text embedded at once
		tok := randomToken(12)
		st, b, err := c.jsonCall(replica, "POST", "/api/v1/document/raw-text", map[string]any{
			"textContent": "Replica note " + tok + ".", "metadata": map[string]string{"title": tok}, "addToWorkspaces": ws})
		if !expect("raw-text", st, b, err, tok) {
			return
		}
		if json.Unmarshal(b, &stored) != nil || len(stored.Documents) != 1 {
			l.fail("raw-text answer: %s", b)
			return
		}
		l.mu.Lock()
		l.live[tok] = doc{tok, ws, stored.Documents[0].Location}
		l.mu.Unlock()
	case 3: // upload through one replica, embed through the next
		tok := randomToken(12)
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", tok+".txt")
		fmt.Fprintf(fw, "Uploaded note %s.", tok)
		mw.Close()
		st, b, err := c.call(replica, "POST", "/api/v1/document/upload", mw.FormDataContentType(), buf.Bytes())
		if !expect("upload", st, b, err) {
			return
		}
		if json.Unmarshal(b, &stored) != nil || len(stored.Documents) != 1 {
			l.fail("upload answer: %s", b)
			return
		}
		loc := stored.Documents[0].Location
		other := (replica + 1) % 3
		st, b, err = c.jsonCall(other, "POST", "/api/v1/workspace/"+ws+"/update-embeddings", map[string]any{"adds": []string{loc}})
		target = other
		if !expect("update-embeddings", st, b, err, tok) {
			return
		}
		if bytes.Contains(b, []byte(loc)) && bytes.Contains(b, []byte(`"notFound":["`)) {
			l.fail("replica %d could not find %s uploaded through replica %d: %s", other, loc, replica, b)
			return
		}
		l.mu.Lock()
		l.live[tok] = doc{tok, ws, loc}
		l.mu.Unlock()
	case 4: // delete a document everywhere
		d, ok := l.claim()
		if !ok {
			return
		}
		st, b, err := c.jsonCall(replica, "DELETE", "/api/v1/system/remove-documents", map[string]any{"names": []string{d.location}})
		l.mu.Lock()
		delete(l.live, d.token)
		l.mu.Unlock()
		if !expect("remove-documents", st, b, err, d.token) {
			return
		}
		l.mu.Lock()
		l.deleted[d.token] = d
		l.mu.Unlock()
	case 5, 6: // chat
		prompt := fmt.Sprintf("question %d-%d about %s", client, n, l.anyToken())
		st, b, err := c.jsonCall(replica, "POST", "/api/v1/workspace/"+ws+"/chat", map[string]any{"message": prompt, "mode": "chat", "sessionId": fmt.Sprintf("client-%d", client)})
		if !expect("chat", st, b, err) {
			return
		}
		if !bytes.Contains(b, []byte(`"error":null`)) {
			l.fail("chat answered an error: %s", b)
			return
		}
		l.mu.Lock()
		l.chats = append(l.chats, prompt)
		l.mu.Unlock()
	default: // search
		st, b, err := c.jsonCall(replica, "POST", "/api/v1/workspace/"+ws+"/vector-search", map[string]any{"query": l.anyToken(), "topN": 4, "scoreThreshold": 0})
		expect("vector-search", st, b, err)
	}
}

// checkReplicasAgree asserts that every replica answers every search and
// every listing identically, with every acknowledged write present and
// every acknowledged delete gone.
func checkReplicasAgree(t *testing.T, c *cluster, l *ledger, workspaces []string) {
	t.Helper()
	// The document listings come from the shared blob store and SQL.
	var first []byte
	for i := range c.replicas {
		st, b, err := c.jsonCall(i, "GET", "/api/v1/documents", nil)
		if err != nil || st != 200 {
			t.Fatalf("replica %d documents: %d %v", i, st, err)
		}
		if i == 0 {
			first = b
		} else if !bytes.Equal(b, first) {
			t.Fatalf("replica %d lists other documents than replica 0", i)
		}
	}
	for tok, d := range l.live {
		if !l.uncertain[tok] && !bytes.Contains(first, []byte(filepath.Base(d.location))) {
			t.Errorf("acknowledged document %s is missing from the listing", d.location)
		}
	}
	for tok, d := range l.deleted {
		if !l.uncertain[tok] && bytes.Contains(first, []byte(filepath.Base(d.location))) {
			t.Errorf("deleted document %s is still listed", d.location)
		}
	}
	// Each workspace's embedded documents.
	for _, ws := range workspaces {
		var answers []string
		for i := range c.replicas {
			var out struct {
				Workspace []struct {
					Documents []struct {
						Docpath string `json:"docpath"`
					} `json:"documents"`
				} `json:"workspace"`
			}
			c.mustJSON(i, "GET", "/api/v1/workspace/"+ws, nil, &out)
			var paths []string
			for _, d := range out.Workspace[0].Documents {
				paths = append(paths, d.Docpath)
			}
			slices.Sort(paths)
			answers = append(answers, strings.Join(paths, "\n"))
		}
		if answers[1] != answers[0] || answers[2] != answers[0] {
			t.Fatalf("workspace %s: replicas list different documents", ws)
		}
	}
	// Every acknowledged document is found by its token on every replica,
	// with the same answer; deleted ones are found nowhere.
	search := func(i int, d doc) []byte {
		st, b, err := c.jsonCall(i, "POST", "/api/v1/workspace/"+d.workspace+"/vector-search", map[string]any{"query": d.token, "topN": 3, "scoreThreshold": 0})
		if err != nil || st != 200 {
			t.Fatalf("replica %d search: %d %v %s", i, st, err, b)
		}
		return b
	}
	checked := 0
	for tok, d := range l.live {
		if l.uncertain[tok] {
			continue
		}
		checked++
		var answers [][]byte
		for i := range c.replicas {
			answers = append(answers, search(i, d))
		}
		var out struct {
			Results []struct {
				Text string `json:"text"`
			} `json:"results"`
		}
		if err := json.Unmarshal(answers[0], &out); err != nil || len(out.Results) == 0 || !strings.Contains(out.Results[0].Text, tok) {
			t.Errorf("acknowledged document %s (%s) not found by its token: %s", d.location, d.workspace, answers[0])
			continue
		}
		for i := 1; i < len(answers); i++ {
			if !bytes.Equal(answers[i], answers[0]) {
				t.Errorf("search for %s: replica %d answers\n%s\nreplica 0 answers\n%s", tok, i, answers[i], answers[0])
			}
		}
	}
	for tok, d := range l.deleted {
		if l.uncertain[tok] {
			continue
		}
		for i := range c.replicas {
			if b := search(i, d); bytes.Contains(b, []byte(tok)) {
				t.Errorf("replica %d still finds deleted document %s: %s", i, d.location, b)
			}
		}
	}
	// Every acknowledged chat is stored once, and every replica exports the same.
	var export []byte
	for i := range c.replicas {
		st, b, err := c.jsonCall(i, "GET", "/api/v1/system/export-chats?type=json", nil)
		if err != nil || st != 200 {
			t.Fatalf("replica %d export: %d %v", i, st, err)
		}
		if i == 0 {
			export = b
		} else if !bytes.Equal(b, export) {
			t.Fatalf("replica %d exports other chats than replica 0", i)
		}
	}
	for _, p := range l.chats {
		if !bytes.Contains(export, []byte(p)) {
			t.Errorf("acknowledged chat %q is missing", p)
		}
	}
	t.Logf("checked %d documents and %d deletions on 3 replicas, %d chats", checked, len(l.deleted), len(l.chats))
}

// TestSQLiteServeSeesOtherProcessWrites: two processes on one SQLite file
// (a second serve, like a cron job or the CLI) see each other's document
// changes within a second.
func TestSQLiteServeSeesOtherProcessWrites(t *testing.T) {
	a := newInstance(t)
	b := newInstance(t)
	b.storage = a.storage
	for j, e := range b.env {
		if strings.HasPrefix(e, "STORAGE_DIR=") {
			b.env[j] = "STORAGE_DIR=" + a.storage
		}
	}
	if _, stderr, err := a.cli("migrate"); err != nil {
		t.Fatalf("migrate: %v %s", err, stderr)
	}
	c := &cluster{t: t, replicas: []*instance{a, b}, key: a.createKey(), client: http.DefaultClient}
	a.start()
	b.start()
	c.mustJSON(0, "POST", "/api/v1/workspace/new", map[string]any{"name": "shared"}, nil)
	tok := randomToken(12)
	var stored struct {
		Documents []struct {
			Location string `json:"location"`
		} `json:"documents"`
	}
	c.mustJSON(0, "POST", "/api/v1/document/raw-text", map[string]any{"textContent": "Shared note " + tok, "metadata": map[string]string{"title": "n"}, "addToWorkspaces": "shared"}, &stored)
	finds := func(i int) bool {
		_, body, _ := c.jsonCall(i, "POST", "/api/v1/workspace/shared/vector-search", map[string]any{"query": tok, "scoreThreshold": 0})
		return bytes.Contains(body, []byte(tok))
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		start := time.Now()
		for !ok() {
			if time.Since(start) > time.Second {
				t.Fatalf("%s: not seen within 1 s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Logf("%s: seen after %v", what, time.Since(start).Round(time.Millisecond))
	}
	waitFor("a document embedded by the first process, in the second's index", func() bool { return finds(1) })
	c.mustJSON(1, "DELETE", "/api/v1/system/remove-documents", map[string]any{"names": []string{stored.Documents[0].Location}}, nil)
	waitFor("a document removed by the second process, gone from the first's index", func() bool { return !finds(0) })
	// And the first process's workspace view (cached on SQLite) follows too.
	waitFor("the removal in the first process's workspace listing", func() bool {
		_, body, _ := c.jsonCall(0, "GET", "/api/v1/workspace/shared", nil)
		return !bytes.Contains(body, []byte(stored.Documents[0].Location))
	})
}
