package connkit

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

func TestRetryAfter(t *testing.T) {
	if d := RetryAfter("", 7*time.Second); d != 7*time.Second {
		t.Errorf("empty = %v", d)
	}
	if d := RetryAfter("3", 0); d != 3*time.Second {
		t.Errorf("seconds = %v", d)
	}
	if d := RetryAfter(time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), time.Second); d != 0 {
		t.Errorf("past date = %v", d)
	}
	if d := RetryAfter(time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), time.Second); d < 59*time.Minute {
		t.Errorf("future date = %v", d)
	}
	if d := RetryAfter("soon", 2*time.Second); d != 2*time.Second {
		t.Errorf("garbage = %v", d)
	}
}

func TestCallerCodesAndRetry(t *testing.T) {
	var calls int
	status := http.StatusServiceUnavailable
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls < 3 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(status)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	var waits []time.Duration
	c := &Caller{HTTP: srv.Client(), Service: "Svc", Sleep: func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		return nil
	}}
	var out struct{ OK bool }
	if err := c.GetJSON(context.Background(), srv.URL+"/x?token=secret", nil, "x", &out); err != nil || !out.OK {
		t.Fatalf("GetJSON = %v, %+v", err, out)
	}
	if len(waits) != 2 || waits[0] != 2*time.Second {
		t.Errorf("waits = %v", waits)
	}
	calls = 0
	status = http.StatusUnauthorized
	err := c.GetJSON(context.Background(), srv.URL+"/x?token=secret", nil, "x", &out)
	if anythingllm.Code(err) != anythingllm.PermissionDenied || calls != 1 || strings.Contains(err.Error(), "secret") {
		t.Errorf("401: err = %v after %d calls", err, calls)
	}
	// A canceled wait ends the call with the context's error.
	calls = 0
	status = http.StatusTooManyRequests
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c.Sleep = nil
	if _, err := c.Do(ctx, Request{URL: srv.URL}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: err = %v", err)
	}
}

func TestStorageToMarkdown(t *testing.T) {
	in := `<p>a</p><ac:structured-macro ac:name="code"><ac:parameter ac:name="language">js</ac:parameter>` +
		`<ac:plain-text-body><![CDATA[x = a[b]]]]><![CDATA[>0;]]></ac:plain-text-body></ac:structured-macro>` +
		`<ac:structured-macro ac:name="info"><ac:rich-text-body><p>note <![CDATA[<raw>]]></p></ac:rich-text-body></ac:structured-macro>` +
		"<p>b</p><p></p><p></p><p>c</p>"
	got, err := StorageToMarkdown(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	want := "a\n\n```js\nx = a[b]]>0;\n```\n\nnote &lt;raw&gt;\n\nb\n\nc" // the converter escapes "<" in text, as for links
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestSlug(t *testing.T) {
	if got := Slug("Rick Astley YouTube transcripts", true); got != "rick-astley-youtube-transcripts" {
		t.Errorf("lower = %q", got)
	}
	if got := Slug("Café au lait/2", false); got != "Cafe-au-lait2" {
		t.Errorf("slug = %q", got)
	}
}

func TestOptions(t *testing.T) {
	type R struct{ A string }
	if r, err := Options[R](&anythingllm.ConnectorRequest{Options: R{A: "x"}}, "t"); err != nil || r.A != "x" {
		t.Errorf("value: %v %v", r, err)
	}
	if r, err := Options[R](&anythingllm.ConnectorRequest{Options: &R{A: "y"}}, "t"); err != nil || r.A != "y" {
		t.Errorf("pointer: %v %v", r, err)
	}
	for _, bad := range []*anythingllm.ConnectorRequest{nil, {}, {Options: (*R)(nil)}, {Options: "x"}} {
		if _, err := Options[R](bad, "t"); anythingllm.Code(err) != anythingllm.InvalidArgument {
			t.Errorf("%v: err = %v", bad, err)
		}
	}
}
