package httpapi

import "net/http"

type pingResponse struct {
	Online bool `json:"online"`
}

type authResponse struct {
	Authenticated bool `json:"authenticated"`
}

func (s *server) handlePing(w http.ResponseWriter, r *http.Request) {
	encode(w, http.StatusOK, pingResponse{Online: true})
}

func (s *server) handleAuth(w http.ResponseWriter, r *http.Request) {
	encode(w, http.StatusOK, authResponse{Authenticated: true})
}

// healthResponse is GET /api/health: readiness for load balancers.
type healthResponse struct {
	Status   string      `json:"status"`   // "ok" or "unavailable"
	Database string      `json:"database"` // "ok" or "unreachable"
	Index    healthIndex `json:"index"`
	Error    *string     `json:"error"`
}

type healthIndex struct {
	Ready      bool  `json:"ready"`
	LagEntries int64 `json:"lagEntries"`
	LagMs      int64 `json:"lagMs"`
}

// handleHealth answers 200 when the replica can serve every request, 503
// while its vector index loads or its database is unreachable. Causes are
// logged, not sent: a driver error may name hosts.
func (s *server) handleHealth(w http.ResponseWriter, r *http.Request) {
	h := s.app.Health(r.Context())
	resp := healthResponse{Status: "ok", Database: "ok",
		Index: healthIndex{Ready: h.IndexReady, LagEntries: h.IndexLagEntries, LagMs: h.IndexLag.Milliseconds()}}
	status := http.StatusOK
	if h.DatabaseErr != nil {
		resp.Database = "unreachable"
		s.log.Warn("health: database unreachable", "err", h.DatabaseErr)
	}
	if !h.Ready {
		status, resp.Status = http.StatusServiceUnavailable, "unavailable"
		msg := "the vector index is loading"
		if h.DatabaseErr != nil {
			msg = "the database is unreachable"
		}
		resp.Error = &msg
	}
	encode(w, status, resp)
}
