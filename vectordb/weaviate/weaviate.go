// Package weaviate is an anythingllm.VectorStore on a Weaviate server
// (AnythingLLM's VECTOR_DB=weaviate), spoken to over its REST and GraphQL
// API with net/http.
//
//	vs, err := weaviate.New(ctx, &weaviate.Options{
//		Endpoint: os.Getenv("WEAVIATE_ENDPOINT"), // http://127.0.0.1:8080
//		APIKey:   os.Getenv("WEAVIATE_API_KEY"),  // optional, sent as Bearer
//	})
//
// Each workspace namespace is one Weaviate class (collection), named by
// [ClassName] from Options.ClassPrefix and the slug, created on the first
// Upsert with no vectorizer, cosine distance, and the properties chunkId,
// docId (filterable, whole-string tokens), text and metadata (the metadata
// map as JSON text, so any map round-trips). The class description records
// the vectors' dimension ("dimension=384; ..."), which is how every store
// on the same server refuses a vector of the wrong length, also in a
// namespace emptied by DeleteDocument. An object's Weaviate id is a UUID v5
// of the chunk ID, so an Upsert of a known chunk replaces it.
//
// Vectors are sent at unit length; Weaviate's cosine distance is 1 - cos,
// so Score = 1 - distance and Distance is Weaviate's distance. Queries use
// GraphQL nearVector with a distance bound for MinScore and a docId
// NotEqual filter for ExcludeDocIDs; equal scores rank by chunk ID (the
// query fetches more when a tie crosses the TopK cut).
//
// Options.IndexType picks the class's vector index: "hnsw" (default;
// approximate, Options.EF trades speed for recall) or "flat" (an exact
// scan). Filtered queries (ExcludeDocIDs) over fewer than 40,000 objects
// are exact with either: Weaviate then scans the allowed objects. Weaviate
// returns at most QUERY_MAXIMUM_RESULTS (default 10,000) matches per query,
// so a larger TopK is capped there.
//
// BenchmarkWeaviate, 10,000 random 384-dimension vectors, server and client
// on one 2-core machine: an hnsw class (EF 256) loads about 830 rows/s and
// answers a top-10 query in about 4 ms (17x flatvec's time) with recall@10
// 0.95 (random vectors are HNSW's hard case); a flat class loads about
// 3,300 rows/s and answers in about 11 ms (45x flatvec), exactly. Most of
// a query's time is the GraphQL request itself.
//
// Several stores, in one process or many, may share a server: they see
// each other's writes at once (this package caches only dimensions, and
// re-checks them against the server before refusing anything).
package weaviate

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/vectordb/internal/vecmath"
	"github.com/google/uuid"
)

// Options configure the store. Endpoint is required.
type Options struct {
	// Endpoint is the server's base URL (AnythingLLM's WEAVIATE_ENDPOINT),
	// e.g. http://127.0.0.1:8080; "http://" is assumed without a scheme.
	Endpoint string
	// APIKey (WEAVIATE_API_KEY) is sent as "Authorization: Bearer"; it
	// never appears in errors.
	APIKey string
	// HTTPClient defaults to a client of its own (no timeout: ctx bounds
	// each call).
	HTTPClient *http.Client
	// ClassPrefix starts every class name, so one Weaviate can hold
	// several deployments; default "Anythingllm". It must match
	// [A-Z][A-Za-z0-9]* (no '_': see ClassName).
	ClassPrefix string
	// IndexType is the vector index of new classes: "hnsw" (default) or
	// "flat".
	IndexType string
	// EF is HNSW's search breadth for new classes (Weaviate's ef; it never
	// goes below the query's limit); default 256. Higher is slower and
	// closer to exact.
	EF int
	// BatchSize is how many objects one batch request carries; default
	// 100.
	BatchSize int
}

// queryMaxResults is Weaviate's default QUERY_MAXIMUM_RESULTS: no query or
// batch delete handles more objects at once.
const queryMaxResults = 10_000

// chunkNS is the UUID v5 namespace of object ids (uuid.NewSHA1 of the
// chunk ID).
var chunkNS = uuid.MustParse("6f1e3a52-5c4b-4f0e-9a57-3d1b0c9e8a21")

// Store is the Weaviate vector store. It is safe for concurrent use.
type Store struct {
	base      string // endpoint without a trailing '/'
	apiKey    string
	hc        *http.Client
	ownClient bool
	prefix    string
	indexType string
	ef        int
	batchSize int

	mu   sync.Mutex
	dims map[string]int // class -> dimension, as last read or written
}

var _ anythingllm.VectorStore = (*Store)(nil)

// New checks the endpoint (GET /v1/meta, which also checks the key) and
// returns a store.
func New(ctx context.Context, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	ep := strings.TrimSpace(o.Endpoint)
	if ep != "" && !strings.Contains(ep, "://") {
		ep = "http://" + ep
	}
	u, err := url.Parse(ep)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "weaviate: endpoint must be an http(s) URL with a host")
	}
	s := &Store{
		base:      strings.TrimRight(u.String(), "/"),
		apiKey:    o.APIKey,
		hc:        o.HTTPClient,
		prefix:    cmp.Or(o.ClassPrefix, "Anythingllm"),
		indexType: cmp.Or(o.IndexType, "hnsw"),
		ef:        cmp.Or(o.EF, 256),
		batchSize: cmp.Or(o.BatchSize, 100),
		dims:      map[string]int{},
	}
	if s.hc == nil {
		s.hc, s.ownClient = &http.Client{}, true
	}
	if !prefixRE.MatchString(s.prefix) {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "weaviate: ClassPrefix %q must match %s", s.prefix, prefixRE)
	}
	if s.indexType != "hnsw" && s.indexType != "flat" {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "weaviate: IndexType %q is neither hnsw nor flat", s.indexType)
	}
	var meta struct {
		Version string `json:"version"`
	}
	if err := s.do(ctx, http.MethodGet, "/v1/meta", nil, &meta); err != nil {
		return nil, err
	}
	return s, nil
}

// class is the class of a namespace.
func (s *Store) class(namespace string) string { return ClassName(s.prefix, namespace) }

// classInfo is the part of a class definition the store reads.
type classInfo struct {
	Class       string `json:"class"`
	Description string `json:"description"`
}

var dimRE = regexp.MustCompile(`^dimension=(\d+);`)

// dimension returns the dimension of class as the server has it, 0 when
// the class holds no vector and records none, and ok=false when it does
// not exist. It refreshes the cache.
func (s *Store) dimension(ctx context.Context, class string) (dim int, ok bool, err error) {
	var ci classInfo
	if err := s.do(ctx, http.MethodGet, "/v1/schema/"+url.PathEscape(class), nil, &ci); err != nil {
		if status(err) == http.StatusNotFound {
			s.forget(class)
			return 0, false, nil
		}
		return 0, false, err
	}
	if m := dimRE.FindStringSubmatch(ci.Description); m != nil {
		dim, _ = strconv.Atoi(m[1])
	} else {
		// A class this package did not create: read one object's vector.
		var objs struct {
			Objects []struct {
				Vector []float32 `json:"vector"`
			} `json:"objects"`
		}
		q := url.Values{"class": {class}, "limit": {"1"}, "include": {"vector"}}
		if err := s.do(ctx, http.MethodGet, "/v1/objects?"+q.Encode(), nil, &objs); err != nil {
			return 0, false, err
		}
		if len(objs.Objects) > 0 {
			dim = len(objs.Objects[0].Vector)
		}
	}
	if dim > 0 {
		s.mu.Lock()
		s.dims[class] = dim
		s.mu.Unlock()
	}
	return dim, true, nil
}

func (s *Store) forget(class string) {
	s.mu.Lock()
	delete(s.dims, class)
	s.mu.Unlock()
}

func (s *Store) cachedDim(class string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dims[class]
}

// createClass makes the class for vectors of dim dimensions. Another store
// creating it first is fine: the caller reads the dimension back.
func (s *Store) createClass(ctx context.Context, namespace, class string, dim int) error {
	vic := map[string]any{"distance": "cosine"}
	if s.indexType == "hnsw" {
		vic["ef"] = s.ef
		// Exact scores need uncompressed vectors, whatever the server's
		// DEFAULT_QUANTIZATION says.
		vic["skipDefaultQuantization"] = true
	}
	prop := func(name string, filterable bool) map[string]any {
		p := map[string]any{"name": name, "dataType": []string{"text"}, "indexSearchable": false, "indexFilterable": filterable}
		if filterable {
			p["tokenization"] = "field" // match whole IDs
		}
		return p
	}
	def := map[string]any{
		"class":             class,
		"description":       fmt.Sprintf("dimension=%d; anythingllm-go vectors of workspace %q", dim, namespace),
		"vectorizer":        "none",
		"vectorIndexType":   s.indexType,
		"vectorIndexConfig": vic,
		"properties": []any{
			prop("chunkId", true), prop("docId", true), prop("text", false), prop("metadata", false),
		},
	}
	err := s.do(ctx, http.MethodPost, "/v1/schema", def, nil)
	if err != nil && status(err) == http.StatusUnprocessableEntity && strings.Contains(err.Error(), "already exists") {
		return nil
	}
	return err
}

// Upsert adds records, replacing any with the same ID; within one call the
// last record of an ID wins. The batch is validated whole before anything
// is sent.
func (s *Store) Upsert(ctx context.Context, namespace string, records []anythingllm.VectorRecord) error {
	if len(records) == 0 {
		return nil
	}
	vecs, err := vecmath.NormalizedAll(records)
	if err != nil {
		return err
	}
	dim := len(vecs[0])
	class := s.class(namespace)
	// Ask the server every time: another store may have dropped or
	// recreated the class, and a batch into a missing class would have
	// Weaviate's auto-schema create it with its own settings.
	have, ok, err := s.dimension(ctx, class)
	if err != nil {
		return err
	}
	if !ok {
		if err := s.createClass(ctx, namespace, class, dim); err != nil {
			return err
		}
		if have, _, err = s.dimension(ctx, class); err != nil {
			return err
		}
	}
	if have != 0 && have != dim {
		return vecmath.DimMismatch(dim, have)
	}
	// The last record of an ID wins: keep only it, in first-seen order.
	last := make(map[string]int, len(records))
	for i, r := range records {
		last[r.ID] = i
	}
	type object struct {
		Class      string            `json:"class"`
		ID         string            `json:"id"`
		Properties map[string]string `json:"properties"`
		Vector     []float32         `json:"vector"`
	}
	objs := make([]object, 0, len(last))
	for i, r := range records {
		if last[r.ID] != i {
			continue
		}
		meta := ""
		if r.Metadata != nil {
			b, err := json.Marshal(r.Metadata)
			if err != nil {
				return anythingllm.WrapError(anythingllm.InvalidArgument, err, "vector record %q: metadata is not JSON", r.ID)
			}
			meta = string(b)
		}
		objs = append(objs, object{
			Class: class, ID: uuid.NewSHA1(chunkNS, []byte(r.ID)).String(), Vector: vecs[i],
			Properties: map[string]string{"chunkId": r.ID, "docId": r.DocID, "text": r.Text, "metadata": meta},
		})
	}
	for lo := 0; lo < len(objs); lo += s.batchSize {
		chunk := objs[lo:min(lo+s.batchSize, len(objs))]
		if _, err := s.settle(ctx, class, func() error { return s.batch(ctx, chunk) }); err != nil {
			return err
		}
	}
	return nil
}

// settleRetries bounds how often settle retries, 50 ms apart.
const settleRetries = 40

// transient reports whether err says a class is not (yet or any more)
// known where it was asked for: Weaviate applies a schema change to its
// GraphQL schema and loads the new class's index on the node a moment
// after the change is committed.
func transient(err error) bool {
	if unknownClass(err) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "non-existing index") || strings.Contains(msg, "not found locally")
}

// settle runs fn, and while it fails with a transient error and the class
// exists, again after a pause. exists is false when the class turned out
// not to exist; err is then fn's error.
func (s *Store) settle(ctx context.Context, class string, fn func() error) (exists bool, err error) {
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || !transient(err) {
			return true, err
		}
		_, ok, derr := s.dimension(ctx, class)
		switch {
		case derr != nil:
			return true, err
		case !ok:
			return false, err
		case attempt == settleRetries:
			return true, err
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return true, err
		}
	}
}

// batch imports objects with one request and checks each one's result.
func (s *Store) batch(ctx context.Context, objs any) error {
	var res []struct {
		ID     string `json:"id"`
		Result struct {
			Errors *struct {
				Error []struct {
					Message string `json:"message"`
				} `json:"error"`
			} `json:"errors"`
		} `json:"result"`
	}
	if err := s.do(ctx, http.MethodPost, "/v1/batch/objects", map[string]any{"objects": objs}, &res); err != nil {
		return err
	}
	for _, r := range res {
		if r.Result.Errors == nil || len(r.Result.Errors.Error) == 0 {
			continue
		}
		msg := s.redact(r.Result.Errors.Error[0].Message)
		code := anythingllm.Unavailable
		if strings.Contains(msg, "vector lengths don't match") {
			code = anythingllm.InvalidArgument
		}
		return anythingllm.Errorf(code, "weaviate: storing object %s: %s", r.ID, msg)
	}
	return nil
}

// hit is one object of a query answer.
type hit struct {
	ChunkID    string `json:"chunkId"`
	DocID      string `json:"docId"`
	Text       string `json:"text"`
	Metadata   string `json:"metadata"`
	Additional struct {
		Distance float32 `json:"distance"`
	} `json:"_additional"`
}

func (h *hit) score() float32 { return 1 - h.Additional.Distance }

// Query returns the TopK nearest chunks by cosine similarity. Matches carry
// ID, DocID, Text and Metadata, but no Vector.
func (s *Store) Query(ctx context.Context, namespace string, q *anythingllm.VectorQuery) ([]anythingllm.VectorMatch, error) {
	qv, err := vecmath.QueryVector(q)
	if err != nil {
		return nil, err
	}
	class := s.class(namespace)
	dim := s.cachedDim(class)
	if dim != len(qv) {
		// Unknown, or changed by another store: ask the server.
		var ok bool
		if dim, ok, err = s.dimension(ctx, class); err != nil {
			return nil, err
		}
		if !ok || dim == 0 {
			return nil, nil // no such namespace, or no vector in it
		}
		if dim != len(qv) {
			return nil, vecmath.DimMismatch(len(qv), dim)
		}
	}
	k := min(vecmath.TopKOf(q.TopK), queryMaxResults)
	limit := min(k+1, queryMaxResults) // one more shows whether a tie crosses the cut
	for {
		var hits []hit
		exists, err := s.settle(ctx, class, func() (err error) {
			hits, err = s.search(ctx, class, qv, q, limit)
			return err
		})
		if !exists {
			return nil, nil // dropped meanwhile
		}
		if err != nil {
			return nil, err
		}
		slices.SortFunc(hits, func(a, b hit) int {
			return cmp.Or(cmp.Compare(b.score(), a.score()), strings.Compare(a.ChunkID, b.ChunkID))
		})
		// A full page whose last hit scores like the k-th may have left
		// out hits of that score that rank before some kept (by ID):
		// fetch more.
		if len(hits) == limit && len(hits) > k && limit < queryMaxResults && hits[limit-1].score() == hits[k-1].score() {
			limit = min(limit*2, queryMaxResults)
			continue
		}
		out := make([]anythingllm.VectorMatch, 0, min(k, len(hits)))
		for _, h := range hits {
			if len(out) == k {
				break
			}
			sc := h.score()
			if sc < q.MinScore {
				break // sorted: the rest score lower
			}
			m := anythingllm.VectorMatch{
				VectorRecord: anythingllm.VectorRecord{ID: h.ChunkID, DocID: h.DocID, Text: h.Text},
				Score:        sc, Distance: h.Additional.Distance,
			}
			if h.Metadata != "" {
				if err := json.Unmarshal([]byte(h.Metadata), &m.Metadata); err != nil {
					return nil, anythingllm.WrapError(anythingllm.Unavailable, err, "weaviate: chunk %q has unreadable metadata", h.ChunkID)
				}
			}
			out = append(out, m)
		}
		return out, nil
	}
}

// search runs one nearVector query.
func (s *Store) search(ctx context.Context, class string, qv []float32, q *anythingllm.VectorQuery, limit int) ([]hit, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "{ Get { %s(nearVector: {vector: [", class)
	for i, x := range qv {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(float64(x), 'g', -1, 32))
	}
	b.WriteString("]")
	if q.MinScore > -1 {
		// Weaviate keeps distance <= bound; the slack keeps a match whose
		// score rounds to MinScore, and the exact cut is made here.
		bound := math.Max(0, 1-float64(q.MinScore)+1e-5)
		fmt.Fprintf(&b, ", distance: %s", strconv.FormatFloat(bound, 'g', -1, 64))
	}
	fmt.Fprintf(&b, "}, limit: %d", limit)
	if w := excludeFilter(q.ExcludeDocIDs); w != "" {
		b.WriteString(", where: ")
		b.WriteString(w)
	}
	b.WriteString(") { chunkId docId text metadata _additional { distance } } } }")
	var data struct {
		Get map[string][]hit `json:"Get"`
	}
	if err := s.graphql(ctx, b.String(), &data); err != nil {
		return nil, err
	}
	return data.Get[class], nil
}

// excludeFilter is a GraphQL where filter dropping the documents ids, ""
// for none.
func excludeFilter(ids []string) string {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	ops := make([]string, len(ids))
	for i, id := range ids {
		ops[i] = fmt.Sprintf(`{path: ["docId"], operator: NotEqual, valueText: %s}`, gqlString(id))
	}
	switch len(ops) {
	case 0:
		return ""
	case 1:
		return ops[0]
	}
	return "{operator: And, operands: [" + strings.Join(ops, ", ") + "]}"
}

// gqlString quotes s as a GraphQL string: JSON's escapes are a subset of
// GraphQL's.
func gqlString(s string) string {
	b, _ := json.Marshal(s) // a string always encodes
	return string(b)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// DeleteDocument removes every chunk of a document; an unknown namespace
// or document is not an error.
func (s *Store) DeleteDocument(ctx context.Context, namespace, docID string) error {
	class := s.class(namespace)
	body := map[string]any{
		"match": map[string]any{
			"class": class,
			"where": map[string]any{"path": []string{"docId"}, "operator": "Equal", "valueText": docID},
		},
		"output": "minimal",
	}
	for {
		var res struct {
			Results struct {
				Matches    int `json:"matches"`
				Limit      int `json:"limit"`
				Successful int `json:"successful"`
				Failed     int `json:"failed"`
			} `json:"results"`
		}
		err := s.do(ctx, http.MethodDelete, "/v1/batch/objects", body, &res)
		if err != nil {
			// A missing class is a 500 ("failed to get class"): check.
			_, ok, derr := s.dimension(ctx, class)
			if derr == nil && !ok {
				return nil
			}
			if !transient(err) {
				return err
			}
			if _, err := s.settle(ctx, class, func() error {
				return s.do(ctx, http.MethodDelete, "/v1/batch/objects", body, &res)
			}); err != nil {
				return err
			}
		}
		r := res.Results
		if r.Failed > 0 {
			return anythingllm.Errorf(anythingllm.Unavailable, "weaviate: deleting document %q: %d of %d chunks failed", docID, r.Failed, r.Matches)
		}
		// One request deletes at most QUERY_MAXIMUM_RESULTS objects.
		if r.Limit <= 0 || r.Matches < r.Limit {
			return nil
		}
	}
}

// DeleteNamespace drops the namespace's class; an unknown one is not an
// error.
func (s *Store) DeleteNamespace(ctx context.Context, namespace string) error {
	class := s.class(namespace)
	s.forget(class)
	err := s.do(ctx, http.MethodDelete, "/v1/schema/"+url.PathEscape(class), nil, nil)
	s.forget(class) // a Query meanwhile may have cached it again
	if status(err) == http.StatusNotFound {
		return nil
	}
	return err
}

// Count returns how many chunks a namespace holds; ErrNotFound for an
// unknown one.
func (s *Store) Count(ctx context.Context, namespace string) (int, error) {
	class := s.class(namespace)
	var counts map[string]int
	exists, err := s.settle(ctx, class, func() (err error) {
		counts, err = s.counts(ctx, []string{class})
		return err
	})
	if !exists {
		return 0, vecmath.NotFound(namespace)
	}
	if err != nil {
		return 0, err
	}
	return counts[class], nil
}

// Total returns how many chunks all namespaces of this ClassPrefix hold.
func (s *Store) Total(ctx context.Context) (int, error) {
	for attempt := 0; ; attempt++ {
		var sch struct {
			Classes []classInfo `json:"classes"`
		}
		if err := s.do(ctx, http.MethodGet, "/v1/schema", nil, &sch); err != nil {
			return 0, err
		}
		var classes []string
		for _, c := range sch.Classes {
			if ownsClass(s.prefix, c.Class) {
				classes = append(classes, c.Class)
			}
		}
		if len(classes) == 0 {
			return 0, nil
		}
		counts, err := s.counts(ctx, classes)
		if err != nil && transient(err) && attempt < settleRetries {
			// A class dropped or created meanwhile: list again.
			if err := sleep(ctx, 50*time.Millisecond); err != nil {
				return 0, err
			}
			continue
		}
		if err != nil {
			return 0, err
		}
		total := 0
		for _, n := range counts {
			total += n
		}
		return total, nil
	}
}

// counts returns the object count of each class, with one Aggregate query.
func (s *Store) counts(ctx context.Context, classes []string) (map[string]int, error) {
	var b strings.Builder
	b.WriteString("{ Aggregate {")
	for _, c := range classes {
		fmt.Fprintf(&b, " %s { meta { count } }", c)
	}
	b.WriteString(" } }")
	var data struct {
		Aggregate map[string][]struct {
			Meta struct {
				Count int `json:"count"`
			} `json:"meta"`
		} `json:"Aggregate"`
	}
	if err := s.graphql(ctx, b.String(), &data); err != nil {
		return nil, err
	}
	out := make(map[string]int, len(classes))
	for _, c := range classes {
		if rows := data.Aggregate[c]; len(rows) > 0 {
			out[c] = rows[0].Meta.Count
		}
	}
	return out, nil
}

// Close releases idle connections of the store's own HTTP client. The data
// stay on the server.
func (s *Store) Close() error {
	if s.ownClient {
		s.hc.CloseIdleConnections()
	}
	return nil
}
