package youtube_test

import (
	"context"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/connectors/internal/conntest"
	"github.com/anythingllm-go/anythingllm/connectors/youtube"
	"github.com/anythingllm-go/anythingllm/connectors/youtube/youtubefake"
)

const vid = "dQw4w9WgXcQ"

// The forms upstream's collector/__tests__/utils/url test pins, plus the
// hosts and paths its validYoutubeVideoUrl names.
func TestVideoID(t *testing.T) {
	for _, ok := range []string{
		"https://www.youtube.com/watch?v=" + vid,
		"https://youtube.com/watch?v=" + vid + "&t=10s",
		"https://m.youtube.com/watch?v=" + vid,
		"https://music.youtube.com/watch?v=" + vid,
		"youtube.com/watch?v=" + vid,
		"YouTube.com/watch?v=" + vid,
		"https://youtu.be/" + vid,
		"https://youtu.be/" + vid + "?si=abc",
		"https://youtu.be/" + vid + "/extra",
		"https://www.youtube.com/embed/" + vid,
		"https://youtube.com/v/" + vid,
		"https://www.youtube.com/shorts/" + vid,
		"https://www.youtube.com/live/" + vid + "?feature=share",
		"https://www.youtube.com/watch?feature=share&v=" + vid,
		"http://youtu.be/" + vid + "#t=3",
	} {
		if id, good := youtube.VideoID(ok); !good || id != vid {
			t.Errorf("VideoID(%q) = %q, %v; want %q", ok, id, good, vid)
		}
	}
	for _, bad := range []string{
		"", "https://example.com/watch?v=" + vid, "https://vimeo.com/123456",
		"https://www.youtube.com/user/somechannel", "https://www.youtube.com/",
		"https://www.youtube.com/watch?v=short", "https://youtu.be/" + vid + "x",
		"ftp://youtube.com/watch?v=" + vid, "https://evil.com/?u=youtube.com/watch?v=" + vid,
	} {
		if id, good := youtube.VideoID(bad); good {
			t.Errorf("VideoID(%q) = %q, true; want false", bad, id)
		}
	}
}

func setup(t *testing.T) (*youtubefake.Server, *youtube.Connector) {
	srv := youtubefake.New()
	t.Cleanup(srv.Close)
	return srv, youtube.New(&youtube.Options{BaseURL: srv.URL, Now: conntest.Now, Sleep: conntest.NoSleep})
}

func TestImportDocumentAndFolder(t *testing.T) {
	srv, c := setup(t)
	srv.AddVideo(youtubefake.Video{ID: vid, Title: "Never Gonna", Author: "Rick Astley", Description: "The official video.",
		Segments: []string{"We're no strangers", "to  love\nyou know", "the rules & so do I"}})
	link := "https://youtu.be/" + vid + "?si=abc"
	res, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: conntest.Env(t), Options: &youtube.Request{URL: " " + link + " "}})
	if err != nil {
		t.Fatal(err)
	}
	text := "We're no strangers to love you know the rules & so do I"
	want := anythingllm.Document{
		ID: "00000001-0000-4000-8000-000000000000", URL: link + ".youtube", Title: "Never Gonna",
		DocAuthor: "Rick Astley", Description: "The official video.", DocSource: link,
		ChunkSource: "youtube://" + link, Published: conntest.Published,
		WordCount: 13, PageContent: text, TokenCountEstimate: res.Documents[0].TokenCountEstimate,
	}
	if got := res.Documents[0]; got != want {
		t.Errorf("document\n got %+v\nwant %+v", got, want)
	}
	if res.Documents[0].TokenCountEstimate <= 0 {
		t.Error("no token_count_estimate")
	}
	if res.Folder != "rick-astley-youtube-transcripts" {
		t.Errorf("folder = %q", res.Folder)
	}
	if res.Data["title"] != "Never Gonna" || res.Data["author"] != "Rick Astley" || res.Data["destination"] != res.Folder {
		t.Errorf("data = %v", res.Data)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 || reqs[0] != "GET /watch?v="+vid || !strings.HasPrefix(reqs[1], "POST /youtubei/v1/player?key="+youtubefake.APIKey) || !strings.HasPrefix(reqs[2], "GET /api/timedtext?v="+vid) {
		t.Errorf("requests = %q", reqs)
	}
}

func TestJSON3AndWatchPageFallback(t *testing.T) {
	srv, c := setup(t)
	srv.AddVideo(youtubefake.Video{ID: vid, Title: "T", Author: "A", Segments: []string{"json", "three"}, JSON3: true, OnlyInPage: true})
	text, err := c.Resync(context.Background(), conntest.Env(t), "youtube://https://www.youtube.com/watch?v="+vid)
	if err != nil || text != "json three" {
		t.Fatalf("resync = %q, %v", text, err)
	}
}

func TestResyncSeesChangedTranscript(t *testing.T) {
	srv, c := setup(t)
	srv.AddVideo(youtubefake.Video{ID: vid, Title: "T", Author: "A", Segments: []string{"first", "take"}})
	env := conntest.Env(t)
	res, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: env, Options: youtube.Request{URL: "youtube.com/watch?v=" + vid}})
	if err != nil {
		t.Fatal(err)
	}
	src := res.Documents[0].ChunkSource
	if src != "youtube://youtube.com/watch?v="+vid {
		t.Errorf("chunkSource = %q (the url as submitted)", src)
	}
	srv.SetTranscript(vid, "second", "take")
	if text, err := c.Resync(context.Background(), env, src); err != nil || text != "second take" {
		t.Fatalf("resync = %q, %v", text, err)
	}
}

func TestNoTranscriptAndUnknownVideo(t *testing.T) {
	srv, c := setup(t)
	srv.AddVideo(youtubefake.Video{ID: vid, Title: "Silent", Author: "A"})
	_, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: conntest.Env(t), Options: &youtube.Request{URL: "https://youtu.be/" + vid}})
	conntest.Code(t, err, anythingllm.NotFound)
	if !strings.Contains(err.Error(), "No transcript") {
		t.Errorf("err = %v", err)
	}
	_, err = c.Resync(context.Background(), conntest.Env(t), "youtube://https://youtu.be/AAAAAAAAAAA")
	conntest.Code(t, err, anythingllm.NotFound)
	if !strings.Contains(err.Error(), "unavailable") {
		t.Errorf("err = %v", err)
	}
	srv.AddVideo(youtubefake.Video{ID: "BBBBBBBBBBB", Title: "Blank", Author: "A", Segments: []string{" ", ""}})
	_, err = c.Resync(context.Background(), conntest.Env(t), "youtube://https://youtu.be/BBBBBBBBBBB")
	conntest.Code(t, err, anythingllm.NotFound)
}

func TestBadURLRateLimitAndGuard(t *testing.T) {
	srv, c := setup(t)
	srv.AddVideo(youtubefake.Video{ID: vid, Title: "T", Author: "A", Segments: []string{"hi"}})
	_, err := c.Import(context.Background(), &anythingllm.ConnectorRequest{Env: conntest.Env(t), Options: &youtube.Request{URL: "https://vimeo.com/1"}})
	conntest.Code(t, err, anythingllm.InvalidArgument)
	if !strings.Contains(anythingllm.ErrorMessage(err), "url") {
		t.Errorf("err = %v", err)
	}
	_, err = c.Resync(context.Background(), conntest.Env(t), "link://https://youtu.be/"+vid)
	conntest.Code(t, err, anythingllm.InvalidArgument)

	srv.RateLimit(1, "0")
	if text, err := c.Resync(context.Background(), conntest.Env(t), "youtube://https://youtu.be/"+vid); err != nil || text != "hi" {
		t.Errorf("after one 429: %q, %v", text, err)
	}
	srv.RateLimit(3, "0")
	_, err = c.Resync(context.Background(), conntest.Env(t), "youtube://https://youtu.be/"+vid)
	conntest.Code(t, err, anythingllm.RateLimited)

	before := len(srv.Requests())
	_, err = c.Resync(context.Background(), conntest.GuardedEnv(t), "youtube://https://youtu.be/"+vid)
	conntest.Code(t, err, anythingllm.PermissionDenied)
	if len(srv.Requests()) != before {
		t.Error("the guarded client reached the loopback fake")
	}
}
