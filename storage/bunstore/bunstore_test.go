package bunstore_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/bunstore"
	"github.com/anythingllm-go/anythingllm/storage/bunstore/bunstoretest"
	"github.com/anythingllm-go/anythingllm/storage/storetest"
)

func TestConformanceSQLite(t *testing.T) {
	storetest.RunConformanceTests(t, func(t *testing.T) anythingllm.Store { return bunstoretest.SQLite(t) })
}

func TestConformancePostgres(t *testing.T) {
	storetest.RunConformanceTests(t, func(t *testing.T) anythingllm.Store { return bunstoretest.Postgres(t) })
}

func TestMigrateTwiceAndConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	ctx := context.Background()
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := bunstore.Open(ctx, path, nil)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			errs <- s.Migrate(ctx)
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	s := bunstoretest.SQLiteAt(t, path)
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrating an up-to-date database: %v", err)
	}
}

func TestRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := bunstore.OpenDir(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	w := &anythingllm.Workspace{Name: "kept", Slug: "kept", CreatedAt: now, LastUpdatedAt: now}
	if err := s.Workspaces().Create(ctx, w); err != nil {
		t.Fatal(err)
	}
	if err := s.Documents().Add(ctx, &anythingllm.WorkspaceDocument{DocID: "d", Docpath: "f/d.json", Filename: "d.json", WorkspaceID: w.ID, CreatedAt: now, LastUpdatedAt: now},
		[]anythingllm.VectorRecord{{ID: "v", Vector: []float32{1, 2, 3}, Text: "t"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := bunstore.OpenDir(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Workspaces().GetBySlug(ctx, "kept"); err != nil {
		t.Fatalf("workspace lost across restart: %v", err)
	}
	vs, err := s2.Documents().Vectors(ctx, 0, 0)
	if err != nil || len(vs) != 1 || vs[0].Vector[2] != 3 || vs[0].Namespace != "kept" {
		t.Fatalf("vectors across restart: %+v, %v", vs, err)
	}
}

// TestKillDuringWritesLosesNothing runs a child process that writes chats
// and prints each id after its commit returns, kills it with SIGKILL in the
// middle of the burst, and checks that every printed id is in the database.
func TestKillDuringWritesLosesNothing(t *testing.T) {
	if os.Getenv("BUNSTORE_CRASH_CHILD") != "" {
		crashChild()
		return
	}
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	dir := t.TempDir()
	ctx := context.Background()
	s := bunstoretest.SQLiteAt(t, filepath.Join(dir, bunstore.FileName))
	now := time.Now().UTC()
	w := &anythingllm.Workspace{Name: "crash", Slug: "crash", CreatedAt: now, LastUpdatedAt: now}
	if err := s.Workspaces().Create(ctx, w); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillDuringWritesLosesNothing$")
	cmd.Env = append(os.Environ(), "BUNSTORE_CRASH_CHILD="+dir, fmt.Sprintf("BUNSTORE_CRASH_WS=%d", w.ID))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []int64
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "acked ") {
			continue
		}
		id, _ := strconv.ParseInt(strings.TrimPrefix(line, "acked "), 10, 64)
		acked = append(acked, id)
		if len(acked) == 150 {
			_ = cmd.Process.Signal(syscall.SIGKILL)
			break
		}
	}
	_ = cmd.Wait()
	if len(acked) < 150 {
		t.Fatalf("child acknowledged only %d writes before exiting", len(acked))
	}
	for _, id := range acked {
		if _, err := s.Chats().Get(ctx, id); err != nil {
			t.Fatalf("acknowledged chat %d lost after SIGKILL: %v", id, err)
		}
	}
	n, err := s.Chats().Count(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("acknowledged %d, found %d after SIGKILL", len(acked), n)
}

func crashChild() {
	ctx := context.Background()
	dir := os.Getenv("BUNSTORE_CRASH_CHILD")
	wsID, _ := strconv.ParseInt(os.Getenv("BUNSTORE_CRASH_WS"), 10, 64)
	s, err := bunstore.OpenDir(ctx, dir, nil)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	for i := 0; ; i++ {
		now := time.Now().UTC()
		c := &anythingllm.Chat{WorkspaceID: wsID, Prompt: fmt.Sprint(i), Response: "{}", Include: true, CreatedAt: now, LastUpdatedAt: now}
		if err := s.Chats().Create(ctx, c); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Printf("acked %d\n", c.ID)
	}
}

// Reads racing with updates never leave a stale workspace or pinned list
// behind: after the last write, every read sees it.
func TestCachedReadsSeeEveryWrite(t *testing.T) {
	s := bunstoretest.SQLite(t)
	ctx := context.Background()
	w := &anythingllm.Workspace{Name: "v0", Slug: "w", CreatedAt: time.Now(), LastUpdatedAt: time.Now()}
	if err := s.Workspaces().Create(ctx, w); err != nil {
		t.Fatal(err)
	}
	d := &anythingllm.WorkspaceDocument{DocID: "d", Filename: "d", Docpath: "custom-documents/d.json", WorkspaceID: w.ID, CreatedAt: time.Now(), LastUpdatedAt: time.Now()}
	if err := s.Documents().Add(ctx, d, nil); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, _ = s.Workspaces().GetBySlug(ctx, "w")
				_, _ = s.Documents().ListPinned(ctx, w.ID)
			}
		}()
	}
	for i := 1; i <= 50; i++ {
		w.Name = fmt.Sprint("v", i)
		if err := s.Workspaces().Update(ctx, w); err != nil {
			t.Fatal(err)
		}
		if err := s.Documents().SetPinned(ctx, w.ID, d.Docpath, i%2 == 1); err != nil {
			t.Fatal(err)
		}
		got, err := s.Workspaces().GetBySlug(ctx, "w")
		if err != nil || got.Name != w.Name {
			t.Fatalf("after update %d: %v %v", i, got, err)
		}
		pinned, err := s.Documents().ListPinned(ctx, w.ID)
		if err != nil || (len(pinned) == 1) != (i%2 == 1) {
			t.Fatalf("after pin %v: %v %v", i%2 == 1, pinned, err)
		}
		got.Name = "changed by a caller"
		if again, _ := s.Workspaces().GetBySlug(ctx, "w"); again.Name != w.Name {
			t.Fatal("a caller's change reached the cache")
		}
	}
	close(stop)
	for range 4 {
		<-done
	}
	// A workspace written inside a transaction is seen after the commit.
	if err := s.InTx(ctx, func(tx anythingllm.Store) error {
		w.Name = "in tx"
		return tx.Workspaces().Update(ctx, w)
	}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Workspaces().GetBySlug(ctx, "w"); got.Name != "in tx" {
		t.Fatalf("after a transaction: %s", got.Name)
	}
}

// Histories read while other turns of the same conversations are saved
// stay exactly what the database holds: the cached lists, written through
// on every save, match a fresh read by a second store on the same file.
func TestCachedHistoriesMatchTheDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	s := bunstoretest.SQLiteAt(t, path)
	ctx := context.Background()
	w := &anythingllm.Workspace{Name: "w", Slug: "w", CreatedAt: time.Now(), LastUpdatedAt: time.Now()}
	if err := s.Workspaces().Create(ctx, w); err != nil {
		t.Fatal(err)
	}
	sessions := []string{"", "a", "b"}
	filter := func(session string, limit int) *anythingllm.ChatFilter {
		return &anythingllm.ChatFilter{WorkspaceID: w.ID, NoThread: true, SessionID: session, NoSession: session == "",
			IncludedOnly: true, Newest: true, Limit: limit}
	}
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for g := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			session := sessions[g%len(sessions)]
			for i := range 30 {
				if _, err := s.Chats().List(ctx, filter(session, 4)); err != nil {
					errs <- err
					return
				}
				c := &anythingllm.Chat{WorkspaceID: w.ID, Prompt: fmt.Sprintf("%d-%d", g, i), Response: "{}", Include: i%7 != 3,
					CreatedAt: time.Now().UTC().Truncate(time.Millisecond), LastUpdatedAt: time.Now().UTC().Truncate(time.Millisecond)}
				if session != "" {
					c.APISessionID = &session
				}
				if err := s.Chats().Create(ctx, c); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	compare := func(when string) {
		t.Helper()
		// A new store has nothing cached: it reads the file.
		fresh, err := bunstore.Open(ctx, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer fresh.Close()
		for _, session := range sessions {
			for _, limit := range []int{1, 4, 20} {
				got, err1 := s.Chats().List(ctx, filter(session, limit))
				want, err2 := fresh.Chats().List(ctx, filter(session, limit))
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				if len(got) != len(want) {
					t.Fatalf("%s, session %q limit %d: %d chats, the database has %d", when, session, limit, len(got), len(want))
				}
				for i := range got {
					if got[i].ID != want[i].ID || got[i].Prompt != want[i].Prompt || !got[i].CreatedAt.Equal(want[i].CreatedAt) {
						t.Fatalf("%s, session %q limit %d, #%d: %+v, the database has %+v", when, session, limit, i, got[i], want[i])
					}
				}
			}
		}
	}
	compare("after concurrent turns")
	// Excluding chats (a history reset) is seen at once.
	if _, err := s.Chats().SetInclude(ctx, &anythingllm.ChatFilter{WorkspaceID: w.ID, SessionID: "a"}, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Chats().List(ctx, filter("a", 4)); len(got) != 0 {
		t.Fatalf("after reset: %d chats", len(got))
	}
	compare("after a reset")
}

// TestBulkReadsQuoteValues: the PostgreSQL bulk reads (binary COPY, where
// bun fills in the values) quote every value, so a document id with
// quotes and semicolons is a value, not SQL.
func TestBulkReadsQuoteValues(t *testing.T) {
	st := bunstoretest.Postgres(t)
	ctx := context.Background()
	for _, id := range []string{`x'); DROP TABLE workspaces; --`, `a\'b`, "$1", "?", "é\x00"[:2]} {
		recs, err := st.Documents().VectorsByDoc(ctx, id)
		if err != nil || len(recs) != 0 {
			t.Fatalf("VectorsByDoc(%q) = %v, %v", id, recs, err)
		}
	}
	if _, err := st.Workspaces().List(ctx); err != nil {
		t.Fatalf("workspaces after the hostile ids: %v", err)
	}
}
