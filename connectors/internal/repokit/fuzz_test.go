package repokit_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/connectors/confluence"
	"github.com/anythingllm-go/anythingllm/connectors/drupalwiki"
	"github.com/anythingllm-go/anythingllm/connectors/gitea"
	"github.com/anythingllm-go/anythingllm/connectors/github"
	"github.com/anythingllm-go/anythingllm/connectors/gitlab"
	"github.com/anythingllm-go/anythingllm/connectors/internal/repokit"
	"github.com/anythingllm-go/anythingllm/connectors/youtube"
)

// FuzzRepoURLs feeds one string to every repository URL parser (the
// shared one and GitHub's, GitLab's and Gitea's): none panics, and what
// they accept is an http(s) origin with a host and non-empty owner and
// repository names without a slash (the API URLs are built from them).
func FuzzRepoURLs(f *testing.F) {
	for _, s := range []string{
		"https://github.com/owner/repo", "https://github.com/owner/repo.git", "http://ghe.local:8080/o/r/tree/main",
		"https://gitlab.com/group/sub/project/-/tree/main", "https://gitlab.example/a/b.git", "https://gitea.io/o/r",
		"https://user:pass@github.com/o/r", "ftp://github.com/o/r", "https://github.com/onlyowner", "https:///o/r",
		"https://h/o/.git", "https://h/o/%2e%2e", "https://[::1]:3000/o/r", " https://github.com/o/r ", "https://h/a%2Fb/c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if u, err := repokit.ParseRepoURL(raw, "X"); err == nil {
			if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || len(u.Segments) < 2 {
				t.Fatalf("ParseRepoURL(%q) accepted %+v", raw, u)
			}
			for _, s := range u.Segments[:2] {
				if s == "" || strings.Contains(s, "/") {
					t.Fatalf("ParseRepoURL(%q): segment %q", raw, s)
				}
			}
			if !strings.HasPrefix(u.Origin(), u.Scheme+"://") {
				t.Fatalf("ParseRepoURL(%q): origin %q", raw, u.Origin())
			}
		}
		if r, err := github.ParseRepo(raw); err == nil {
			if r.Owner == "" || r.Project == "" || strings.Contains(r.Owner+r.Project, "/") {
				t.Fatalf("github.ParseRepo(%q) = %+v", raw, r)
			}
			if u, err := url.Parse(r.API); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				t.Fatalf("github.ParseRepo(%q): API %q does not parse: %v", raw, r.API, err)
			}
		}
		if r, err := gitea.ParseRepo(raw); err == nil {
			if r.Owner == "" || r.Project == "" || strings.Contains(r.Owner+r.Project, "/") {
				t.Fatalf("gitea.ParseRepo(%q) = %+v", raw, r)
			}
		}
		if r, err := gitlab.ParseRepo(raw); err == nil {
			if r.Author == "" || r.Project == "" || strings.Contains(r.Author, "/") || r.ProjectID != url.PathEscape(r.Author+"/"+r.Project) {
				t.Fatalf("gitlab.ParseRepo(%q) = %+v", raw, r)
			}
		}
	})
}

// FuzzConnectorInputs feeds one string to the other connectors' parsers:
// YouTube's video id, Confluence's base URL, DrupalWiki's space ids. None
// panics; a video id is 11 URL-safe characters; a base URL is an http(s)
// origin without credentials; space ids are positive.
func FuzzConnectorInputs(f *testing.F) {
	for _, s := range []string{
		"https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtu.be/dQw4w9WgXcQ", "https://youtube.com/shorts/abcdefghijk?x=1",
		"https://example.atlassian.net/wiki/spaces/S", "http://wiki.local:8090/confluence/", "https://u:p@h/", "javascript:alert(1)",
		"21, 56", "0", "-1", "1,,2", "99999999999999999999",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if id, ok := youtube.VideoID(s); ok {
			if len(id) != 11 || strings.IndexFunc(id, func(r rune) bool {
				return !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
			}) >= 0 {
				t.Fatalf("VideoID(%q) = %q", s, id)
			}
		}
		for _, cloud := range []bool{true, false} {
			if base, err := confluence.ResolveBaseURL(s, cloud); err == nil {
				u, err := url.Parse(base)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
					t.Fatalf("ResolveBaseURL(%q, %v) = %q (%v)", s, cloud, base, err)
				}
			}
		}
		if ids, err := drupalwiki.ParseSpaceIDs(s); err == nil {
			for _, id := range ids {
				if id <= 0 {
					t.Fatalf("ParseSpaceIDs(%q) = %v", s, ids)
				}
			}
		}
	})
}
