package jobs_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/jobs"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/bunstore/bunstoretest"
	"github.com/jonboulle/clockwork"
)

type tick struct {
	who int
	ran bool
	err error
}

// TestSchedulersOnOnePostgresNeverOverlap runs two schedulers, each on its
// own store (its own PostgreSQL sessions, as two replicas), driven by one
// fake clock. A probe job holds its run until the test releases it: on
// every tick exactly one scheduler runs it and the other skips (the
// Locker), and the two are never inside at once.
func TestSchedulersOnOnePostgresNeverOverlap(t *testing.T) {
	dsn, opts := bunstoretest.PostgresSchema(t)
	clock := clockwork.NewFakeClock()
	var inside, maxInside atomic.Int64
	entered := make(chan int, 16)
	release := make(chan struct{})
	ticks := make(chan tick, 64)
	var scheds []*jobs.Scheduler
	for i := range 2 {
		st := bunstoretest.PostgresAt(t, dsn, opts)
		app, err := anythingllm.New(anythingllm.Deps{Store: st, Blobs: blobstore.NewMemory()}, nil)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := jobs.NewScheduler(app, &jobs.SchedulerOptions{Clock: clock, CleanupSchedule: "-", SyncInterval: -1,
			Observe: func(job string, ran bool, err error) { ticks <- tick{i, ran, err} }})
		if err != nil {
			t.Fatal(err)
		}
		err = sc.Add(jobs.Job{Name: "probe", Interval: time.Minute, Run: func(ctx context.Context) error {
			n := inside.Add(1)
			defer inside.Add(-1)
			for {
				m := maxInside.Load()
				if n <= m || maxInside.CompareAndSwap(m, n) {
					break
				}
			}
			entered <- i
			select {
			case <-release:
			case <-ctx.Done():
			}
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		sc.Start()
		scheds = append(scheds, sc)
	}
	t.Cleanup(func() {
		for _, sc := range scheds {
			_ = sc.Shutdown()
		}
	})

	ran := map[int]int{}
	skips := 0
	deadline := time.After(60 * time.Second)
	// pump advances the fake clock until want arrives.
	pump := func(want func() bool) {
		for !want() {
			clock.Advance(time.Minute)
			select {
			case who := <-entered:
				ran[who]++
			case tk := <-ticks:
				if tk.err != nil {
					t.Fatalf("scheduler %d: %v", tk.who, tk.err)
				}
				if !tk.ran {
					skips++
				}
			case <-time.After(20 * time.Millisecond):
			case <-deadline:
				t.Fatalf("timed out: ran %v, skips %d", ran, skips)
			}
		}
	}
	for round := 1; round <= 4; round++ {
		runsBefore, skipsBefore := ran[0]+ran[1], skips
		pump(func() bool { return ran[0]+ran[1] > runsBefore && skips > skipsBefore })
		if n := inside.Load(); n != 1 {
			t.Fatalf("round %d: %d probes inside, want 1", round, n)
		}
		release <- struct{}{}
	}
	if m := maxInside.Load(); m != 1 {
		t.Fatalf("the probe ran %d times at once across two schedulers", m)
	}
	if ran[0]+ran[1] != 4 || skips < 4 {
		t.Fatalf("ran %v, skipped %d", ran, skips)
	}
}

// TestSchedulerRunsTheSyncJobOnTheFakeClock checks the built-in sync job is
// scheduled at SyncInterval and runs under the Locker.
func TestSchedulerRunsTheSyncJobOnTheFakeClock(t *testing.T) {
	f := newFixture(t)
	f.site.SetPage("/page", "<html><body><p>Scheduled ostrich text.</p></body></html>")
	f.clock.Add(2 * time.Hour) // the queue is stale
	clock := clockwork.NewFakeClock()
	ticks := make(chan tick, 16)
	sc, err := jobs.NewScheduler(f.app, &jobs.SchedulerOptions{Clock: clock, SyncInterval: 5 * time.Minute,
		Observe: func(job string, ran bool, err error) {
			if job == jobs.SyncJobName {
				ticks <- tick{0, ran, err}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	sc.Start()
	defer sc.Shutdown()
	deadline := time.After(30 * time.Second)
	for done := false; !done; {
		clock.Advance(5 * time.Minute)
		select {
		case tk := <-ticks:
			if !tk.ran || tk.err != nil {
				t.Fatalf("sync tick: %+v", tk)
			}
			done = true
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatal("the sync job never ran")
		}
	}
	doc, _ := f.app.LoadDocument(ctx, f.docpath)
	if doc == nil || doc.PageContent == "" || !strings.Contains(doc.PageContent, "Scheduled ostrich") {
		t.Fatalf("the scheduled sync did not re-embed: %+v", doc)
	}
}
