// Package youtube imports a YouTube video's transcript as a document and
// fetches it again for live sync, as AnythingLLM's YouTube connector does
// (chunkSource "youtube://<url as submitted>").
//
// Use it through the anythingllm.Connector interface:
//
//	c := youtube.New(nil)
//	res, err := c.Import(ctx, &anythingllm.ConnectorRequest{Env: env,
//		Options: &youtube.Request{URL: "https://youtu.be/dQw4w9WgXcQ"}})
//	text, err := c.Resync(ctx, env, res.Documents[0].ChunkSource)
//
// The transcript comes the way upstream's library gets it: the watch page
// (GET /watch?v=<id>) gives the Innertube API key, the player endpoint
// (POST /youtubei/v1/player?key=…, the ANDROID client) gives the caption
// tracks and the video's title, author and description, and the first
// track's timedtext URL gives the captions (XML, srv3 or json3). Segments
// are joined with spaces and whitespace runs collapsed. When the player
// call offers no tracks, those embedded in the watch page are used.
//
// Accepted URLs are upstream's: youtube.com/watch?v=, youtu.be/, embed/,
// v/, shorts/ and live/ on the bare, www., m. and music. hosts, with or
// without a scheme; see VideoID.
package youtube

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/connectors/internal/connkit"
)

// Request is the body of POST /ext/youtube/transcript.
type Request struct {
	URL string `json:"url"`
}

// DefaultBaseURL is where videos are fetched from.
const DefaultBaseURL = "https://www.youtube.com"

// Options tune the connector. A nil *Options means the defaults.
type Options struct {
	Now       func() time.Time
	Location  *time.Location
	Tokenizer anythingllm.Tokenizer
	// BaseURL replaces https://www.youtube.com (tests point it at a fake).
	BaseURL      string
	MaxAttempts  int
	MaxRetryWait time.Duration
	Sleep        func(ctx context.Context, d time.Duration) error
}

// Connector is the YouTube connector. It is safe for concurrent use.
type Connector struct {
	opts Options
	docs *connkit.Docs
}

var _ anythingllm.Connector = (*Connector)(nil)

// New returns the connector.
func New(opts *Options) *Connector {
	var o Options
	if opts != nil {
		o = *opts
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	return &Connector{opts: o, docs: connkit.NewDocs(o.Now, o.Location, o.Tokenizer)}
}

// Name is the chunkSource scheme.
func (c *Connector) Name() string { return "youtube" }

var videoURLRE = regexp.MustCompile(`^(?:https?://)?(?:www\.|m\.|music\.)?(?:youtu\.be/|youtube\.com/(?:embed/|v/|watch\?(?:.*&)?v=|live/|shorts/))([\w-]{11})(?:[?&#/]\S*)?$`)

// VideoID returns the 11-character id of a YouTube video URL, or false
// when link is not one (upstream's validYoutubeVideoUrl). A link without a
// scheme gets https:// and a lower-cased host first.
func VideoID(link string) (string, bool) {
	if link == "" {
		return "", false
	}
	if !strings.HasPrefix(link, "http://") && !strings.HasPrefix(link, "https://") {
		u, err := url.Parse("https://" + link)
		if err != nil || u.Host == "" {
			return "", false
		}
		u.Host = strings.ToLower(u.Host)
		link = u.String()
	}
	m := videoURLRE.FindStringSubmatch(link)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// Video is what one fetch found.
type Video struct {
	ID          string
	Title       string
	Author      string
	Description string
	Transcript  string
}

func (c *Connector) caller(env *anythingllm.ConnectorEnv) *connkit.Caller {
	return &connkit.Caller{HTTP: connkit.HTTP(env), Service: "YouTube", MaxAttempts: c.opts.MaxAttempts,
		MaxRetryWait: c.opts.MaxRetryWait, Sleep: c.opts.Sleep}
}

// Import fetches the transcript of the video Request.URL names. Data is
// upstream's {title, author, destination}.
func (c *Connector) Import(ctx context.Context, req *anythingllm.ConnectorRequest) (*anythingllm.ConnectorResult, error) {
	r, err := connkit.Options[Request](req, "youtube")
	if err != nil {
		return nil, err
	}
	link := strings.TrimSpace(r.URL)
	id, ok := VideoID(link)
	if !ok {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "The url %q is not a YouTube video URL (youtube.com/watch?v=…, youtu.be/…, shorts/, live/, embed/).", link)
	}
	v, err := c.Fetch(ctx, req.Env, id)
	if err != nil {
		return nil, err
	}
	title := v.Title
	if title == "" {
		title = link
	}
	folder := connkit.Slug(v.Author+" YouTube transcripts", true)
	doc := anythingllm.Document{
		ID:          connkit.NewID(req.Env),
		URL:         link + ".youtube",
		Title:       title,
		DocAuthor:   v.Author,
		Description: v.Description,
		DocSource:   link,
		ChunkSource: "youtube://" + link,
		PageContent: v.Transcript,
	}
	c.docs.Fill(&doc)
	return &anythingllm.ConnectorResult{
		Folder:    folder,
		Documents: []anythingllm.Document{doc},
		Data:      map[string]any{"title": title, "author": v.Author, "destination": folder},
	}, nil
}

// Resync fetches the transcript again (the bare transcript, as stored).
func (c *Connector) Resync(ctx context.Context, env *anythingllm.ConnectorEnv, chunkSource string) (string, error) {
	link, ok := strings.CutPrefix(chunkSource, "youtube://")
	if !ok {
		return "", anythingllm.Errorf(anythingllm.InvalidArgument, "The chunkSource is not a youtube:// source.")
	}
	id, ok := VideoID(strings.TrimSpace(link))
	if !ok {
		return "", anythingllm.Errorf(anythingllm.InvalidArgument, "The chunkSource %q names no YouTube video.", chunkSource)
	}
	v, err := c.Fetch(ctx, env, id)
	if err != nil {
		return "", err
	}
	return v.Transcript, nil
}

// playerResponse is the part of Innertube's player answer used here.
type playerResponse struct {
	PlayabilityStatus struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	} `json:"playabilityStatus"`
	Captions struct {
		Tracklist struct {
			Tracks []struct {
				BaseURL      string `json:"baseUrl"`
				LanguageCode string `json:"languageCode"`
			} `json:"captionTracks"`
		} `json:"playerCaptionsTracklistRenderer"`
	} `json:"captions"`
	VideoDetails struct {
		VideoID          string `json:"videoId"`
		Title            string `json:"title"`
		Author           string `json:"author"`
		ShortDescription string `json:"shortDescription"`
	} `json:"videoDetails"`
}

var (
	apiKeyRE      = regexp.MustCompile(`"INNERTUBE_API_KEY"\s*:\s*"([A-Za-z0-9_-]+)"`)
	initialRespRE = regexp.MustCompile(`ytInitialPlayerResponse\s*=\s*`)
	spaceRE       = regexp.MustCompile(`\s+`)
)

const userAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"

// Fetch reads a video's metadata and transcript. A video without caption
// tracks, or whose tracks hold no text, is NotFound; one YouTube reports
// unplayable too.
func (c *Connector) Fetch(ctx context.Context, env *anythingllm.ConnectorEnv, id string) (*Video, error) {
	call := c.caller(env)
	base := c.opts.BaseURL
	hdr := http.Header{"User-Agent": {userAgent}, "Accept-Language": {"en-US,en;q=0.9"}}
	page, err := call.Do(ctx, connkit.Request{URL: base + "/watch?v=" + url.QueryEscape(id), Header: hdr, What: "video " + id})
	if err != nil {
		return nil, err
	}
	var initial *playerResponse
	if loc := initialRespRE.FindIndex(page.Body); loc != nil {
		var pr playerResponse
		if json.NewDecoder(bytes.NewReader(page.Body[loc[1]:])).Decode(&pr) == nil {
			initial = &pr
		}
	}
	var player *playerResponse
	if m := apiKeyRE.FindSubmatch(page.Body); m != nil {
		body, _ := json.Marshal(map[string]any{
			"context": map[string]any{"client": map[string]any{"clientName": "ANDROID", "clientVersion": "20.10.38", "hl": "en"}},
			"videoId": id,
		})
		h := hdr.Clone()
		h.Set("Content-Type", "application/json")
		resp, err := call.Do(ctx, connkit.Request{Method: http.MethodPost, URL: base + "/youtubei/v1/player?key=" + string(m[1]) + "&prettyPrint=false", Header: h, Body: body, What: "video " + id})
		if err != nil && initial == nil {
			return nil, err
		}
		if err == nil {
			var pr playerResponse
			if json.Unmarshal(resp.Body, &pr) == nil {
				player = &pr
			}
		}
	}
	pr := player
	if pr == nil || len(pr.Captions.Tracklist.Tracks) == 0 {
		if initial != nil && (pr == nil || len(initial.Captions.Tracklist.Tracks) > 0) {
			pr = initial
		}
	}
	if pr == nil {
		return nil, anythingllm.Errorf(anythingllm.Unavailable, "YouTube's page for video %s could not be read.", id)
	}
	if pr.VideoDetails.Title == "" && initial != nil {
		pr.VideoDetails = initial.VideoDetails
	}
	tracks := pr.Captions.Tracklist.Tracks
	if len(tracks) == 0 {
		if s := pr.PlayabilityStatus.Status; s != "" && s != "OK" {
			reason := pr.PlayabilityStatus.Reason
			if reason == "" {
				reason = strings.ToLower(s)
			}
			return nil, anythingllm.Errorf(anythingllm.NotFound, "The YouTube video %s is not available: %s.", id, reason)
		}
		return nil, anythingllm.Errorf(anythingllm.NotFound, "No transcript is available for the YouTube video %s (its captions are off or missing).", id)
	}
	trackURL, err := url.Parse(tracks[0].BaseURL)
	if err != nil || tracks[0].BaseURL == "" {
		return nil, anythingllm.Errorf(anythingllm.Unavailable, "YouTube gave a caption track URL that is not valid for video %s.", id)
	}
	b, _ := url.Parse(base)
	resp, err := call.Do(ctx, connkit.Request{URL: b.ResolveReference(trackURL).String(), Header: hdr, What: "transcript for video " + id})
	if err != nil {
		return nil, err
	}
	segs, err := parseTimedText(resp.Body)
	if err != nil {
		return nil, anythingllm.WrapError(anythingllm.Unavailable, err, "The transcript of the YouTube video %s could not be read.", id)
	}
	text := strings.TrimSpace(spaceRE.ReplaceAllString(strings.Join(segs, " "), " "))
	if text == "" {
		return nil, anythingllm.Errorf(anythingllm.NotFound, "The transcript of the YouTube video %s is empty.", id)
	}
	return &Video{ID: id, Title: pr.VideoDetails.Title, Author: pr.VideoDetails.Author,
		Description: pr.VideoDetails.ShortDescription, Transcript: text}, nil
}

// parseTimedText reads the segments of a timedtext answer: the classic
// XML (<transcript><text>), srv3 (<timedtext><body><p><s>) or json3
// ({"events":[{"segs":[{"utf8"}]}]}). Entities are decoded twice, as
// YouTube escapes them twice.
func parseTimedText(data []byte) ([]string, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var j struct {
			Events []struct {
				Segs []struct {
					UTF8 string `json:"utf8"`
				} `json:"segs"`
			} `json:"events"`
		}
		if err := json.Unmarshal(trimmed, &j); err != nil {
			return nil, err
		}
		var out []string
		for _, e := range j.Events {
			var b strings.Builder
			for _, s := range e.Segs {
				b.WriteString(s.UTF8)
			}
			if s := strings.TrimSpace(b.String()); s != "" {
				out = append(out, html.UnescapeString(s))
			}
		}
		return out, nil
	}
	dec := xml.NewDecoder(bytes.NewReader(trimmed))
	dec.Strict = false
	dec.Entity = xml.HTMLEntity
	var out []string
	var cur *strings.Builder
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if cur == nil && (t.Name.Local == "text" || t.Name.Local == "p") {
				cur, depth = &strings.Builder{}, 0
			} else if cur != nil {
				depth++
			}
		case xml.EndElement:
			if cur != nil {
				if depth == 0 {
					if s := strings.TrimSpace(html.UnescapeString(cur.String())); s != "" {
						out = append(out, s)
					}
					cur = nil
				} else {
					depth--
				}
			}
		case xml.CharData:
			if cur != nil {
				cur.Write(t)
			}
		}
	}
	return out, nil
}
