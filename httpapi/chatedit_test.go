package httpapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
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
