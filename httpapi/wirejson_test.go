package httpapi_test

import (
	"sync"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllmtest"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
)

// Times go on the wire as upstream writes them: UTC with exactly three
// millisecond digits, also on a whole second (and never with more).
func TestTimestampsHaveThreeMillisecondDigits(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 2, 3, 4, 5, 310_000_000, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	env := httpapitest.New(t, &httpapitest.Options{Deps: anythingllm.Deps{LLM: anythingllmtest.NewChatModel()},
		App: &anythingllm.Options{Now: clock}})
	raw := func(method, path string, body any) map[string]any {
		var out map[string]any
		if st := env.DoJSON(t, method, path, body, &out); st != 200 {
			t.Fatalf("%s %s: %d %v", method, path, st, out)
		}
		return out
	}
	ws := raw("POST", "/api/v1/workspace/new", map[string]any{"name": "Times"})["workspace"].(map[string]any)
	if ws["createdAt"] != "2026-01-02T03:04:05.310Z" || ws["lastUpdatedAt"] != "2026-01-02T03:04:05.310Z" {
		t.Fatalf("workspace times %v / %v, want 2026-01-02T03:04:05.310Z", ws["createdAt"], ws["lastUpdatedAt"])
	}
	set(time.Date(2026, 1, 2, 3, 4, 6, 0, time.FixedZone("CET", 3600)))
	th := raw("POST", "/api/v1/workspace/times/thread/new", map[string]any{"name": "t"})["thread"].(map[string]any)
	if th["createdAt"] != "2026-01-02T02:04:06.000Z" {
		t.Fatalf("thread createdAt %v, want 2026-01-02T02:04:06.000Z (UTC, whole second)", th["createdAt"])
	}
	set(time.Date(2026, 1, 2, 3, 4, 7, 123_456_789, time.UTC))
	raw("POST", "/api/v1/workspace/times/update", map[string]any{"openAiHistory": 5})
	got := raw("GET", "/api/v1/workspace/times", nil)["workspace"].([]any)[0].(map[string]any)
	if got["lastUpdatedAt"] != "2026-01-02T03:04:07.123Z" {
		t.Fatalf("updated workspace lastUpdatedAt %v, want 2026-01-02T03:04:07.123Z", got["lastUpdatedAt"])
	}
}
