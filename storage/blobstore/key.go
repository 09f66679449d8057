// Package blobstore holds the stock anythingllm.BlobStore implementations:
// FS, files under a root folder (every access through os.Root, writes
// atomic by temp file + rename), and Memory, for tests and embedding. Both
// pass blobstoretest. The shared stores for several replicas live
// elsewhere: bunstore.Blobs (in the SQL database) and s3blob (S3, MinIO).
//
// Two helpers work over any BlobStore: Sub roots a store inside a folder
// of another (one shared database or bucket holds every storage root), and
// Copy copies one store into another with SHA-256 verification (to move
// STORAGE_DIR's files into a shared store):
//
//	shared := st.Blobs()                               // bunstore
//	docs := blobstore.Sub(shared, "documents")
//	fs, _ := blobstore.NewFS(filepath.Join(storageDir, "documents"), nil)
//	stats, err := blobstore.Copy(ctx, docs, fs, &blobstore.CopyOptions{SkipExisting: true})
package blobstore

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// MaxKeyLen bounds a key's length in bytes.
const MaxKeyLen = 1024

// MaxSegmentLen bounds one path segment in bytes (the common file-system
// limit for a file name).
const MaxSegmentLen = 255

// TempPrefix starts the names of files being written by FS.Put. Such names
// are reserved: ValidKey refuses them, so a key can never reach a half
// written file and List never has to guess.
const TempPrefix = ".blobtmp-"

// ValidKey checks a blob key: valid UTF-8, relative, slash-separated, with
// no empty, "." or ".." segments, no backslash, NUL or control characters,
// no percent-encoded dot, slash, backslash or NUL (a later decoding step
// could turn them into traversal), no drive letter, no segment starting
// with TempPrefix, at most MaxKeyLen bytes and MaxSegmentLen per segment.
// The error is ErrInvalidArgument and quotes at most a short, sanitised
// prefix of the key.
//
// Both stores call it before touching anything; callers that build keys
// from user input may call it early for a clean error.
func ValidKey(key string) error {
	bad := func(why string) error {
		return anythingllm.Errorf(anythingllm.InvalidArgument, "invalid name %s: %s", quoteShort(key), why)
	}
	switch {
	case key == "":
		return bad("empty")
	case len(key) > MaxKeyLen:
		return bad("too long")
	case strings.HasPrefix(key, "/"):
		return bad("absolute paths are not allowed")
	case strings.ContainsRune(key, '\\'):
		return bad("backslashes are not allowed")
	case len(key) >= 2 && key[1] == ':':
		return bad("drive letters are not allowed")
	case !utf8.ValidString(key):
		return bad("not valid UTF-8")
	}
	lower := strings.ToLower(key)
	for _, enc := range []string{"%2e", "%2f", "%5c", "%00"} {
		if strings.Contains(lower, enc) {
			return bad("percent-encoded path characters are not allowed")
		}
	}
	for _, r := range key {
		if r == 0 || unicode.IsControl(r) {
			return bad("control characters are not allowed")
		}
	}
	for _, part := range strings.Split(key, "/") {
		switch part {
		case "":
			return bad("empty path segment")
		case ".", "..":
			return bad("relative path segments are not allowed")
		}
		if len(part) > MaxSegmentLen {
			return bad("a path segment is longer than 255 bytes")
		}
		if strings.HasPrefix(part, TempPrefix) {
			return bad("names starting with " + TempPrefix + " are reserved")
		}
	}
	return nil
}

// validDir is ValidKey, but "" (the root) is allowed.
func validDir(key string) error {
	if key == "" {
		return nil
	}
	return ValidKey(key)
}

func quoteShort(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strings.ToValidUTF8(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s), "?")
}

func notFound(key string) error {
	return anythingllm.WrapError(anythingllm.NotFound, anythingllm.ErrNotFound, "%s not found", quoteShort(key))
}
