// Package repokit holds what the GitHub, GitLab and Gitea connectors share:
// an HTTP getter that maps answers to anythingllm error codes and honours
// Retry-After within a bound, gitignore-style ignore globs, upstream's
// binary-extension skip, folder names and document construction.
package repokit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/safehttp"
	"github.com/anythingllm-go/anythingllm/anythingllm/tokenizer"
	"github.com/bmatcuk/doublestar/v4"
	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"
)

// MaxBody caps one response body (a file or an API page).
const MaxBody = 32 << 20

// Getter performs GET requests for one service.
type Getter struct {
	Client  *http.Client
	Service string // "GitHub", shown in error messages
	// Retries is how many times a 429 (or a 503 with Retry-After) is retried.
	Retries int
	// MaxWait is the longest Retry-After honoured; a longer one fails at once
	// with RateLimited.
	MaxWait time.Duration
}

// Response is a successful (2xx) answer.
type Response struct {
	Body   []byte
	Header http.Header
}

// Get fetches rawURL with the headers. Non-2xx answers become errors:
// 401/403 PermissionDenied (403 with an exhausted rate limit: RateLimited),
// 404 NotFound (what names the missing thing), 429 RateLimited, 5xx and
// network failures Unavailable. Messages never contain header values, so
// tokens stay out of them.
func (g *Getter) Get(ctx context.Context, rawURL string, header http.Header, what string) (*Response, error) {
	if g.Client == nil {
		return nil, anythingllm.Errorf(anythingllm.FailedPrecondition, "The connector has no HTTP client.")
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			return nil, anythingllm.WrapError(anythingllm.InvalidArgument, err, "%s: the request URL for %s is not valid.", g.Service, what)
		}
		for k, v := range header {
			req.Header[k] = slices.Clone(v)
		}
		resp, err := g.Client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if errors.Is(err, safehttp.ErrBlocked) {
				return nil, anythingllm.WrapError(anythingllm.PermissionDenied, err, "%s: the address of %s is private or local and not in LINK_ALLOWED_HOSTS.", g.Service, hostOf(rawURL))
			}
			return nil, anythingllm.WrapError(anythingllm.Unavailable, scrub(err), "%s at %s could not be reached.", g.Service, hostOf(rawURL))
		}
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
		resp.Body.Close()
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			if rerr != nil {
				return nil, anythingllm.WrapError(anythingllm.Unavailable, rerr, "%s: reading %s failed.", g.Service, what)
			}
			if len(body) > MaxBody {
				return nil, anythingllm.Errorf(anythingllm.TooLarge, "%s: %s is larger than %d MiB.", g.Service, what, MaxBody>>20)
			}
			return &Response{Body: body, Header: resp.Header}, nil
		}
		limited := resp.StatusCode == http.StatusTooManyRequests ||
			(resp.StatusCode == http.StatusForbidden && resp.Header.Get("X-RateLimit-Remaining") == "0") ||
			(resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "")
		if limited {
			wait, ok := retryAfter(resp.Header, time.Now())
			code := anythingllm.RateLimited
			if resp.StatusCode == http.StatusServiceUnavailable {
				code = anythingllm.Unavailable
			}
			if attempt >= g.Retries || !ok || wait > g.MaxWait {
				msg := fmt.Sprintf("%s is rate limiting requests (HTTP %d)", g.Service, resp.StatusCode)
				if ok {
					msg += fmt.Sprintf("; retry after %s", wait.Round(time.Second))
				}
				return nil, anythingllm.Errorf(code, "%s.", msg)
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case <-t.C:
			}
			continue
		}
		switch {
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return nil, anythingllm.Errorf(anythingllm.PermissionDenied, "%s refused access to %s (HTTP %d): the access token is missing, wrong or lacks permission.", g.Service, what, resp.StatusCode)
		case resp.StatusCode == http.StatusNotFound:
			return nil, anythingllm.Errorf(anythingllm.NotFound, "%s has no %s (HTTP 404), or it is private and needs an access token.", g.Service, what)
		case resp.StatusCode >= 500:
			return nil, anythingllm.Errorf(anythingllm.Unavailable, "%s answered HTTP %d for %s.", g.Service, resp.StatusCode, what)
		default:
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s answered HTTP %d for %s.", g.Service, resp.StatusCode, what)
		}
	}
}

// retryAfter reads Retry-After (seconds or an HTTP date); without one it
// suggests one second.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return time.Second, true
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// scrub keeps the cause's kind but drops a *url.Error's URL query.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery, u.User = "", nil
			return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	return err
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "the server"
}

// NextLink returns the rel="next" target of an RFC 8288 Link header.
func NextLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for part := range strings.SplitSeq(v, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
			if !ok {
				continue
			}
			target = strings.TrimSpace(target)
			if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for p := range strings.SplitSeq(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "rel") && slices.Contains(strings.Fields(strings.Trim(val, `"`)), "next") {
					return target[1 : len(target)-1]
				}
			}
		}
	}
	return ""
}

// RepoURL is a parsed http(s) repository URL.
type RepoURL struct {
	Scheme   string   // "http" or "https"
	Host     string   // host[:port]
	Segments []string // path segments, ".git" stripped from the last
}

// Origin is scheme://host.
func (r *RepoURL) Origin() string { return r.Scheme + "://" + r.Host }

// ParseRepoURL parses an http(s) URL with at least two path segments.
// service names the connector in error messages.
func ParseRepoURL(raw, service string) (*RepoURL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "The %s repository URL is missing.", service)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%q is not a valid %s repository URL: it must be an http(s) URL like https://host/owner/repo.", raw, service)
	}
	if u.User != nil {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "The %s repository URL must not carry credentials; pass the access token separately.", service)
	}
	if strings.Contains(u.Hostname(), "%") {
		// An IPv6 zone names a local interface: never a repository's host
		// (and API URLs built from it would not parse).
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%q is not a valid %s repository URL: its host has an IPv6 zone.", raw, service)
	}
	var segs []string
	for s := range strings.SplitSeq(u.Path, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	if len(segs) >= 2 {
		segs[len(segs)-1] = strings.TrimSuffix(segs[len(segs)-1], ".git")
	}
	if len(segs) < 2 || segs[0] == "" || segs[1] == "" {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%q is not a valid %s repository URL: it has no owner and repository name (https://host/owner/repo).", raw, service)
	}
	return &RepoURL{Scheme: u.Scheme, Host: strings.ToLower(u.Host), Segments: segs}, nil
}

// Ignore is a list of gitignore-style patterns (upstream applies
// ignorePaths with the "ignore" npm package): a pattern without a slash
// matches a name at any depth, one with a slash is anchored at the root,
// a trailing slash matches directories only, "**" spans directories, a
// leading "!" re-includes, and the last matching pattern wins. A matching
// directory excludes everything below it.
type Ignore struct{ rules []rule }

type rule struct {
	pattern  string
	negate   bool
	dirOnly  bool
	anchored bool
}

// NewIgnore compiles patterns; an invalid glob is an InvalidArgument error.
func NewIgnore(patterns []string) (*Ignore, error) {
	ig := &Ignore{}
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		r := rule{}
		if strings.HasPrefix(p, "!") {
			r.negate, p = true, p[1:]
		}
		if strings.HasSuffix(p, "/") {
			r.dirOnly, p = true, strings.TrimRight(p, "/")
		}
		if strings.Contains(p, "/") {
			r.anchored = true
			p = strings.TrimPrefix(p, "/")
		}
		if p == "" || !doublestar.ValidatePattern(p) {
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "The ignore pattern %q is not a valid glob.", p)
		}
		r.pattern = p
		ig.rules = append(ig.rules, r)
	}
	return ig, nil
}

// Ignored reports whether the file or directory at p (slash separated,
// relative to the repository root) is excluded.
func (ig *Ignore) Ignored(p string, isDir bool) bool {
	if ig == nil || len(ig.rules) == 0 {
		return false
	}
	p = strings.Trim(p, "/")
	parts := strings.Split(p, "/")
	for i := 1; i < len(parts); i++ { // a parent directory that is ignored
		if ig.match(strings.Join(parts[:i], "/"), true) {
			return true
		}
	}
	return ig.match(p, isDir)
}

func (ig *Ignore) match(p string, isDir bool) bool {
	out := false
	for _, r := range ig.rules {
		if r.dirOnly && !isDir {
			continue
		}
		var ok bool
		if r.anchored {
			ok, _ = doublestar.Match(r.pattern, p)
		} else {
			ok, _ = doublestar.Match(r.pattern, path.Base(p))
		}
		if ok {
			out = !r.negate
		}
	}
	return out
}

// binaryExt lists extensions skipped as binary, as LangChain's
// GithubRepoLoader does (its list comes from the binary-extensions package).
var binaryExt = map[string]bool{}

func init() {
	for e := range strings.FieldsSeq(`3dm 3ds 3g2 3gp 7z a aac adp ai aif aiff alz ape apk appimage ar arj asf au avi bak
	baml bh bin bk bmp btif bz2 bzip2 cab caf cgm class cmx cpio cr2 cur dat dcm deb dex djvu dll dmg dng doc docm docx
	dot dotm dra DS_Store dsk dts dtshd dvb dwg dxf ecelp4800 ecelp7470 ecelp9600 egg eol eot epub exe f4v fbs fh fla flac
	flatpak fli flv fpx fst fvt g3 gh gif glb graffle gz gzip h261 h263 h264 icns ico ief img ipa iso jar jpeg jpg jpgv jpm
	jxr key ktx lha lib lvp lz lzh lzma lzo m3u m4a m4v mar mdi mht mid midi mj2 mka mkv mmr mng mobi mov movie mp3 mp4
	mp4a mpeg mpg mpga mxu nef npx numbers nupkg o odp ods odt oga ogg ogv otf ott pages pbm pcx pdb pdf pea pgm pic png
	pnm pot potm potx ppa ppam ppm pps ppsm ppsx ppt pptm pptx psd pya pyc pyo pyv qt rar ras raw resources rgb rip rlc
	rmf rmvb rpm rtf rz s3m s7z scpt sgi shar snap sil sketch slk smv snk so stl suo sub swf tar tbz tbz2 tga tgz thmx tif
	tiff tlz ttc ttf txz udf uvh uvi uvm uvp uvs uvu viv vob war wav wax wbmp wdp weba webm webp whl wim wm wma wmv wmx woff
	woff2 wrm wvx xbm xif xla xlam xls xlsb xlsm xlsx xlt xltm xltx xm xmind xpi xpm xwd xz z zip zipx`) {
		binaryExt["."+strings.ToLower(e)] = true
	}
}

// Binary reports whether p has a binary file extension.
func Binary(p string) bool { return binaryExt[strings.ToLower(path.Ext(p))] }

// SortBranches removes duplicates and empties, sorts names, then puts main
// and master first (upstream's order for the branch picker).
func SortBranches(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, b := range in {
		if b != "" && !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	rank := func(b string) int {
		switch b {
		case "main":
			return 0
		case "master":
			return 1
		}
		return 2
	}
	slices.SortStableFunc(out, func(a, b string) int {
		if r := rank(a) - rank(b); r != 0 {
			return r
		}
		return strings.Compare(a, b)
	})
	return out
}

// Slugify follows the npm slugify package's defaults, which upstream uses
// for folder and file names: accents stripped, ASCII letters, digits and
// $*_+~.()'"!-:@ kept, other characters dropped, whitespace runs to "-".
func Slugify(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsSpace(r):
			space = true
		case r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(`$*_+~.()'"!-:@`, r)):
			if space && b.Len() > 0 {
				b.WriteByte('-')
			}
			space = false
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Folder is upstream's documents folder for a repository import:
// slugify("<owner>-<repo>-<branch>-<first 4 of a uuid>") in lower case,
// without the characters file systems refuse.
func Folder(owner, repo, branch, id string) string {
	f := strings.ToLower(Slugify(fmt.Sprintf("%s-%s-%s-%s", owner, repo, branch, id[:min(4, len(id))])))
	f = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`<>:"/\|?*`, r) {
			return -1
		}
		return r
	}, f)
	return strings.Trim(f, ".")
}

// NewID returns env.NewID() or a fresh uuid v4.
func NewID(env *anythingllm.ConnectorEnv) string {
	if env != nil && env.NewID != nil {
		return env.NewID()
	}
	return uuid.NewString()
}

var tok = tokenizer.New()

// Doc holds the per-connector fields of a document.
type Doc struct {
	URL, Title, Author, Description, Source, ChunkSource, Content string
}

// Document builds an anythingllm.Document with upstream's computed fields:
// a uuid, published as JavaScript's en-US toLocaleString of now, wordCount
// as split(" ").length and token_count_estimate.
func Document(env *anythingllm.ConnectorEnv, d Doc, now time.Time) anythingllm.Document {
	return anythingllm.Document{
		ID:                 NewID(env),
		URL:                d.URL,
		Title:              d.Title,
		DocAuthor:          d.Author,
		Description:        d.Description,
		DocSource:          d.Source,
		ChunkSource:        d.ChunkSource,
		Published:          now.Format("1/2/2006, 3:04:05 PM"),
		WordCount:          strings.Count(d.Content, " ") + 1,
		PageContent:        d.Content,
		TokenCountEstimate: tok.Estimate(d.Content),
	}
}

// Text converts fetched bytes to the stored text: invalid UTF-8 sequences
// become U+FFFD. ok is false for bytes that look binary (a NUL byte in the
// first 8 KiB), which are skipped.
func Text(b []byte) (string, bool) {
	if slices.Contains(b[:min(len(b), 8192)], 0) {
		return "", false
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), true
}

// Env checks that an import request carries an environment with a client.
func Env(env *anythingllm.ConnectorEnv) error {
	if env == nil || env.HTTP == nil {
		return anythingllm.Errorf(anythingllm.FailedPrecondition, "The connector needs an HTTP client (ConnectorEnv.HTTP).")
	}
	return nil
}

// EscapePath escapes each segment of a slash-separated path.
func EscapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// Each runs fn for every item with at most n running at once and returns
// the first error (the others are canceled through ctx).
func Each[T any](ctx context.Context, n int, items []T, fn func(ctx context.Context, i int, item T) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, max(n, 1))
	errc := make(chan error, 1)
	done := make(chan struct{})
	var pending = len(items)
	if pending == 0 {
		return nil
	}
	finished := make(chan struct{}, len(items))
	go func() {
		for range items {
			<-finished
		}
		close(done)
	}()
	for i, it := range items {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			finished <- struct{}{}
			continue
		}
		go func() {
			defer func() { <-sem; finished <- struct{}{} }()
			if ctx.Err() != nil {
				return
			}
			if err := fn(ctx, i, it); err != nil {
				select {
				case errc <- err:
					cancel(err)
				default:
				}
			}
		}()
	}
	<-done
	select {
	case err := <-errc:
		return err
	default:
	}
	return context.Cause(ctx)
}

// Options are the repository connectors' tuning knobs. Each connector's
// exported Options has these fields, so it converts to this type and one
// function fills the defaults for all of them.
type Options struct {
	Retries      int
	MaxRetryWait time.Duration
	Concurrency  int
	Now          func() time.Time
}

// WithDefaults returns a copy of opts (nil = all defaults) with every
// unset knob at upstream's value: 3 retries, 30 s longest Retry-After,
// 5 parallel downloads, time.Now.
func WithDefaults(opts *Options) Options {
	var o Options
	if opts != nil {
		o = *opts
	}
	o.Retries = cmp.Or(max(o.Retries, 0), 3)
	o.MaxRetryWait = cmp.Or(max(o.MaxRetryWait, 0), 30*time.Second)
	o.Concurrency = cmp.Or(max(o.Concurrency, 0), 5)
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}
