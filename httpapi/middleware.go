package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"runtime/debug"
	"strings"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// middleware wraps the mux with, from the outside in: request logging,
// panic recovery, CORS and the body read deadline. The body size limit is
// set per route (addRoutes), as only upload routes take large bodies.
func (s *server) middleware(next http.Handler) http.Handler {
	return s.logRequests(s.recoverPanics(cors(s.bodyDeadline(s.refuseUncleanPaths(next)))))
}

// refuseUncleanPaths answers a path that is not in clean form ("//",
// "/./", "/../") with the JSON 404. ServeMux would redirect it with a
// text body, and clients do not follow a 307 on POST; upstream has no such
// paths either.
func (s *server) refuseUncleanPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.IndexByte(p, 0) >= 0 {
			encode(w, http.StatusBadRequest, errorResponse{Error: "the path contains a NUL character"})
			return
		}
		clean := path.Clean(p)
		if strings.HasSuffix(p, "/") && clean != "/" {
			clean += "/"
		}
		if p != clean {
			s.handleNotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush passes flushes through for streaming handlers.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// logRequests logs one line per request. It never logs headers or bodies,
// so no key or secret reaches the log.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		s.log.InfoContext(r.Context(), "http request",
			"method", r.Method, "path", r.URL.Path, "status", rec.status,
			"bytes", rec.bytes, "duration", time.Since(start))
	})
}

// recoverPanics turns a handler panic into a JSON 500 and a log line.
func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "panic in handler", "method", r.Method, "path", r.URL.Path,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			encode(w, http.StatusInternalServerError, errorResponse{Error: "Internal server error"})
		}()
		next.ServeHTTP(w, r)
	})
}

// cors reflects the request Origin as upstream's cors({origin: true}) does,
// and answers preflight requests with 204.
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE")
				if reqHeaders := r.Header.Get("Access-Control-Request-Headers"); reqHeaders != "" {
					h.Set("Access-Control-Allow-Headers", reqHeaders)
					h.Add("Vary", "Access-Control-Request-Headers")
				}
				h.Set("Content-Length", "0")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody caps request bodies at limit: MaxUploadBytes on upload routes,
// MaxBodyBytes everywhere else whatever the Content-Type says (a JSON route
// does not take a gigabyte because the body is labelled multipart). A body
// over the limit makes reads fail with *http.MaxBytesError, which handlers
// answer with 413.
func (s *server) limitBody(limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			encode(w, http.StatusRequestEntityTooLarge, errorResponse{Error: fmt.Sprintf("request body exceeds %d bytes", limit)})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

type apiKeyContextKey struct{}

// requireAPIKey admits requests whose Authorization header carries a valid
// key. Like upstream, the header is split on single spaces and the second
// part is the key ("Bearer  key" with two spaces fails); unlike upstream,
// the scheme must be Bearer, so a Basic or other credential is never tried
// as a key. Anything else is 403 {"error":"No valid api key found."}.
func (s *server) requireAPIKey(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(r.Header.Get("Authorization"), " ")
		if len(parts) < 2 || parts[1] == "" || !strings.EqualFold(parts[0], "Bearer") {
			encode(w, http.StatusForbidden, errNoAPIKey)
			return
		}
		key, err := s.app.VerifyAPIKey(r.Context(), parts[1])
		if err != nil && anythingllm.Code(err) == anythingllm.Unavailable {
			// The database is away: say so (503), rather than telling the
			// client its key is wrong.
			s.writeError(w, r, err)
			return
		}
		if err != nil {
			if anythingllm.Code(err) != anythingllm.Unauthenticated {
				s.log.ErrorContext(r.Context(), "api key check failed", "err", err)
			}
			encode(w, http.StatusForbidden, errNoAPIKey)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), apiKeyContextKey{}, key)))
	})
}

// handleNotFound answers unknown routes with a JSON 404 (upstream's
// production build answers its HTML page with 200 instead).
func (s *server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	encode(w, http.StatusNotFound, errorResponse{Error: fmt.Sprintf("Not found: %s %s", r.Method, r.URL.Path)})
}
