// Package conntest builds the ConnectorEnv the connector tests use: the
// guarded client (loopback allowed, so the httptest fakes are reachable),
// a real payload cipher and predictable ids.
package conntest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/safehttp"
	"github.com/anythingllm-go/anythingllm/connectors/payload"
)

var (
	cipherOnce sync.Once
	cipher     *payload.Cipher
	cipherErr  error
)

// Cipher is one shared cipher (scrypt is slow on purpose).
func Cipher(t testing.TB) *payload.Cipher {
	t.Helper()
	cipherOnce.Do(func() { cipher, cipherErr = payload.NewCipher("test-sig-key", "test-sig-salt") })
	if cipherErr != nil {
		t.Fatal(cipherErr)
	}
	return cipher
}

// Env returns an env whose client may reach loopback, with ids
// "00000001-0000-4000-8000-000000000000", "00000002-...", ...
func Env(t testing.TB) *anythingllm.ConnectorEnv {
	var n atomic.Int64
	return &anythingllm.ConnectorEnv{
		HTTP:   safehttp.NewClient(&safehttp.Options{AllowedHosts: []string{"127.0.0.0/8", "::1"}, Timeout: 10 * time.Second}),
		Cipher: Cipher(t),
		NewID: func() string {
			return fmt.Sprintf("%08x-0000-4000-8000-000000000000", n.Add(1))
		},
	}
}

// GuardedEnv is Env with the default guard: loopback refused.
func GuardedEnv(t testing.TB) *anythingllm.ConnectorEnv {
	env := Env(t)
	env.HTTP = safehttp.NewClient(nil)
	return env
}

// Now is the fixed clock of the tests and Published its stamp.
var Now = func() time.Time { return time.Date(2024, 1, 16, 15, 7, 0, 0, time.UTC) }

// Published is what Now prints as a document's published field.
const Published = "1/16/2024, 3:07:00 PM"

// NoSleep replaces the retry wait.
func NoSleep(context.Context, time.Duration) error { return nil }

// Code fails the test unless err carries code.
func Code(t testing.TB, err error, code anythingllm.ErrorCode) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %v", code)
	}
	if got := anythingllm.Code(err); got != code {
		t.Fatalf("code = %v (%v), want %v", got, err, code)
	}
}
