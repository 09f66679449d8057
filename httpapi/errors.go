package httpapi

import (
	"errors"
	"net/http"
	"syscall"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// This file is the only place that maps error codes to HTTP statuses.

// statusOf returns the HTTP status for an error code.
func statusOf(code anythingllm.ErrorCode) int {
	switch code {
	case anythingllm.NotFound:
		return http.StatusNotFound
	case anythingllm.AlreadyExists:
		return http.StatusConflict
	case anythingllm.InvalidArgument:
		return http.StatusBadRequest
	case anythingllm.PermissionDenied, anythingllm.Unauthenticated:
		return http.StatusForbidden
	case anythingllm.FailedPrecondition:
		return http.StatusConflict
	case anythingllm.Unimplemented:
		return http.StatusNotImplemented
	case anythingllm.Unavailable:
		return http.StatusServiceUnavailable
	case anythingllm.RateLimited:
		return http.StatusTooManyRequests
	case anythingllm.TooLarge:
		return http.StatusRequestEntityTooLarge
	case anythingllm.Canceled:
		return 499 // client closed request
	case anythingllm.DeadlineExceeded:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// errorStatus returns the status and client-safe message for err. Errors
// without a code, and internal ones, are logged by the caller and shown
// only as "Internal server error", so no cause (SQL, paths, secrets) leaks.
func errorStatus(err error) (int, string) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge, "request body too large"
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		// A full disk or quota: the client may retry once space is
		// freed; the store removed what it had half written.
		return http.StatusInsufficientStorage, "the server's storage is full"
	}
	if errors.Is(err, errBodyTimeout) {
		return http.StatusRequestTimeout, errBodyTimeout.Error()
	}
	if errors.Is(err, anythingllm.ErrNotMultiUser) {
		return http.StatusUnauthorized, anythingllm.ErrorMessage(err) // upstream's 401 for admin routes in single-user mode
	}
	code := anythingllm.Code(err)
	status := statusOf(code)
	msg := anythingllm.ErrorMessage(err)
	if status >= 500 && code != anythingllm.Unavailable && code != anythingllm.Unimplemented && code != anythingllm.DeadlineExceeded {
		msg = "Internal server error"
	}
	if msg == "" {
		msg = http.StatusText(status)
		if msg == "" {
			msg = code.String()
		}
	}
	return status, msg
}

// writeError answers with {"error": "<message>"} and the status of err's code.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := errorStatus(err)
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	encode(w, status, errorResponse{Error: msg})
}

// errorResponse is the generic JSON error body.
type errorResponse struct {
	Error string `json:"error"`
}

// errNoAPIKey is upstream's exact 403 body for a missing or bad key.
var errNoAPIKey = errorResponse{Error: "No valid api key found."}
