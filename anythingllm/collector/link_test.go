package collector_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/collector"
)

const page = `<!doctype html><html><head><title>x</title></head><body>
<header>HEADERJUNK</header><nav>NAVJUNK</nav>
<main><h1>Sea Otters</h1><p>Sea otters use <a href="/tools/rocks">rocks</a> as tools.[12]</p>
<div style="display:none">HIDDENJUNK</div><img src="data:image/png;base64,AAAA"></main>
<footer>FOOTJUNK</footer></body></html>`

func pageServer(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/otters/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, strings.Repeat("x", 4096))
	})
	mux.HandleFunc("/report.pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write(fixture(t, "sample.pdf"))
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/to-metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	mux.HandleFunc("/to-private", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://10.0.0.1/admin", http.StatusFound)
	})
	mux.HandleFunc("/to-file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func allowLoopback() *collector.Collector {
	return collector.New(&collector.Options{
		AllowedHosts: []string{"127.0.0.1"}, PDFEngine: collector.PDFLight,
		MaxLinkBytes: 2048, Now: func() time.Time { return fixedNow },
	})
}

func TestFetchLinkConvertsPage(t *testing.T) {
	srv := pageServer(t)
	d, err := allowLoopback().FetchLink(context.Background(), srv.URL+"/otters/", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Sea Otters", "[rocks](" + srv.URL + "/tools/rocks)", "as tools."} {
		if !strings.Contains(d.PageContent, want) {
			t.Errorf("%q missing from %q", want, d.PageContent)
		}
	}
	for _, junk := range []string{"HEADERJUNK", "NAVJUNK", "FOOTJUNK", "HIDDENJUNK", "[12]", "data:image"} {
		if strings.Contains(d.PageContent, junk) {
			t.Errorf("%q left in %q", junk, d.PageContent)
		}
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	slug := strings.ReplaceAll(host, ":", "") + "_otters"
	want := anythingllm.Document{
		ID: d.ID, URL: "file://" + slug + ".html", Title: slug + ".html", DocAuthor: "no author found",
		Description: "No description found.", DocSource: "URL link uploaded by the user.",
		ChunkSource: "link://" + srv.URL + "/otters", Published: "1/16/2024, 3:07:00 PM",
		WordCount: d.WordCount, PageContent: d.PageContent, TokenCountEstimate: d.TokenCountEstimate,
	}
	if d != want {
		t.Fatalf("link document\n got %+v\nwant %+v", d, want)
	}
	// Metadata may set the title but never the chunk source.
	d, err = allowLoopback().FetchLink(context.Background(), srv.URL+"/otters/", &collector.Metadata{Title: "Otters", ChunkSource: "x"})
	if err != nil || d.Title != "Otters" || d.ChunkSource != "link://"+srv.URL+"/otters" {
		t.Fatalf("metadata: %v %+v", err, d)
	}
}

func TestFetchLinkParsesFiles(t *testing.T) {
	srv := pageServer(t)
	d, err := allowLoopback().FetchLink(context.Background(), srv.URL+"/report.pdf", nil)
	if err != nil || !strings.Contains(d.PageContent, "volcanoes") || d.Title != "report.pdf" {
		t.Fatalf("pdf link: %v %+v", err, d)
	}
}

func TestFetchLinkLimitsAndErrors(t *testing.T) {
	srv := pageServer(t)
	c := allowLoopback()
	ctx := context.Background()
	_, err := c.FetchLink(ctx, srv.URL+"/big", nil)
	checkErr(t, err, anythingllm.TooLarge, "larger than 2 KB")
	_, err = c.FetchLink(ctx, srv.URL+"/missing", nil)
	checkErr(t, err, anythingllm.Unavailable, "HTTP 404")
	_, err = c.FetchLink(ctx, srv.URL+"/loop", nil)
	checkErr(t, err, anythingllm.Unavailable)
}

func TestFetchLinkRefusesUnsafeTargets(t *testing.T) {
	srv := pageServer(t)
	ctx := context.Background()
	noAllow := collector.New(&collector.Options{PDFEngine: collector.PDFLight})

	// Loopback without the allow-list, by IP and by name: refused before
	// any lookup, naming the reason.
	_, err := noAllow.FetchLink(ctx, srv.URL+"/otters/", nil)
	checkErr(t, err, anythingllm.InvalidArgument, "loopback")
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	_, err = noAllow.FetchLink(ctx, "http://localhost:"+port+"/otters/", nil)
	checkErr(t, err, anythingllm.InvalidArgument, "loopback")

	// Allowed first hop, redirected to private and metadata addresses.
	for _, p := range []string{"/to-private", "/to-metadata"} {
		_, err = allowLoopback().FetchLink(ctx, srv.URL+p, nil)
		checkErr(t, err, anythingllm.PermissionDenied)
	}
	_, err = allowLoopback().FetchLink(ctx, srv.URL+"/to-file", nil)
	if err == nil {
		t.Fatal("redirect to file:// followed")
	}

	for _, link := range []string{"file:///etc/passwd", "ftp://example.com/x", "gopher://example.com", "http://user:pw@example.com/", "javascript:alert(1)"} {
		_, err := noAllow.FetchLink(ctx, link, nil)
		if !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Errorf("%s: %v, want InvalidArgument", link, err)
		}
	}
	// Literal private, metadata and special addresses are refused before
	// any dial (nothing listens there; the refusal must come first).
	for _, link := range []string{"http://10.1.2.3/", "http://192.168.0.1/", "http://172.16.0.1/", "http://100.64.0.1/",
		"http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/", "http://[::1]/", "http://0.0.0.0/",
		"http://224.0.0.1/", "http://[fe80::1]/", "http://[::ffff:127.0.0.1]/"} {
		_, err := noAllow.FetchLink(ctx, link, nil)
		checkErr(t, err, anythingllm.InvalidArgument, "is refused: it is")
	}
}

func TestNormalizeLink(t *testing.T) {
	for in, want := range map[string]string{
		" example.com/docs/ ":        "https://example.com/docs",
		"http://example.com":         "http://example.com",
		"https://example.com/a?b=c/": "https://example.com/a?b=c",
	} {
		u, err := collector.NormalizeLink(in)
		if err != nil || u.String() != want {
			t.Errorf("NormalizeLink(%q) = %v, %v; want %q", in, u, err, want)
		}
	}
	if _, err := collector.NormalizeLink("   "); !errors.Is(err, anythingllm.ErrInvalidArgument) {
		t.Fatalf("empty link: %v", err)
	}
}
