package httpapi_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/httpapi/httpapitest"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
)

// pingStore is a memory store whose database check fails while down is set.
type pingStore struct {
	*memstore.Store
	down bool
}

func (p *pingStore) Ping(context.Context) error {
	if p.down {
		return errors.New("dial tcp 10.0.0.9:5432: connect: connection refused")
	}
	return nil
}

func TestHealth(t *testing.T) {
	st := &pingStore{Store: memstore.New()}
	env := httpapitest.New(t, &httpapitest.Options{Deps: anythingllm.Deps{Store: st, Vectors: flatvec.New(nil)},
		App: &anythingllm.Options{LoadIndexAtStart: true}})

	get := func() (int, string) {
		resp := env.DoWith(t, "GET", "/api/health", nil, nil) // no key needed
		return resp.StatusCode, httpapitest.Body(t, resp)
	}
	if code, body := get(); code != 503 || !strings.Contains(body, `"status":"unavailable"`) || !strings.Contains(body, `"ready":false`) ||
		!strings.Contains(body, `"error":"the vector index is loading"`) {
		t.Fatalf("before the index loads: %d %s", code, body)
	}
	if _, err := env.App.LoadVectorIndex(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := `{"status":"ok","database":"ok","index":{"ready":true,"lagEntries":0,"lagMs":0},"error":null}` + "\n"
	if code, body := get(); code != 200 || body != want {
		t.Fatalf("loaded: %d %s, want 200 %s", code, body, want)
	}
	st.down = true
	code, body := get()
	if code != 503 || !strings.Contains(body, `"database":"unreachable"`) || !strings.Contains(body, `"error":"the database is unreachable"`) {
		t.Fatalf("database down: %d %s", code, body)
	}
	if strings.Contains(body, "10.0.0.9") {
		t.Fatalf("the driver's error leaked: %s", body)
	}
	st.down = false
	if code, body := get(); code != 200 {
		t.Fatalf("database back: %d %s", code, body)
	}
	resp := env.DoWith(t, "GET", "/api/health/", nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("trailing slash: %d", resp.StatusCode)
	}
}
