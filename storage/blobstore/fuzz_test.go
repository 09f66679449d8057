package blobstore_test

import (
	"errors"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
)

// FuzzValidKey: ValidKey never panics, refuses with InvalidArgument, and
// every key it accepts stays inside its root however it is joined or
// cleaned, on Unix and as a Windows path.
func FuzzValidKey(f *testing.F) {
	for _, k := range []string{"a", "custom-documents/x-1.json", "../etc/passwd", "a/../../b", "/abs", "C:\\x", "c:x",
		"a/%2e%2e/b", "a%2F..%2Fb", "a\x00b", "a\\..\\b", ".blobtmp-1", "a//b", "./a", "a/.", "…/x", "a/\u202e/b", strings.Repeat("a", 300)} {
		f.Add(k)
	}
	root := filepath.FromSlash("/srv/storage/root")
	f.Fuzz(func(t *testing.T, key string) {
		err := blobstore.ValidKey(key)
		if err != nil {
			if !errors.Is(err, anythingllm.ErrInvalidArgument) {
				t.Fatalf("ValidKey(%q) = %v, not InvalidArgument", key, err)
			}
			if len(err.Error()) > 300 {
				t.Fatalf("ValidKey(%q) error quotes too much: %d bytes", key, len(err.Error()))
			}
			return
		}
		if !filepath.IsLocal(filepath.FromSlash(key)) {
			t.Fatalf("ValidKey accepted %q, which is not local", key)
		}
		if clean := path.Clean(key); clean != key || clean == ".." || strings.HasPrefix(clean, "../") || path.IsAbs(clean) {
			t.Fatalf("ValidKey accepted %q, which cleans to %q", key, clean)
		}
		joined := filepath.Join(root, filepath.FromSlash(key))
		if !strings.HasPrefix(joined, root+string(filepath.Separator)) {
			t.Fatalf("ValidKey accepted %q, which escapes to %q", key, joined)
		}
		if strings.ContainsAny(key, "\\\x00") || strings.Contains(strings.ToLower(key), "%2e") || strings.Contains(key, "..") && hasDotDotSegment(key) {
			t.Fatalf("ValidKey accepted %q", key)
		}
		if len(key) > blobstore.MaxKeyLen {
			t.Fatalf("ValidKey accepted a %d-byte key", len(key))
		}
	})
}

func hasDotDotSegment(key string) bool {
	for _, s := range strings.Split(key, "/") {
		if s == ".." || s == "." || s == "" {
			return true
		}
	}
	return false
}
