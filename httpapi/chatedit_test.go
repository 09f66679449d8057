package httpapi_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/collector/collectortest"
)

func TestChatEditRoutes(t *testing.T) {
	c := newChatEnv(t, nil, 0)
	newWorkspace(t, c.Env, map[string]any{"name": "E"})
	c.DoJSON(t, "POST", "/api/v1/workspace/e/thread/new", map[string]any{"slug": "th"}, nil)
	var ids []int64
	for i := range 4 {
		_, out := c.chat(t, "/api/v1/workspace/e/thread/th/chat", map[string]any{"message": fmt.Sprint("turn ", i)})
		ids = append(ids, out.ChatID)
	}
	var res map[string]any
	if st := c.DoJSON(t, "POST", "/api/v1/workspace/e/update-chat", map[string]any{"chatId": ids[0], "newText": "edited answer"}, &res); st != 200 || res["success"] != true {
		t.Fatalf("update-chat: %d %v", st, res)
	}
	if st := c.DoJSON(t, "POST", fmt.Sprintf("/api/v1/workspace/e/chat-feedback/%d", ids[1]), map[string]any{"feedback": "positive"}, &res); st != 200 {
		t.Fatalf("feedback: %d %v", st, res)
	}
	if st := c.DoJSON(t, "POST", fmt.Sprintf("/api/v1/workspace/e/chat-feedback/%d", ids[1]), map[string]any{"feedback": "meh"}, nil); st != 400 {
		t.Fatalf("bad feedback: %d", st)
	}
	var fork struct{ NewThreadSlug string }
	if st := c.DoJSON(t, "POST", "/api/v1/workspace/e/thread/fork", map[string]any{"chatId": ids[1], "threadSlug": "th"}, &fork); st != 200 || fork.NewThreadSlug == "" {
		t.Fatalf("fork: %d %v", st, fork)
	}
	var h struct{ History []map[string]any }
	c.DoJSON(t, "GET", "/api/v1/workspace/e/thread/"+fork.NewThreadSlug+"/chats", nil, &h)
	if len(h.History) != 4 || h.History[1]["content"] != "edited answer" || h.History[3]["feedbackScore"] != true {
		t.Fatalf("forked history = %+v", h.History)
	}
	if st := c.DoJSON(t, "PUT", fmt.Sprintf("/api/v1/workspace/workspace-chats/%d", ids[2]), nil, &res); st != 200 {
		t.Fatalf("hide: %d", st)
	}
	if st := c.DoJSON(t, "DELETE", "/api/v1/workspace/e/delete-edited-chats", map[string]any{"startingId": ids[3]}, &res); st != 200 {
		t.Fatalf("delete-edited: %d", st)
	}
	if st := c.DoJSON(t, "DELETE", "/api/v1/workspace/e/delete-chats", map[string]any{"chatIds": []int64{ids[0]}}, &res); st != 200 {
		t.Fatalf("delete-chats: %d", st)
	}
	c.DoJSON(t, "GET", "/api/v1/workspace/e/thread/th/chats", nil, &h)
	if len(h.History) != 2 || h.History[0]["content"] != "turn 1" {
		t.Fatalf("after edits: %+v", h.History)
	}
	ws, _ := c.App.Store().Workspaces().GetBySlug(context.Background(), "e")
	if n, _ := c.App.Store().Chats().Count(context.Background(), &anythingllm.ChatFilter{WorkspaceID: ws.ID}); n != 2+2 { // turn 1, hidden turn 2, fork's two
		t.Fatalf("chats left = %d", n)
	}
	for _, p := range []string{"/api/v1/workspace/e/update-chat", "/api/v1/workspace/ghost/update-chat"} {
		if st := c.DoJSON(t, "POST", p, map[string]any{"chatId": 999999, "newText": "x"}, nil); st != 404 {
			t.Errorf("%s unknown chat: %d", p, st)
		}
	}
	if st := c.DoJSON(t, "PUT", "/api/v1/workspace/workspace-chats/abc", nil, nil); st != 400 {
		t.Fatalf("hide with a bad id: %d", st)
	}
}

func TestDocumentAttachmentGoesIntoContext(t *testing.T) {
	c := newChatEnv(t, nil, 0)
	newWorkspace(t, c.Env, map[string]any{"name": "Att"})
	content := base64.StdEncoding.EncodeToString([]byte("The launch code word is PELICAN."))
	st, out := c.chat(t, "/api/v1/workspace/att/chat", map[string]any{"message": "what is the code word?",
		"attachments": []map[string]any{{"name": "memo.txt", "mime": "application/anythingllm-document", "contentString": content}}})
	if st != 200 || len(out.Sources) != 1 || out.Sources[0]["title"] != "memo.txt" {
		t.Fatalf("attachment: %d %+v", st, out)
	}
	if sys := c.fake.Requests()[0].Messages[0].Text(); !strings.Contains(sys, "PELICAN") {
		t.Fatalf("attachment text not in the context: %q", sys)
	}
	pdf := base64.StdEncoding.EncodeToString(collectortest.PDF([]string{"PDF attachment about storks"}, false))
	if st, _ := c.chat(t, "/api/v1/workspace/att/chat", map[string]any{"message": "storks?",
		"attachments": []map[string]any{{"name": "birds.pdf", "mime": "application/anythingllm-document", "contentString": pdf}}}); st != 200 {
		t.Fatalf("pdf attachment: %d", st)
	}
	if sys := c.fake.Requests()[1].Messages[0].Text(); !strings.Contains(sys, "storks") {
		t.Fatalf("pdf attachment not parsed into the context")
	}
	if st, _ := c.chat(t, "/api/v1/workspace/att/chat", map[string]any{"message": "x",
		"attachments": []map[string]any{{"name": "a.exe", "mime": "application/anythingllm-document", "contentString": content}}}); st != 400 {
		t.Fatalf("unsupported document attachment: %d", st)
	}
}

// Concurrent chats in one thread all land, each with its own answer.
func TestConcurrentChatsInOneThread(t *testing.T) {
	c := newChatEnv(t, nil, 0)
	newWorkspace(t, c.Env, map[string]any{"name": "Busy"})
	c.DoJSON(t, "POST", "/api/v1/workspace/busy/thread/new", map[string]any{"slug": "t"}, nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				msg := fmt.Sprintf("m-%d-%d", g, i)
				var out chatOut
				if st := c.DoJSON(t, "POST", "/api/v1/workspace/busy/thread/t/chat", map[string]any{"message": msg}, &out); st != 200 || *out.TextResponse != "Echo: "+msg {
					t.Errorf("%s: %d %+v", msg, st, out)
				}
			}
		}()
	}
	wg.Wait()
	var h struct{ History []map[string]any }
	c.DoJSON(t, "GET", "/api/v1/workspace/busy/thread/t/chats", nil, &h)
	if len(h.History) != 80 {
		t.Fatalf("history has %d messages, want 80", len(h.History))
	}
	for i := 0; i < len(h.History); i += 2 {
		if h.History[i+1]["content"] != "Echo: "+h.History[i]["content"].(string) || h.History[i]["chatId"] != h.History[i+1]["chatId"] {
			t.Fatalf("pair %d mixed up: %v / %v", i/2, h.History[i], h.History[i+1])
		}
	}
}
