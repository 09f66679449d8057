// Package all builds every document connector with shared options, for
// anythingllm.Options.Connectors:
//
//	app, err := anythingllm.New(deps, &anythingllm.Options{Connectors: all.New(nil), PayloadCipher: cipher})
//
// Every other source's address comes with the request (a repository URL, a
// baseUrl), so a self-hosted server is reached as it is. YouTube's does
// not: YOUTUBE_BASE_URL (or Options.YouTubeBaseURL) replaces
// https://www.youtube.com for a mirror speaking its web API, or a test's
// fake. The URL guard still applies to it (LINK_ALLOWED_HOSTS for a
// private host).
package all

import (
	"os"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/connectors/confluence"
	"github.com/anythingllm-go/anythingllm/connectors/drupalwiki"
	"github.com/anythingllm-go/anythingllm/connectors/gitea"
	"github.com/anythingllm-go/anythingllm/connectors/github"
	"github.com/anythingllm-go/anythingllm/connectors/gitlab"
	"github.com/anythingllm-go/anythingllm/connectors/payload"
	"github.com/anythingllm-go/anythingllm/connectors/web"
	"github.com/anythingllm-go/anythingllm/connectors/youtube"
)

// Options tune the connectors. A nil *Options means the defaults.
type Options struct {
	// Now stamps "published"; default time.Now.
	Now func() time.Time
	// Tokenizer counts token_count_estimate where a connector does.
	Tokenizer anythingllm.Tokenizer
	// YouTubeBaseURL replaces https://www.youtube.com (a mirror, tests);
	// empty means Getenv("YOUTUBE_BASE_URL"), and that empty the default.
	YouTubeBaseURL string
	// Getenv reads YOUTUBE_BASE_URL; default os.Getenv. Return "" to
	// ignore the environment.
	Getenv func(string) string
}

// New returns the github, gitlab, gitea, confluence, drupalwiki, youtube
// and link connectors.
func New(opts *Options) []anythingllm.Connector {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.YouTubeBaseURL == "" {
		o.YouTubeBaseURL = o.Getenv("YOUTUBE_BASE_URL")
	}
	return []anythingllm.Connector{
		github.New(&github.Options{Now: o.Now}),
		gitlab.New(&gitlab.Options{Now: o.Now}),
		gitea.New(&gitea.Options{Now: o.Now}),
		confluence.New(&confluence.Options{Now: o.Now, Tokenizer: o.Tokenizer}),
		drupalwiki.New(&drupalwiki.Options{Now: o.Now, Tokenizer: o.Tokenizer}),
		youtube.New(&youtube.Options{Now: o.Now, Tokenizer: o.Tokenizer, BaseURL: o.YouTubeBaseURL}),
		web.New(&web.Options{Now: o.Now, Tokenizer: o.Tokenizer}),
	}
}

// CipherFromEnv is the payload cipher from SIG_KEY and SIG_SALT. Either
// missing, empty or "null" gives nil and no error: credentialed imports
// then store no token (nothing is written to .env, unlike upstream).
func CipherFromEnv(getenv func(string) string) (anythingllm.PayloadCipher, error) {
	key, salt := getenv("SIG_KEY"), getenv("SIG_SALT")
	if key == "" || key == "null" || salt == "" || salt == "null" {
		return nil, nil
	}
	c, err := payload.NewCipher(key, salt)
	if err != nil {
		return nil, err
	}
	return c, nil
}
