// Package youtubefake is a fake YouTube on httptest with the three
// endpoints the youtube connector uses: the watch page (GET /watch?v=,
// carrying INNERTUBE_API_KEY in ytcfg and ytInitialPlayerResponse),
// the Innertube player (POST /youtubei/v1/player?key=, checking the key
// and videoId) and the timedtext captions (GET /api/timedtext?v=&lang=,
// XML by default, json3 with fmt=json3). Tests change a transcript between
// calls and arm 429s or other failures.
package youtubefake

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"

	"github.com/anythingllm-go/anythingllm/connectors/internal/fakekit"
)

// APIKey is the Innertube key the watch page hands out.
const APIKey = "AIzaFakeInnertubeKey_123"

// Video is one stored video.
type Video struct {
	ID, Title, Author, Description string
	// Segments are the caption lines; nil means no caption track.
	Segments []string
	// JSON3 makes the track URL ask for fmt=json3.
	JSON3 bool
	// OnlyInPage leaves the tracks out of the player answer (they are
	// only in the watch page's ytInitialPlayerResponse).
	OnlyInPage bool
}

// Server is the fake.
type Server struct {
	*httptest.Server
	fakekit.Faults
	mu     sync.Mutex
	videos map[string]*Video
}

// New starts the fake.
func New() *Server {
	s := &Server{videos: map[string]*Video{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /watch", s.watch)
	mux.HandleFunc("POST /youtubei/v1/player", s.player)
	mux.HandleFunc("GET /api/timedtext", s.timedtext)
	s.Server = httptest.NewServer(s.Wrap(mux))
	return s
}

// AddVideo stores a video.
func (s *Server) AddVideo(v Video) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.videos[v.ID] = &v
}

// SetTranscript replaces a video's caption lines.
func (s *Server) SetTranscript(id string, segments ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.videos[id]; v != nil {
		v.Segments = segments
	}
}

func (s *Server) get(id string) (Video, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.videos[id]
	if v == nil {
		return Video{}, false
	}
	c := *v
	c.Segments = append([]string(nil), v.Segments...)
	if v.Segments == nil {
		c.Segments = nil
	}
	return c, true
}

func (s *Server) playerResponse(v Video, ok bool, withTracks bool) map[string]any {
	if !ok {
		return map[string]any{"playabilityStatus": map[string]any{"status": "ERROR", "reason": "This video is unavailable"}}
	}
	resp := map[string]any{
		"playabilityStatus": map[string]any{"status": "OK"},
		"videoDetails":      map[string]any{"videoId": v.ID, "title": v.Title, "author": v.Author, "shortDescription": v.Description, "viewCount": "42"},
	}
	if v.Segments != nil && withTracks {
		track := s.URL + "/api/timedtext?v=" + url.QueryEscape(v.ID) + "&lang=en&caps=asr"
		if v.JSON3 {
			track += "&fmt=json3"
		}
		resp["captions"] = map[string]any{"playerCaptionsTracklistRenderer": map[string]any{
			"captionTracks": []any{map[string]any{"baseUrl": track, "languageCode": "en", "name": map[string]any{"simpleText": "English (auto-generated)"}, "kind": "asr"}},
		}}
	}
	return resp
}

func (s *Server) watch(w http.ResponseWriter, r *http.Request) {
	v, ok := s.get(r.URL.Query().Get("v"))
	initial, _ := json.Marshal(s.playerResponse(v, ok, true))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>%s - YouTube</title>
<script>ytcfg.set({"INNERTUBE_API_KEY":"%s","INNERTUBE_CLIENT_NAME":"WEB"});</script>
<script>var ytInitialPlayerResponse = %s;var meta = document.createElement('meta');</script>
</head><body></body></html>`, html.EscapeString(v.Title), APIKey, initial)
}

func (s *Server) player(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("key") != APIKey {
		fakekit.JSON(w, http.StatusForbidden, map[string]any{"error": map[string]any{"code": 403, "message": "The request is missing a valid API key."}})
		return
	}
	var body struct {
		VideoID string `json:"videoId"`
		Context struct {
			Client struct {
				ClientName string `json:"clientName"`
			} `json:"client"`
		} `json:"context"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Context.Client.ClientName == "" {
		fakekit.JSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": 400, "message": "Request contains an invalid argument."}})
		return
	}
	v, ok := s.get(body.VideoID)
	fakekit.JSON(w, http.StatusOK, s.playerResponse(v, ok, !v.OnlyInPage))
}

func (s *Server) timedtext(w http.ResponseWriter, r *http.Request) {
	v, ok := s.get(r.URL.Query().Get("v"))
	if !ok || v.Segments == nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if r.URL.Query().Get("fmt") == "json3" {
		var events []any
		for i, seg := range v.Segments {
			events = append(events, map[string]any{"tStartMs": i * 1500, "dDurationMs": 1500, "segs": []any{map[string]any{"utf8": seg}}})
		}
		fakekit.JSON(w, http.StatusOK, map[string]any{"wireMagic": "pb3", "events": events})
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8" ?><transcript>`)
	for i, seg := range v.Segments {
		// YouTube escapes twice: "it's" arrives as it&amp;#39;s.
		fmt.Fprintf(&b, `<text start="%.1f" dur="1.5">%s</text>`, float64(i)*1.5, html.EscapeString(html.EscapeString(seg)))
	}
	b.WriteString(`</transcript>`)
	w.Write([]byte(b.String()))
}
