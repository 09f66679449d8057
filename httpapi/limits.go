package httpapi

import (
	"cmp"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// Limits against slow or greedy clients. The handler sets per-request read
// and write deadlines through http.ResponseController rather than relying
// on http.Server's ReadTimeout and WriteTimeout: those count from the
// start of the request for the whole connection, so a WriteTimeout would
// cut every server-sent-events stream and a ReadTimeout every large upload.

const (
	defaultStreamsPerKey      = 8
	defaultBodyReadTimeout    = 30 * time.Second
	defaultMinBodyRate        = 16 << 10 // bytes per second
	defaultStreamWriteTimeout = 30 * time.Second
	defaultReadHeaderTimeout  = 10 * time.Second
	defaultMaxHeaderBytes     = 64 << 10
	defaultIdleTimeout        = 2 * time.Minute

	// streamRetryAfter is the Retry-After (seconds) of a refused stream.
	streamRetryAfter = 2
)

// NewHTTPServer returns an *http.Server serving NewServer(app, opts) with
// the connection limits of opts: the header read timeout, the header size
// cap (a bigger header block gets net/http's 431) and the idle timeout.
// The caller sets Addr or calls Serve with its own listener.
func NewHTTPServer(app *anythingllm.App, opts *Options) *http.Server {
	h := NewServer(app, opts)
	var o Options
	if opts != nil {
		o = *opts
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cmp.Or(o.ReadHeaderTimeout, defaultReadHeaderTimeout),
		MaxHeaderBytes:    cmp.Or(o.MaxHeaderBytes, defaultMaxHeaderBytes),
		IdleTimeout:       cmp.Or(o.IdleTimeout, defaultIdleTimeout),
	}
}

// errBodyTimeout is what reading a request body returns once its deadline
// has passed; it is answered with 408.
var errBodyTimeout = errors.New("reading the request body took too long")

// bodyDeadline gives every request body a read deadline: BodyReadTimeout
// from the start of the request, extended by one second for every
// MinBodyRate bytes received. A client trickling its body slower than that
// (a slow-body "slowloris") has its read fail and its connection closed,
// while a large upload at a sane rate is never cut.
func (s *server) bodyDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opts.BodyReadTimeout < 0 || r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			// No body: net/http already watches the connection for the
			// client going away; a deadline here would cut that watch.
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		start := time.Now()
		first := start.Add(s.opts.BodyReadTimeout)
		if err := rc.SetReadDeadline(first); err != nil {
			next.ServeHTTP(w, r) // a writer without deadlines (tests' recorders)
			return
		}
		r.Body = &deadlineBody{ReadCloser: r.Body, w: w, rc: rc, start: start, base: s.opts.BodyReadTimeout, rate: s.opts.MinBodyRate, set: first}
		next.ServeHTTP(w, r)
	})
}

// deadlineBody extends the connection's read deadline as bytes arrive.
type deadlineBody struct {
	io.ReadCloser
	w     http.ResponseWriter
	rc    *http.ResponseController
	start time.Time
	base  time.Duration
	rate  int64
	n     int64
	set   time.Time
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	// Only while more is to come: at EOF net/http starts watching the
	// connection for the client going away and clears the deadline; one
	// set after that would cancel a long stream's context.
	if err == nil && n > 0 {
		d := b.start.Add(b.base + time.Duration(b.n/b.rate)*time.Second)
		if d.Sub(b.set) >= time.Second {
			_ = b.rc.SetReadDeadline(d)
			b.set = d
		}
	}
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		// The rest of the body will not come in time: do not wait for it
		// after the answer either.
		b.w.Header().Set("Connection", "close")
		return n, errBodyTimeout
	}
	return n, err
}

// streamLimiter counts the open streams of each API key.
type streamLimiter struct {
	limit int // <= 0: no limit
	mu    sync.Mutex
	open  map[string]int
}

func (l *streamLimiter) acquire(id string) (release func(), ok bool) {
	if l.limit <= 0 {
		return func() {}, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[id] >= l.limit {
		return nil, false
	}
	l.open[id]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.open[id]--; l.open[id] <= 0 {
				delete(l.open, id)
			}
		})
	}, true
}

// streamSlot takes one of the request's API key's stream slots. When the
// key already holds StreamsPerKey open streams it sets Retry-After and
// returns a RateLimited error (429), before any stream byte is written.
// The caller releases the slot when the stream ends; a client that goes
// away ends it, as its context is canceled.
func (s *server) streamSlot(w http.ResponseWriter, r *http.Request) (release func(), err error) {
	id := "anonymous"
	if k, _ := r.Context().Value(apiKeyContextKey{}).(*anythingllm.APIKey); k != nil {
		id = "key:" + strconv.FormatInt(k.ID, 10) + ":" + k.Prefix
	}
	release, ok := s.streams.acquire(id)
	if !ok {
		w.Header().Set("Retry-After", strconv.Itoa(streamRetryAfter))
		return nil, anythingllm.Errorf(anythingllm.RateLimited,
			"too many open streams for this API key (at most %d at once); retry when one has ended", s.streams.limit)
	}
	return release, nil
}

// streamWriteDeadline bounds the next write of a stream: a client that
// stops reading fills the socket buffers, and the write then fails after
// StreamWriteTimeout instead of holding the handler (and the LLM call)
// forever.
func (s *server) streamWriteDeadline(rc *http.ResponseController) {
	if s.opts.StreamWriteTimeout > 0 {
		_ = rc.SetWriteDeadline(time.Now().Add(s.opts.StreamWriteTimeout))
	}
}

// limitsDefaults fills the zero limits of o.
func (o *Options) limitsDefaults() {
	if o.StreamsPerKey == 0 {
		o.StreamsPerKey = defaultStreamsPerKey
	}
	if o.BodyReadTimeout == 0 {
		o.BodyReadTimeout = defaultBodyReadTimeout
	}
	if o.MinBodyRate <= 0 {
		o.MinBodyRate = defaultMinBodyRate
	}
	if o.StreamWriteTimeout == 0 {
		o.StreamWriteTimeout = defaultStreamWriteTimeout
	}
}
