package weaviate_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/vectordb/memvec"
	"github.com/anythingllm-go/anythingllm/vectordb/vectortest"
	"github.com/anythingllm-go/anythingllm/vectordb/weaviate"
)

var ctx = context.Background()

// serverURL is the Weaviate the tests use (.ci/steps/20-weaviate.sh
// starts one on http://127.0.0.1:8079).
func serverURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("ANYTHINGLLM_TEST_WEAVIATE_URL")
	if u == "" {
		tb.Skip("ANYTHINGLLM_TEST_WEAVIATE_URL is unset: no Weaviate server to test against (.ci/steps/20-weaviate.sh starts one; then set it to http://127.0.0.1:8079)")
	}
	return u
}

// uniquePrefix is a ClassPrefix no other test uses.
func uniquePrefix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "Test" + hex.EncodeToString(b)
}

// newStore returns a store with a prefix of its own, whose classes are
// dropped when the test ends.
func newStore(tb testing.TB, opts weaviate.Options) *weaviate.Store {
	tb.Helper()
	opts.Endpoint = serverURL(tb)
	if opts.ClassPrefix == "" {
		opts.ClassPrefix = uniquePrefix()
	}
	s, err := weaviate.New(ctx, &opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { dropPrefix(tb, opts.Endpoint, opts.ClassPrefix) })
	return s
}

// dropPrefix deletes every class of a prefix, through a store of its own.
func dropPrefix(tb testing.TB, endpoint, prefix string) {
	s, err := weaviate.New(ctx, &weaviate.Options{Endpoint: endpoint, ClassPrefix: prefix})
	if err != nil {
		tb.Error(err)
		return
	}
	defer func() { _ = s.Close() }()
	for _, c := range s.ClassesForTest(ctx, tb) {
		if err := s.DropClassForTest(ctx, c); err != nil {
			tb.Error(err)
		}
	}
}

func TestConformance(t *testing.T) {
	for _, idx := range []string{"hnsw", "flat"} {
		t.Run(idx, func(t *testing.T) {
			vectortest.RunConformanceTests(t, func(t *testing.T) anythingllm.VectorStore {
				return newStore(t, weaviate.Options{IndexType: idx})
			})
		})
	}
}

var validClass = regexp.MustCompile(`^[A-Z][_0-9A-Za-z]{0,254}$`)

func TestClassName(t *testing.T) {
	for slug, want := range map[string]string{
		"my-workspace":  "Anythingllm_My_workspace",
		"2024-notes":    "Anythingllm_2024_notes",
		"a":             "Anythingllm_A",
		"My Docs":       "Anythingllm___4dy_20_44ocs",
		"a_b":           "Anythingllm__a_5fb",
		"-a":            "Anythingllm___2da",
		"a--b":          "Anythingllm__a_2d_2db",
		"":              "Anythingllm__",
		"über":          "Anythingllm___c3_bcber",
		"workspace-1-a": "Anythingllm_Workspace_1_a",
	} {
		if got := weaviate.ClassName("Anythingllm", slug); got != want {
			t.Errorf("ClassName(%q) = %q, want %q", slug, got, want)
		}
	}
	// Injective ignoring case (Weaviate refuses names that differ only in
	// case), and always valid: short random strings over an alphabet that
	// mixes the mapping's own characters, and long ones.
	seen := map[string]string{}
	check := func(slug string) {
		name := weaviate.ClassName("Anythingllm", slug)
		if !validClass.MatchString(name) {
			t.Fatalf("ClassName(%q) = %q, not a valid class name", slug, name)
		}
		key := strings.ToLower(name)
		if prev, ok := seen[key]; ok && prev != slug {
			t.Fatalf("%q and %q both map to %q", prev, slug, name)
		}
		seen[key] = slug
	}
	r := mrand.New(mrand.NewPCG(1, 2))
	alphabet := []string{"a", "b", "z", "0", "5", "-", "_", "A", "Z", " ", "é", ".", "2d", "_2d", "5f"}
	for range 50_000 {
		var b strings.Builder
		for range r.IntN(7) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		check(b.String())
	}
	long := strings.Repeat("x", 300)
	for _, s := range []string{long, long + "y", strings.Repeat("-x", 150), strings.Repeat("Ab", 150), strings.Repeat("x-", 124) + "x", strings.Repeat("x-", 130) + "x"} {
		check(s)
	}
}

func TestOptionsRefused(t *testing.T) {
	for name, o := range map[string]*weaviate.Options{
		"nil":              nil,
		"no host":          {Endpoint: "http://"},
		"ftp":              {Endpoint: "ftp://127.0.0.1:8080"},
		"prefix lowercase": {Endpoint: "http://127.0.0.1:1", ClassPrefix: "anythingllm"},
		"prefix with _":    {Endpoint: "http://127.0.0.1:1", ClassPrefix: "Any_thing"},
		"index type":       {Endpoint: "http://127.0.0.1:1", IndexType: "ivf"},
	} {
		if _, err := weaviate.New(ctx, o); !errors.Is(err, anythingllm.ErrInvalidArgument) {
			t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
		}
	}
}

func TestAPIKeySentAsBearerAndNeverInErrors(t *testing.T) {
	const key = "sekrit-weaviate-key-4711"
	var auth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = append(auth, r.Header.Get("Authorization"))
		// Weaviate's error shape, echoing the credential as a careless
		// proxy might.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error":[{"message":"invalid api key %q in %q"}]}`, key, r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	_, err := weaviate.New(ctx, &weaviate.Options{Endpoint: srv.URL, APIKey: key})
	if !errors.Is(err, anythingllm.ErrUnauthenticated) {
		t.Fatalf("New against a 401: %v, want ErrUnauthenticated", err)
	}
	if !slices.Equal(auth, []string{"Bearer " + key}) {
		t.Fatalf("Authorization headers = %q, want one Bearer with the key", auth)
	}
	if strings.Contains(err.Error(), key) || strings.Contains(anythingllm.ErrorMessage(err), key) {
		t.Fatalf("the key leaked into the error: %v", err)
	}
	if !strings.Contains(err.Error(), "invalid api key") {
		t.Fatalf("the server's message is lost: %v", err)
	}
	// Without a key, no Authorization header at all.
	auth = nil
	_, _ = weaviate.New(ctx, &weaviate.Options{Endpoint: srv.URL})
	if !slices.Equal(auth, []string{""}) {
		t.Fatalf("without a key: Authorization headers = %q", auth)
	}
}

func TestUnreachableIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	if _, err := weaviate.New(ctx, &weaviate.Options{Endpoint: u}); !errors.Is(err, anythingllm.ErrUnavailable) {
		t.Fatalf("New against a closed port: %v, want ErrUnavailable", err)
	}
}

func vec(vs ...float32) []float32 { return vs }

func TestDimensionMismatch(t *testing.T) {
	s := newStore(t, weaviate.Options{})
	rec := func(id string, v ...float32) anythingllm.VectorRecord {
		return anythingllm.VectorRecord{ID: id, DocID: "d", Vector: v, Text: id}
	}
	if err := s.Upsert(ctx, "ws", []anythingllm.VectorRecord{rec("a", 1, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	names := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, anythingllm.ErrInvalidArgument) || !strings.Contains(err.Error(), "4") || !strings.Contains(err.Error(), "3") {
			t.Errorf("%s: %v, want ErrInvalidArgument naming 4 and 3 dimensions", what, err)
		}
	}
	names("upsert", s.Upsert(ctx, "ws", []anythingllm.VectorRecord{rec("b", 1, 0, 0, 0)}))
	_, err := s.Query(ctx, "ws", &anythingllm.VectorQuery{Vector: vec(1, 0, 0, 0)})
	names("query", err)
	// A store that has seen nothing of the namespace knows it too.
	other, err := weaviate.New(ctx, &weaviate.Options{Endpoint: serverURL(t), ClassPrefix: classPrefix(t, s)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.Query(ctx, "ws", &anythingllm.VectorQuery{Vector: vec(1, 0, 0, 0)})
	names("query, fresh store", err)
	// Emptied by DeleteDocument, the namespace keeps its dimension.
	if err := s.DeleteDocument(ctx, "ws", "d"); err != nil {
		t.Fatal(err)
	}
	names("upsert into an emptied namespace", other.Upsert(ctx, "ws", []anythingllm.VectorRecord{rec("b", 1, 0, 0, 0)}))
	if n, err := s.Count(ctx, "ws"); n != 0 || err != nil {
		t.Fatalf("a refused upsert stored something: %d, %v", n, err)
	}
	if err := other.Upsert(ctx, "ws", []anythingllm.VectorRecord{rec("c", 0, 1, 0)}); err != nil {
		t.Fatal(err)
	}
}

func classPrefix(t *testing.T, s *weaviate.Store) string {
	t.Helper()
	return s.PrefixForTest()
}

func TestTwoStoresSeeEachOther(t *testing.T) {
	a := newStore(t, weaviate.Options{})
	b, err := weaviate.New(ctx, &weaviate.Options{Endpoint: serverURL(t), ClassPrefix: a.PrefixForTest()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Close() }()
	r := func(id, doc string, v ...float32) anythingllm.VectorRecord {
		return anythingllm.VectorRecord{ID: id, DocID: doc, Vector: v, Text: "t" + id, Metadata: map[string]any{"n": 1.5, "tags": []any{"x"}}}
	}
	if err := a.Upsert(ctx, "ws", []anythingllm.VectorRecord{r("1", "d1", 1, 0), r("2", "d2", 0, 1)}); err != nil {
		t.Fatal(err)
	}
	ms, err := b.Query(ctx, "ws", &anythingllm.VectorQuery{Vector: vec(1, 0), TopK: 1})
	if err != nil || len(ms) != 1 || ms[0].ID != "1" || ms[0].Metadata["n"] != 1.5 || !slices.Equal(ms[0].Metadata["tags"].([]any), []any{"x"}) {
		t.Fatalf("b does not see a's write: %+v %v", ms, err)
	}
	if err := b.DeleteDocument(ctx, "ws", "d1"); err != nil {
		t.Fatal(err)
	}
	if n, err := a.Count(ctx, "ws"); n != 1 || err != nil {
		t.Fatalf("a after b's delete: %d, %v", n, err)
	}
	if err := a.DeleteNamespace(ctx, "ws"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Count(ctx, "ws"); !errors.Is(err, anythingllm.ErrNotFound) {
		t.Fatalf("b's Count after a dropped the namespace: %v", err)
	}
	if ms, err := b.Query(ctx, "ws", &anythingllm.VectorQuery{Vector: vec(1, 0)}); len(ms) != 0 || err != nil {
		t.Fatalf("b's Query after a dropped the namespace: %v, %v", ms, err)
	}
	// b recreates it with another dimension; a, which knew the old one,
	// follows.
	if err := b.Upsert(ctx, "ws", []anythingllm.VectorRecord{r("3", "d3", 0, 0, 1)}); err != nil {
		t.Fatal(err)
	}
	ms, err = a.Query(ctx, "ws", &anythingllm.VectorQuery{Vector: vec(0, 0, 1)})
	if err != nil || len(ms) != 1 || ms[0].ID != "3" {
		t.Fatalf("a after b recreated the namespace: %+v, %v", ms, err)
	}
	if tot, err := a.Total(ctx); tot != 1 || err != nil {
		t.Fatalf("Total = %d, %v", tot, err)
	}
}

// TestFilteredQueriesAgreeWithReference checks ExcludeDocIDs and MinScore
// on 2,000 random 64-dimension vectors against memvec's exact answers.
func TestFilteredQueriesAgreeWithReference(t *testing.T) {
	s := newStore(t, weaviate.Options{})
	ref := memvec.New()
	r := mrand.New(mrand.NewPCG(3, 4))
	randVec := func() []float32 {
		v := make([]float32, 64)
		for j := range v {
			v[j] = r.Float32()*2 - 1
		}
		return v
	}
	var rs []anythingllm.VectorRecord
	for i := range 2000 {
		rs = append(rs, anythingllm.VectorRecord{ID: fmt.Sprintf("c%04d", i), DocID: fmt.Sprintf("doc-%d", i%50), Vector: randVec(), Text: "t"})
	}
	if err := s.Upsert(ctx, "ns", rs); err != nil {
		t.Fatal(err)
	}
	if err := ref.Upsert(ctx, "ns", rs); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		q := &anythingllm.VectorQuery{Vector: randVec(), TopK: 10, MinScore: -1}
		for d := range 5 + i%20 {
			q.ExcludeDocIDs = append(q.ExcludeDocIDs, fmt.Sprintf("doc-%d", (i+d*3)%50))
		}
		if i%3 == 0 {
			q.MinScore = 0.25 // fewer than 10 qualify for some queries
		}
		got, err := s.Query(ctx, "ns", q)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := ref.Query(ctx, "ns", q)
		if !slices.EqualFunc(got, want, func(a, b anythingllm.VectorMatch) bool {
			return a.ID == b.ID && a.DocID == b.DocID && abs(a.Score-b.Score) < 1e-5
		}) {
			t.Fatalf("query %d: %v, reference %v", i, ids(got), ids(want))
		}
		for _, m := range got {
			if slices.Contains(q.ExcludeDocIDs, m.DocID) || m.Score < q.MinScore {
				t.Fatalf("query %d: %s should have been filtered", i, m.ID)
			}
		}
	}
}

func abs(x float32) float32 { return max(x, -x) }

func ids(ms []anythingllm.VectorMatch) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// TestTiesBeyondTheCut: many chunks tie at the TopK cut, more than one
// extra fetched row would show; the lowest IDs must still win.
func TestTiesBeyondTheCut(t *testing.T) {
	for _, idx := range []string{"hnsw", "flat"} {
		s := newStore(t, weaviate.Options{IndexType: idx})
		for i := 25; i >= 0; i-- { // highest ID first
			id := string(rune('a' + i))
			if err := s.Upsert(ctx, "ns", []anythingllm.VectorRecord{{ID: id, DocID: "d", Vector: vec(1, 1)}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Upsert(ctx, "ns", []anythingllm.VectorRecord{{ID: "zz", DocID: "d", Vector: vec(1, 0.9)}}); err != nil {
			t.Fatal(err)
		}
		ms, err := s.Query(ctx, "ns", &anythingllm.VectorQuery{Vector: vec(1, 1), TopK: 2})
		if err != nil || !slices.Equal(ids(ms), []string{"a", "b"}) {
			t.Fatalf("%s: %v, %v; want [a b]", idx, ids(ms), err)
		}
	}
}

// TestDeleteLargeDocument: one batch delete removes at most Weaviate's
// QUERY_MAXIMUM_RESULTS (10,000) objects; DeleteDocument goes on until
// the document is gone.
func TestDeleteLargeDocument(t *testing.T) {
	if testing.Short() {
		t.Skip("stores 10,050 chunks; skipped in -short mode")
	}
	s := newStore(t, weaviate.Options{IndexType: "flat", BatchSize: 500})
	rs := make([]anythingllm.VectorRecord, 10_050)
	for i := range rs {
		rs[i] = anythingllm.VectorRecord{ID: fmt.Sprint(i), DocID: "big", Vector: vec(1, float32(i))}
	}
	rs = append(rs, anythingllm.VectorRecord{ID: "other", DocID: "small", Vector: vec(0, 1)})
	if err := s.Upsert(ctx, "ns", rs); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Count(ctx, "ns"); n != len(rs) || err != nil {
		t.Fatalf("Count = %d, %v, want %d", n, err, len(rs))
	}
	if err := s.DeleteDocument(ctx, "ns", "big"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Count(ctx, "ns"); n != 1 || err != nil {
		t.Fatalf("Count after deleting the big document = %d, %v, want 1", n, err)
	}
}
