package httpapi_test

import (
	"strings"
	"testing"
)

// The OpenAI-compatible chat adds a workspace's pinned documents to the
// context, as the native chat does, once each (not again from the search).
func TestOpenAICompatibleChatIncludesPinnedDocuments(t *testing.T) {
	c := newChatEnv(t, nil, 0)
	newWorkspace(t, c.Env, map[string]any{"name": "Pins"})
	_, pinned := upload(t, c.Env, "/api/v1/document/upload", "handshake.txt", "The secret handshake is three quick taps.", map[string]string{"addToWorkspaces": "pins"})
	upload(t, c.Env, "/api/v1/document/upload", "refunds.txt", "Refunds are processed within five business days.", map[string]string{"addToWorkspaces": "pins"})
	// One search result only: the refund policy, for a question about refunds.
	if st := c.DoJSON(t, "POST", "/api/v1/workspace/pins/update", map[string]any{"topN": 1}, nil); st != 200 {
		t.Fatalf("update: %d", st)
	}
	ask := map[string]any{"model": "pins", "messages": []map[string]string{{"role": "user", "content": "how many business days do refunds take?"}}}
	if st := c.DoJSON(t, "POST", "/api/v1/openai/chat/completions", ask, nil); st != 200 {
		t.Fatalf("chat: %d", st)
	}
	before := c.fake.Requests()[0].Messages[0].Text()
	if strings.Contains(before, "secret handshake") || !strings.Contains(before, "five business days") {
		t.Fatalf("unpinned context = %q", before)
	}
	if st := c.DoJSON(t, "POST", "/api/v1/workspace/pins/update-pin", map[string]any{"docPath": pinned.Documents[0].Location, "pinStatus": true}, nil); st != 200 {
		t.Fatalf("pin: %d", st)
	}
	for _, q := range []string{"how many business days do refunds take?", "what is the secret handshake?"} {
		ask["messages"] = []map[string]string{{"role": "user", "content": q}}
		if st := c.DoJSON(t, "POST", "/api/v1/openai/chat/completions", ask, nil); st != 200 {
			t.Fatalf("chat: %d", st)
		}
		reqs := c.fake.Requests()
		sent := reqs[len(reqs)-1].Messages[0].Text()
		if n := strings.Count(sent, "The secret handshake is three quick taps."); n != 1 {
			t.Fatalf("%q: the pinned document is in the context %d times, want once:\n%s", q, n, sent)
		}
	}
	reqs := c.fake.Requests()
	if sent := reqs[1].Messages[0].Text(); !strings.Contains(sent, "five business days") {
		t.Fatalf("the search result went missing beside the pinned document:\n%s", sent)
	}
}
