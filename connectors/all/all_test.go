package all_test

import (
	"context"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/connectors/all"
	"github.com/anythingllm-go/anythingllm/connectors/internal/conntest"
	"github.com/anythingllm-go/anythingllm/connectors/youtube/youtubefake"
)

func youtubeOf(t *testing.T, cs []anythingllm.Connector) anythingllm.Connector {
	t.Helper()
	for _, c := range cs {
		if c.Name() == "youtube" {
			return c
		}
	}
	t.Fatal("all.New has no youtube connector")
	return nil
}

// YOUTUBE_BASE_URL sends a youtube.com video's fetches to a mirror; the
// URL guard still decides whether the mirror may be reached.
func TestYouTubeBaseURLFromEnvironment(t *testing.T) {
	yt := youtubefake.New()
	t.Cleanup(yt.Close)
	const vid = "dQw4w9WgXcQ"
	yt.AddVideo(youtubefake.Video{ID: vid, Title: "T", Author: "A", Segments: []string{"amber lantern"}})
	src := "youtube://https://www.youtube.com/watch?v=" + vid
	getenv := func(k string) string {
		if k == "YOUTUBE_BASE_URL" {
			return yt.URL + "/"
		}
		return ""
	}
	c := youtubeOf(t, all.New(&all.Options{Getenv: getenv}))
	text, err := c.Resync(context.Background(), conntest.Env(t), src)
	if err != nil || !strings.Contains(text, "amber lantern") {
		t.Fatalf("resync through YOUTUBE_BASE_URL: %q, %v", text, err)
	}
	if _, err := c.Resync(context.Background(), conntest.GuardedEnv(t), src); err == nil {
		t.Fatal("the guard let a loopback mirror through without an allow-list")
	}
	// Options.YouTubeBaseURL wins over the environment.
	c = youtubeOf(t, all.New(&all.Options{Getenv: getenv, YouTubeBaseURL: "http://127.0.0.1:1"}))
	if _, err := c.Resync(context.Background(), conntest.Env(t), src); err == nil {
		t.Fatal("YouTubeBaseURL did not replace YOUTUBE_BASE_URL")
	}
}
