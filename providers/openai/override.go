package openai

import (
	"context"
	"net/url"
	"strings"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/safehttp"
)

// OverrideOptions configure Overrides.
type OverrideOptions struct {
	// AllowedHosts are the host names (exact) and CIDR networks an
	// X-OpenAI-Base-URL may name (OPENAI_OVERRIDE_ALLOWED_HOSTS). Empty:
	// no base URL override is accepted.
	AllowedHosts []string
	// Default is the configured client. A request overriding only the key
	// (X-OpenAI-Key) uses its base URL and models with that key; nil
	// refuses such requests.
	Default *Client
}

// Overrides builds the providers for a request's X-OpenAI-Base-URL and
// X-OpenAI-Key headers (anythingllm.Options.Override).
//
// A base URL must be http(s) to a host on the allow-list; any other is an
// InvalidArgument error before any request is made. The client for it
// connects only to allowed addresses (redirects included) and sends only
// the request's own key, or none: the stored key never goes to a URL a
// caller chose.
func Overrides(opts *OverrideOptions) anythingllm.OverrideFunc {
	var o OverrideOptions
	if opts != nil {
		o = *opts
	}
	return func(ctx context.Context, ov anythingllm.GenerateOverride) (*anythingllm.Providers, error) {
		var c *Client
		var err error
		if ov.BaseURL == "" {
			if o.Default == nil {
				return nil, anythingllm.Errorf(anythingllm.Unavailable, "X-OpenAI-Key needs an OpenAI-compatible provider configured on the server")
			}
			d := o.Default.opts
			d.APIKey = ov.APIKey
			c, err = New(&d)
		} else {
			u, perr := url.Parse(strings.TrimSpace(ov.BaseURL))
			if perr != nil {
				return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "X-OpenAI-Base-URL is not a URL")
			}
			if len(o.AllowedHosts) == 0 {
				return nil, anythingllm.Errorf(anythingllm.PermissionDenied, "X-OpenAI-Base-URL is disabled on this server (OPENAI_OVERRIDE_ALLOWED_HOSTS is empty)")
			}
			if err := safehttp.CheckAllowedURL(u, o.AllowedHosts); err != nil {
				return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "X-OpenAI-Base-URL %s://%s is not allowed: only http(s) to a host in OPENAI_OVERRIDE_ALLOWED_HOSTS", u.Scheme, u.Host)
			}
			base := Options{Provider: "override"}
			if o.Default != nil {
				base = o.Default.opts
				base.Provider = "override"
			}
			base.BaseURL, base.APIKey = u.String(), ov.APIKey
			base.HTTPClient = safehttp.NewClient(&safehttp.Options{AllowedHosts: o.AllowedHosts, OnlyAllowed: true, Timeout: base.Timeout})
			c, err = New(&base)
		}
		if err != nil {
			return nil, err
		}
		return &anythingllm.Providers{LLM: c, Embedder: c, Images: c, STT: c, TTS: c}, nil
	}
}
