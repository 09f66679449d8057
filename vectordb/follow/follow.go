// Package follow keeps an in-memory vector index coherent with the database
// across processes. Every serve replica (and every CLI or job process) that
// shares one PostgreSQL database or one SQLite file holds its own in-memory
// index; an Index loads it from the vectors stored in SQL and then follows
// the store's vector change log (anythingllm.VectorChangeLog), so a document
// added or removed by any process, or a workspace deleted, reaches every
// index within moments (PostgreSQL: LISTEN/NOTIFY; SQLite: a 150 ms poll;
// both with a slow fallback poll).
//
// An Index is an anythingllm.VectorStore that wraps any in-memory one
// (flatvec, chromemvec, memvec), so the App uses it without knowing:
//
//	idx := follow.New(store, func() anythingllm.VectorStore { return flatvec.New(nil) }, nil)
//	app, _ := anythingllm.New(anythingllm.Deps{Store: store, Vectors: idx, ...}, &anythingllm.Options{LoadIndexAtStart: true})
//	go func() {
//		if _, err := app.LoadVectorIndex(ctx); err != nil { ... } // calls idx.Load
//		_ = idx.Run(ctx) // follows the log until ctx ends
//	}()
//
// Load records the log's newest position first and then pages every stored
// vector into a fresh inner index, which it swaps in; Run applies the
// entries after that position. An entry applied twice does no harm (an
// upsert replaces by ID, a delete of something absent is a no-op), so the
// overlap between the load and the log, and the process's own writes
// (which the App applies directly as well), are harmless. A process that
// fell behind the pruned part of the log reloads into a fresh index.
// Lag reports how far behind the log an Index is, for a health check.
package follow

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// Options tune an Index. A nil *Options means the defaults.
type Options struct {
	// Retention is how long log entries are kept; Run prunes older ones.
	// Default 24 h; negative never prunes. A process stopped for longer
	// reloads in full when it comes back.
	Retention time.Duration
	// PruneEvery bounds how often Run prunes; default 5 min.
	PruneEvery time.Duration
	// PollEvery is the fallback poll of the log, for wake-ups lost while
	// the database was unreachable; default 5 s.
	PollEvery time.Duration
	// Batch is how many log entries one read returns; default 1000.
	Batch int
	// Logger receives reloads and errors; default slog.Default().
	Logger *slog.Logger
	// Snapshot is a local file the index is saved to and started from
	// (e.g. beside the SQLite database, or on a replica's own disk): the
	// first Load reads it instead of every row from SQL, then the log is
	// applied from the position it records. A missing, stale (older than
	// the log keeps), foreign or corrupt snapshot is ignored and rewritten
	// by the load from SQL. "" keeps none.
	Snapshot string
	// SnapshotMaxLag is how many log entries a start from the snapshot
	// may have to apply before the snapshot is rewritten from SQL in the
	// background; default 10,000.
	SnapshotMaxLag int64
}

func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.Retention == 0 {
		out.Retention = 24 * time.Hour
	}
	if out.PruneEvery <= 0 {
		out.PruneEvery = 5 * time.Minute
	}
	if out.PollEvery <= 0 {
		out.PollEvery = 5 * time.Second
	}
	if out.Batch <= 0 {
		out.Batch = 1000
	}
	if out.Logger == nil {
		out.Logger = slog.Default()
	}
	if out.SnapshotMaxLag <= 0 {
		out.SnapshotMaxLag = 10_000
	}
	return out
}

// inner is one generation of the wrapped index.
type inner struct{ vs anythingllm.VectorStore }

// Index is an in-memory VectorStore that follows the store's change log.
// Its methods are safe for concurrent use.
type Index struct {
	store    anythingllm.Store
	log      anythingllm.VectorChangeLog // nil when the store keeps none
	newIndex func() anythingllm.VectorStore
	opts     Options

	cur     atomic.Pointer[inner] // serves every call
	loading atomic.Pointer[inner] // being filled by Load; direct writes go here too

	mu        sync.Mutex   // serializes Load and applying the log
	pos       atomic.Int64 // every entry up to here is applied
	seen      atomic.Int64 // the newest entry seen in the log
	behind    atomic.Int64 // unix nanoseconds since pos < seen; 0 when caught up
	ready     atomic.Bool
	loaded    chan struct{} // closed by the first Load
	loadOnce  sync.Once
	reloads   atomic.Int64
	lastPrune time.Time

	snapshotTried bool           // the first load tries the snapshot; later ones do not
	snapshotting  atomic.Bool    // a background rewrite is running
	snapshotWG    sync.WaitGroup // background rewrites, waited for by Close
}

var (
	_ anythingllm.VectorStore  = (*Index)(nil)
	_ anythingllm.VectorLoader = (*Index)(nil)
)

// New returns an empty, not yet loaded Index over store; newIndex makes
// each generation of the in-memory index (at start and at every full
// reload). Call Load (or App.LoadVectorIndex) and Run.
func New(store anythingllm.Store, newIndex func() anythingllm.VectorStore, opts *Options) *Index {
	x := &Index{store: store, newIndex: newIndex, opts: opts.withDefaults(), loaded: make(chan struct{})}
	x.log, _ = store.(anythingllm.VectorChangeLog)
	x.cur.Store(&inner{vs: newIndex()})
	return x
}

// Load builds the index from every vector stored in SQL into a fresh inner
// index and swaps it in; Run goes on from the log position recorded before
// the load. It returns how many vectors the index holds. Once the index is
// loaded (by Load, or by Run, which loads first), Load does nothing more.
func (x *Index) Load(ctx context.Context) (int, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ready.Load() {
		// Run got here first (it loads before following): loading again
		// would only double the start-up time.
		return x.cur.Load().vs.Total(ctx)
	}
	return x.load(ctx)
}

func (x *Index) load(ctx context.Context) (int, error) {
	if x.opts.Snapshot != "" && x.log != nil && !x.snapshotTried {
		x.snapshotTried = true
		start := time.Now()
		n, lag, err := x.loadSnapshot(ctx)
		if err == nil {
			x.opts.Logger.InfoContext(ctx, "vector index loaded from its snapshot", "path", x.opts.Snapshot, "vectors", n, "entries_to_apply", lag, "duration", time.Since(start))
			if lag > x.opts.SnapshotMaxLag {
				x.rewriteSnapshot()
			}
			return n, nil
		}
		if !errors.Is(err, errSnapshotUnusable) {
			return n, err // the database or the index: not the snapshot's fault
		}
		x.opts.Logger.InfoContext(ctx, "loading the vector index from the database", "snapshot", x.opts.Snapshot, "snapshot_unused", err.Error())
	}
	var newest int64
	if x.log != nil {
		var err error
		if _, newest, err = x.log.VectorChangeBounds(ctx); err != nil {
			return 0, err
		}
	}
	fresh := &inner{vs: x.newIndex()}
	x.loading.Store(fresh)
	defer x.loading.Store(nil)
	var dst anythingllm.VectorStore = fresh.vs
	var snap *snapshotWriter
	if x.opts.Snapshot != "" && x.log != nil {
		// The rows read for the index are written to a new snapshot on
		// the way: one pass over SQL fills both.
		if snap = x.newSnapshot(ctx, newest); snap != nil {
			dst = &teeStore{VectorStore: fresh.vs, snap: snap}
		}
	}
	n, err := anythingllm.LoadStoredVectors(ctx, x.store.Documents(), dst)
	if err != nil {
		if snap != nil {
			snap.abort()
		}
		_ = fresh.vs.Close()
		return n, err
	}
	if snap != nil {
		x.commitSnapshot(ctx, dst.(*teeStore))
	}
	x.install(fresh, newest)
	return n, nil
}

// install swaps fresh in as the index at log position pos. The old
// generation is left to the garbage collector rather than closed: a query
// may still be running on it.
func (x *Index) install(fresh *inner, pos int64) {
	x.cur.Store(fresh)
	x.pos.Store(pos)
	x.seen.Store(max(x.seen.Load(), pos))
	x.markLag()
	x.ready.Store(true)
	x.loadOnce.Do(func() { close(x.loaded) })
}

// loadSnapshot fills a fresh index from the snapshot file and installs it
// at the position the snapshot records; Run applies the log from there.
// It returns how many vectors it loaded and how many log entries are left
// to apply. An errSnapshotUnusable error means: load from SQL instead.
func (x *Index) loadSnapshot(ctx context.Context) (int, int64, error) {
	dbID, err := databaseID(ctx, x.store)
	if err != nil {
		return 0, 0, err
	}
	sr, err := openSnapshot(x.opts.Snapshot, dbID)
	if err != nil {
		return 0, 0, err
	}
	defer sr.close()
	oldest, newest, err := x.log.VectorChangeBounds(ctx)
	if err != nil {
		return 0, 0, err
	}
	switch {
	case sr.pos > newest:
		return 0, 0, unusable("at log position %d, past the log's newest %d (was the database restored?)", sr.pos, newest)
	case sr.pos+1 < oldest:
		return 0, 0, unusable("at log position %d, older than the log keeps (%d)", sr.pos, oldest)
	}
	fresh := &inner{vs: x.newIndex()}
	x.loading.Store(fresh)
	defer x.loading.Store(nil)
	// The file is decoded on one goroutine while the index takes the
	// decoded batches on this one: each is about half of the work.
	type batch struct {
		ns   string
		recs []anythingllm.VectorRecord
	}
	batches := make(chan batch, 4)
	stop := make(chan struct{})
	var (
		n       int
		readErr error
	)
	go func() {
		defer close(batches)
		n, readErr = sr.each(4000, !payloadsElsewhere(fresh.vs), func(ns string, recs []anythingllm.VectorRecord) error {
			select {
			case batches <- batch{ns, recs}:
				return nil
			case <-stop:
				return errSnapshotStopped
			}
		})
	}()
	var upsertErr error
	for b := range batches {
		if upsertErr != nil {
			continue // draining
		}
		if err := fresh.vs.Upsert(ctx, b.ns, b.recs); err != nil {
			upsertErr = unusable("the index refused a record: %v", err)
			close(stop)
		}
	}
	if err := cmp.Or(upsertErr, readErr); err != nil {
		_ = fresh.vs.Close()
		return 0, 0, err
	}
	x.install(fresh, sr.pos)
	x.seen.Store(newest)
	x.markLag()
	return n, newest - sr.pos, nil
}

// payloadsElsewhere reports whether the index keeps no chunk texts or
// metadata (flatvec with Options.Payloads), so a start need not decode
// them.
func payloadsElsewhere(vs anythingllm.VectorStore) bool {
	p, ok := vs.(interface{ PayloadsElsewhere() bool })
	return ok && p.PayloadsElsewhere()
}

// newSnapshot starts a snapshot at log position pos, or returns nil (and
// logs why) when it cannot: a snapshot is never worth failing a load for.
func (x *Index) newSnapshot(ctx context.Context, pos int64) *snapshotWriter {
	dbID, err := databaseID(ctx, x.store)
	if err == nil {
		var sw *snapshotWriter
		if sw, err = createSnapshot(x.opts.Snapshot, dbID, pos); err == nil {
			return sw
		}
	}
	x.opts.Logger.WarnContext(ctx, "not writing a vector snapshot", "path", x.opts.Snapshot, "err", err)
	return nil
}

func (x *Index) commitSnapshot(ctx context.Context, t *teeStore) {
	err := t.err
	if err == nil {
		err = t.snap.commit()
	} else {
		t.snap.abort()
	}
	if err != nil {
		x.opts.Logger.WarnContext(ctx, "not writing a vector snapshot", "path", x.opts.Snapshot, "err", err)
	}
}

// rewriteSnapshot writes a new snapshot from SQL in the background (one at
// a time), leaving the index alone.
func (x *Index) rewriteSnapshot() {
	if !x.snapshotting.CompareAndSwap(false, true) {
		return
	}
	x.snapshotWG.Add(1)
	go func() {
		defer x.snapshotWG.Done()
		defer x.snapshotting.Store(false)
		ctx := context.Background()
		_, newest, err := x.log.VectorChangeBounds(ctx)
		if err != nil {
			x.opts.Logger.WarnContext(ctx, "not rewriting the vector snapshot", "err", err)
			return
		}
		sw := x.newSnapshot(ctx, newest)
		if sw == nil {
			return
		}
		t := &teeStore{snap: sw}
		if _, err := anythingllm.LoadStoredVectors(ctx, x.store.Documents(), t); err != nil && t.err == nil {
			t.err = err
		}
		x.commitSnapshot(ctx, t)
	}()
}

// teeStore writes every upserted record to a snapshot, then to the wrapped
// index (if any). A snapshot write error is kept, not returned: the load
// goes on without a snapshot.
type teeStore struct {
	anythingllm.VectorStore
	snap *snapshotWriter
	err  error
}

func (t *teeStore) Upsert(ctx context.Context, namespace string, records []anythingllm.VectorRecord) error {
	if t.err == nil {
		t.err = t.snap.add(namespace, records)
	}
	if t.VectorStore == nil {
		return nil
	}
	return t.VectorStore.Upsert(ctx, namespace, records)
}

// Ready reports whether a Load has completed.
func (x *Index) Ready() bool { return x.ready.Load() }

// Position is the seq of the last log entry the index reflects.
func (x *Index) Position() int64 { return x.pos.Load() }

// Lag reports how many log entries the index has yet to apply and for how
// long it has been behind (0 when caught up), as of its last read of the
// log: a health check can fail a replica whose age grows.
func (x *Index) Lag() (entries int64, age time.Duration) {
	entries = max(0, x.seen.Load()-x.pos.Load())
	if since := x.behind.Load(); since != 0 && entries > 0 {
		age = time.Since(time.Unix(0, since))
	}
	return entries, age
}

// markLag updates the time since which the index is behind.
func (x *Index) markLag() {
	if x.pos.Load() >= x.seen.Load() {
		x.behind.Store(0)
	} else {
		x.behind.CompareAndSwap(0, time.Now().UnixNano())
	}
}

// Run follows the change log until ctx ends (it then returns nil). It
// starts once the first Load has completed (App.LoadVectorIndex calls it),
// so it can be started before or beside the load. It is woken by the
// store's WatchVectorChanges and polls every Options.PollEvery besides;
// database errors are logged and retried with a backoff, never returned. A
// store without a change log is ErrUnimplemented.
func (x *Index) Run(ctx context.Context) error {
	if x.log == nil {
		return anythingllm.Errorf(anythingllm.Unimplemented, "the store %T keeps no vector change log; the index cannot follow other processes", x.store)
	}
	select {
	case <-x.loaded:
	case <-ctx.Done():
		return nil
	}
	wake := x.log.WatchVectorChanges(ctx)
	poll := time.NewTicker(x.opts.PollEvery)
	defer poll.Stop()
	backoff := time.Duration(0)
	for {
		var retry <-chan time.Time
		if err := x.CatchUp(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			backoff = min(max(2*backoff, 100*time.Millisecond), 10*time.Second)
			x.opts.Logger.WarnContext(ctx, "following the vector change log failed; retrying", "err", err, "retry_in", backoff)
			retry = time.After(backoff)
		} else {
			backoff = 0
			x.maybePrune(ctx)
		}
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-wake:
			if !ok {
				wake = nil
			}
		case <-poll.C:
		case <-retry:
		}
	}
}

// maybePrune removes log entries older than Retention, at most every
// PruneEvery. Every process may prune; they agree on what is old.
func (x *Index) maybePrune(ctx context.Context) {
	if x.opts.Retention < 0 || time.Since(x.lastPrune) < x.opts.PruneEvery {
		return
	}
	x.lastPrune = time.Now()
	if _, err := x.log.PruneVectorChanges(ctx, time.Now().Add(-x.opts.Retention)); err != nil && ctx.Err() == nil {
		x.opts.Logger.WarnContext(ctx, "pruning the vector change log failed", "err", err)
	}
}

// CatchUp applies every log entry committed so far (loading first if Load
// has not run, and reloading in full if the entries after the position were
// pruned). Run calls it on each wake-up; tests and tools may call it.
func (x *Index) CatchUp(ctx context.Context) error {
	if x.log == nil {
		return anythingllm.Errorf(anythingllm.Unimplemented, "the store %T keeps no vector change log", x.store)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.ready.Load() {
		_, err := x.load(ctx)
		return err
	}
	for {
		pos := x.pos.Load()
		cs, err := x.log.VectorChanges(ctx, pos, x.opts.Batch)
		if err != nil {
			return err
		}
		// Read after the entries: if nothing after pos was pruned by now,
		// nothing was missing from what we read.
		oldest, newest, err := x.log.VectorChangeBounds(ctx)
		if err != nil {
			return err
		}
		x.seen.Store(newest)
		x.markLag()
		if oldest > pos+1 || newest < pos {
			why := "the entries after its position were pruned"
			if newest < pos {
				why = "the log is behind its position (was the database replaced?)"
			}
			x.opts.Logger.InfoContext(ctx, "reloading the vector index", "reason", why, "position", pos, "oldest", oldest, "newest", newest)
			x.reloads.Add(1)
			_, err := x.load(ctx)
			return err
		}
		if len(cs) == 0 {
			return nil
		}
		if err := x.apply(ctx, cs); err != nil {
			return err
		}
		x.markLag()
		if len(cs) < x.opts.Batch {
			return nil
		}
	}
}

// apply applies entries in order, moving the position after each. An
// upsert that a later entry of the batch undoes is skipped. The vectors of
// upserted documents are read ahead by a few goroutines while earlier
// entries are applied; what they read is the database's current state
// either way, so reading early changes nothing.
func (x *Index) apply(ctx context.Context, cs []anythingllm.VectorChange) error {
	lastDelete := map[string]int{} // docID -> index of its last delete-doc
	lastDrop := map[string]int{}   // namespace -> index of its last drop
	for i, c := range cs {
		switch c.Op {
		case anythingllm.VectorDeleteDoc:
			lastDelete[c.DocID] = i
		case anythingllm.VectorDropNamespace:
			lastDrop[c.Namespace] = i
		}
	}
	var reads []int // the upserts to read, in order
	for i, c := range cs {
		if c.Op != anythingllm.VectorUpsert {
			continue
		}
		if j, ok := lastDelete[c.DocID]; ok && j > i {
			continue
		}
		if j, ok := lastDrop[c.Namespace]; ok && j > i {
			continue
		}
		reads = append(reads, i)
	}
	fetched := x.readAhead(ctx, cs, reads)
	defer fetched.stop()

	vs := x.cur.Load().vs
	for i, c := range cs {
		var err error
		switch c.Op {
		case anythingllm.VectorUpsert:
			r, ok := fetched.wait(i)
			if !ok {
				break // undone later in this batch
			}
			if r.err != nil {
				return r.err // the database: retried
			}
			if len(r.recs) > 0 { // none: the document is gone again
				err = vs.Upsert(ctx, c.Namespace, r.recs)
			}
		case anythingllm.VectorDeleteDoc:
			err = vs.DeleteDocument(ctx, c.Namespace, c.DocID)
		case anythingllm.VectorDropNamespace:
			err = vs.DeleteNamespace(ctx, c.Namespace)
		default:
			x.opts.Logger.WarnContext(ctx, "skipping a vector change of an unknown kind", "seq", c.Seq, "op", c.Op)
		}
		if err != nil && !errors.Is(err, anythingllm.ErrNotFound) {
			// The in-memory index refused it (e.g. a vector of another
			// length): retrying would not help, so it is logged and passed.
			x.opts.Logger.WarnContext(ctx, "the vector index refused a logged change", "seq", c.Seq, "op", c.Op, "namespace", c.Namespace, "doc", c.DocID, "err", err)
		}
		x.pos.Store(c.Seq)
	}
	return nil
}

// Reading ahead: readers read documents this many at a time, at most
// readWindow documents ahead of the entry being applied.
const (
	readers    = 2
	readWindow = 6
)

type readResult struct {
	recs []anythingllm.VectorRecord
	err  error
	done chan struct{}
}

type reads struct {
	res    map[int]*readResult
	window chan struct{}
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// readAhead starts reading the documents of the entries at indexes idx.
func (x *Index) readAhead(ctx context.Context, cs []anythingllm.VectorChange, idx []int) *reads {
	rctx, cancel := context.WithCancel(ctx)
	r := &reads{res: make(map[int]*readResult, len(idx)), window: make(chan struct{}, readWindow), cancel: cancel}
	for _, i := range idx {
		r.res[i] = &readResult{done: make(chan struct{})}
	}
	jobs := make(chan int)
	r.wg.Add(1 + readers)
	go func() { // the feeder keeps at most readWindow reads outstanding
		defer r.wg.Done()
		defer close(jobs)
		for _, i := range idx {
			select {
			case r.window <- struct{}{}:
			case <-rctx.Done():
				return
			}
			select {
			case jobs <- i:
			case <-rctx.Done():
				return
			}
		}
	}()
	docs := x.store.Documents()
	for range readers {
		go func() {
			defer r.wg.Done()
			for i := range jobs {
				res := r.res[i]
				res.recs, res.err = docs.VectorsByDoc(rctx, cs[i].DocID)
				close(res.done)
			}
		}()
	}
	return r
}

// wait returns the read for entry i; ok is false if i was not read.
func (r *reads) wait(i int) (res *readResult, ok bool) {
	res, ok = r.res[i]
	if !ok {
		return nil, false
	}
	<-res.done
	<-r.window
	return res, true
}

// stop ends the reads still going and waits for the readers.
func (r *reads) stop() {
	r.cancel()
	r.wg.Wait()
}

// --- anythingllm.VectorStore, served by the current generation ---

// Upsert writes to the current index (and to the one being loaded).
func (x *Index) Upsert(ctx context.Context, namespace string, records []anythingllm.VectorRecord) error {
	if l := x.loading.Load(); l != nil {
		_ = l.vs.Upsert(ctx, namespace, records)
	}
	return x.cur.Load().vs.Upsert(ctx, namespace, records)
}

func (x *Index) Query(ctx context.Context, namespace string, q *anythingllm.VectorQuery) ([]anythingllm.VectorMatch, error) {
	return x.cur.Load().vs.Query(ctx, namespace, q)
}

// DeleteDocument deletes from the current index (and the one being loaded).
func (x *Index) DeleteDocument(ctx context.Context, namespace, docID string) error {
	if l := x.loading.Load(); l != nil {
		_ = l.vs.DeleteDocument(ctx, namespace, docID)
	}
	return x.cur.Load().vs.DeleteDocument(ctx, namespace, docID)
}

// DeleteNamespace deletes from the current index (and the one being loaded).
func (x *Index) DeleteNamespace(ctx context.Context, namespace string) error {
	if l := x.loading.Load(); l != nil {
		_ = l.vs.DeleteNamespace(ctx, namespace)
	}
	return x.cur.Load().vs.DeleteNamespace(ctx, namespace)
}

func (x *Index) Count(ctx context.Context, namespace string) (int, error) {
	return x.cur.Load().vs.Count(ctx, namespace)
}

func (x *Index) Total(ctx context.Context) (int, error) {
	return x.cur.Load().vs.Total(ctx)
}

// Close closes the current inner index, after a snapshot being written in
// the background is done. Stop Run (cancel its context) first.
func (x *Index) Close() error {
	x.snapshotWG.Wait()
	return x.cur.Load().vs.Close()
}
