package repokit

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

func TestIgnoreGitignoreStyle(t *testing.T) {
	ig, err := NewIgnore([]string{"*.lock", "vendor/", "/build", "docs/**/draft-*.md", "*.log", "!keep.log", "# comment", ""})
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{
		"yarn.lock":           true, // unanchored: any depth
		"a/b/Cargo.lock":      true,
		"vendor/x/y.go":       true, // directory pattern excludes below
		"src/vendor/z.go":     true,
		"vendor":              false, // a file named vendor is not a directory
		"build/out.txt":       true,  // anchored
		"src/build/out.txt":   false,
		"docs/a/b/draft-1.md": true,
		"docs/final.md":       false,
		"x/debug.log":         true,
		"keep.log":            false, // re-included
		"README.md":           false,
	} {
		if got := ig.Ignored(p, false); got != want {
			t.Errorf("Ignored(%q) = %v, want %v", p, got, want)
		}
	}
	if !ig.Ignored("vendor", true) {
		t.Error("the directory vendor is not ignored")
	}
	if _, err := NewIgnore([]string{"[oops"}); err == nil {
		t.Error("an invalid glob was accepted")
	}
}

func TestNextLink(t *testing.T) {
	h := http.Header{}
	h.Set("Link", `<https://api.github.com/r?page=3>; rel="next", <https://api.github.com/r?page=9>; rel="last"`)
	if got := NextLink(h); got != "https://api.github.com/r?page=3" {
		t.Errorf("NextLink = %q", got)
	}
	h.Set("Link", `<https://x/?page=1>; rel="prev"`)
	if got := NextLink(h); got != "" {
		t.Errorf("NextLink without next = %q", got)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{"": time.Second, "0": 0, "7": 7 * time.Second, now.Add(3 * time.Second).Format(http.TimeFormat): 3 * time.Second} {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		if got, ok := retryAfter(h, now); !ok || got != want {
			t.Errorf("Retry-After %q = %v, %v", v, got, ok)
		}
	}
}

func TestSortBranchesAndFolder(t *testing.T) {
	if got := SortBranches([]string{"b", "master", "a", "main", "b", ""}); !slices.Equal(got, []string{"main", "master", "a", "b"}) {
		t.Errorf("SortBranches = %v", got)
	}
	if got := Folder("Octo Cat", "Héllo/World", "feat/x", "ABCD1234"); got != "octo-cat-helloworld-featx-abcd" {
		t.Errorf("Folder = %q", got)
	}
}

func TestEachStopsOnFirstError(t *testing.T) {
	boom := errors.New("boom")
	var ran atomic.Int32
	items := make([]int, 50)
	err := Each(context.Background(), 3, items, func(ctx context.Context, i int, _ int) error {
		ran.Add(1)
		if i == 2 {
			return boom
		}
		time.Sleep(time.Millisecond)
		return ctx.Err()
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Each = %v", err)
	}
	if ran.Load() == 50 {
		t.Error("every item ran after an error")
	}
	if err := Each(context.Background(), 2, []int{1, 2, 3}, func(context.Context, int, int) error { return nil }); err != nil {
		t.Fatal(err)
	}
}
