package anythingllm

import (
	"context"
	"time"
)

// Pinger is the optional capability of a Store that can check its database
// connection (bunstore has it). Health uses it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// VectorLagReporter is the optional capability of a VectorStore that follows
// a change log (vectordb/follow): how far it is behind the log.
type VectorLagReporter interface {
	// Lag returns how many log entries the index has not applied yet and
	// the age of the oldest of them (0, 0 when it is caught up).
	Lag() (entries int64, age time.Duration)
}

// Health is the readiness of an App, as GET /api/health reports it.
type Health struct {
	// Ready is true when the App can serve every request: the database
	// answers and the vector index has loaded.
	Ready bool
	// DatabaseErr is why the database did not answer (nil when it did).
	DatabaseErr error
	// IndexReady is false while the vector index is still loading.
	IndexReady bool
	// IndexLagEntries and IndexLag say how far the index is behind the
	// change log that other processes write (0 for an index that does not
	// follow one).
	IndexLagEntries int64
	IndexLag        time.Duration
}

// healthPingTimeout bounds the database check, so a dead connection makes
// the health check answer "unavailable" instead of hanging a load
// balancer's probe.
const healthPingTimeout = 2 * time.Second

// Health checks the database and the vector index. It never blocks longer
// than a couple of seconds.
func (a *App) Health(ctx context.Context) Health {
	h := Health{IndexReady: a.IndexReady()}
	if p, ok := a.deps.Store.(Pinger); ok {
		pctx, cancel := context.WithTimeout(ctx, healthPingTimeout)
		defer cancel()
		if err := p.Ping(pctx); err != nil {
			h.DatabaseErr = WrapError(Unavailable, err, "the database is unreachable")
		}
	}
	if l, ok := a.deps.Vectors.(VectorLagReporter); ok {
		h.IndexLagEntries, h.IndexLag = l.Lag()
	}
	h.Ready = h.DatabaseErr == nil && h.IndexReady
	return h
}
