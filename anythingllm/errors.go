package anythingllm

import (
	"context"
	"errors"
	"fmt"
)

// ErrorCode classifies an error independently of transport. The httpapi
// package maps each code to exactly one HTTP status, in one file.
type ErrorCode int

// The error codes. They mirror gRPC's canonical codes where those fit.
const (
	Unknown            ErrorCode = iota // an unclassified failure (HTTP 500)
	NotFound                            // the named thing does not exist
	AlreadyExists                       // a unique name or slug is taken
	InvalidArgument                     // the request is malformed or out of range
	PermissionDenied                    // the caller may not do this
	Unauthenticated                     // no valid credentials
	FailedPrecondition                  // the system is not in a state that allows this
	Unimplemented                       // the feature or request field is not supported
	Unavailable                         // a dependency (LLM, embedder, DB) is unreachable
	RateLimited                         // a dependency asked us to slow down
	TooLarge                            // a body, file or batch exceeds a limit
	Canceled                            // the caller went away
	DeadlineExceeded                    // a timeout fired
	Internal                            // a bug or broken invariant
)

var codeNames = [...]string{
	Unknown: "unknown", NotFound: "not found", AlreadyExists: "already exists",
	InvalidArgument: "invalid argument", PermissionDenied: "permission denied",
	Unauthenticated: "unauthenticated", FailedPrecondition: "failed precondition",
	Unimplemented: "unimplemented", Unavailable: "unavailable", RateLimited: "rate limited",
	TooLarge: "too large", Canceled: "canceled", DeadlineExceeded: "deadline exceeded",
	Internal: "internal",
}

func (c ErrorCode) String() string {
	if c >= 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("code(%d)", int(c))
}

// Error is an error with a code. Match it with errors.Is against the
// sentinels below (errors.Is(err, anythingllm.ErrNotFound)) or read the code
// with [Code].
type Error struct {
	Code    ErrorCode
	Message string // safe to show to API clients
	Err     error  // the underlying cause, for logs; never shown to clients
}

func (e *Error) Error() string {
	switch {
	case e.Message != "" && e.Err != nil:
		return e.Message + ": " + e.Err.Error()
	case e.Message != "":
		return e.Message
	case e.Err != nil:
		return e.Code.String() + ": " + e.Err.Error()
	}
	return e.Code.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is a sentinel (an *Error with no message and no
// cause) of the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Err == nil && t.Code == e.Code
}

// Sentinels for errors.Is.
var (
	ErrNotFound           = &Error{Code: NotFound}
	ErrAlreadyExists      = &Error{Code: AlreadyExists}
	ErrInvalidArgument    = &Error{Code: InvalidArgument}
	ErrPermissionDenied   = &Error{Code: PermissionDenied}
	ErrUnauthenticated    = &Error{Code: Unauthenticated}
	ErrFailedPrecondition = &Error{Code: FailedPrecondition}
	ErrUnimplemented      = &Error{Code: Unimplemented}
	ErrUnavailable        = &Error{Code: Unavailable}
	ErrRateLimited        = &Error{Code: RateLimited}
	ErrTooLarge           = &Error{Code: TooLarge}
	ErrCanceled           = &Error{Code: Canceled}
	ErrDeadlineExceeded   = &Error{Code: DeadlineExceeded}
	ErrInternal           = &Error{Code: Internal}
)

// Errorf returns an *Error with the code and a client-safe message.
func Errorf(code ErrorCode, format string, args ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with the code and message that keeps cause for
// logs and errors.Is; the cause's text is never shown to clients.
func WrapError(code ErrorCode, cause error, format string, args ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

// Code returns the code of the first *Error in err's chain. Context
// cancellation and deadline errors map to Canceled and DeadlineExceeded;
// anything else is Unknown. Code(nil) is Unknown.
func Code(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	switch {
	case errors.Is(err, context.Canceled):
		return Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return DeadlineExceeded
	}
	return Unknown
}

// ErrorMessage returns the client-safe message of err: the Message of the first
// *Error in its chain that has one, or "" if none does.
func ErrorMessage(err error) string {
	for err != nil {
		if e, ok := err.(*Error); ok && e.Message != "" {
			return e.Message
		}
		err = errors.Unwrap(err)
	}
	return ""
}
