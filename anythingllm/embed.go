package anythingllm

import (
	"context"
	"encoding/json"
	"errors"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/anythingllm-go/anythingllm/anythingllm/textsplit"
	"github.com/google/uuid"
)

// DefaultEmbedBatchSize is how many chunks go to the embedder per call.
const DefaultEmbedBatchSize = 500

// EmbeddingsResult is what UpdateEmbeddings did.
type EmbeddingsResult struct {
	Workspace *WorkspaceDetail
	// NotFound lists the docpaths in adds or deletes that named no
	// document (upstream skips them silently).
	NotFound []string
}

// UpdateEmbeddings removes (deletes first) and embeds (adds) documents in a
// workspace, by docpath. Adding a document that is already embedded does
// nothing: its vectors are not duplicated.
func (a *App) UpdateEmbeddings(ctx context.Context, slug string, adds, deletes []string) (*EmbeddingsResult, error) {
	w, err := a.workspace(ctx, slug)
	if err != nil {
		return nil, err
	}
	for _, p := range append(append([]string{}, adds...), deletes...) {
		if err := validDocpath(p); err != nil {
			return nil, err
		}
	}
	res := &EmbeddingsResult{}
	for _, p := range deletes {
		wd, err := a.deps.Store.Documents().Get(ctx, w.ID, p)
		if Code(err) == NotFound {
			res.NotFound = append(res.NotFound, p)
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := a.unembed(ctx, w, wd); err != nil {
			return nil, err
		}
	}
	for _, p := range adds {
		if _, err := a.deps.Store.Documents().Get(ctx, w.ID, p); err == nil {
			continue // already embedded
		} else if Code(err) != NotFound {
			return nil, err
		}
		doc, err := a.LoadDocument(ctx, p)
		if Code(err) == NotFound {
			res.NotFound = append(res.NotFound, p)
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := a.embed(ctx, w, p, doc); err != nil {
			return nil, err
		}
	}
	if res.Workspace, err = a.GetWorkspace(ctx, slug); err != nil {
		return nil, err
	}
	return res, nil
}

func (a *App) unembed(ctx context.Context, w *Workspace, wd *WorkspaceDocument) error {
	if err := a.deps.Store.Documents().Remove(ctx, wd.DocID); err != nil {
		return err
	}
	if a.deps.Vectors != nil {
		if err := a.deps.Vectors.DeleteDocument(ctx, w.Slug, wd.DocID); err != nil {
			return err
		}
	}
	return nil
}

// chunkMetadata is what every chunk of a document carries.
func chunkMetadata(doc *Document) map[string]any {
	return map[string]any{
		"url": doc.URL, "title": doc.Title, "docAuthor": doc.DocAuthor, "description": doc.Description,
		"docSource": doc.DocSource, "chunkSource": doc.ChunkSource, "published": doc.Published,
		"wordCount": doc.WordCount, "token_count_estimate": doc.TokenCountEstimate,
	}
}

// embed splits, embeds and stores one document in a workspace. The SQL
// write of the document link and all its vectors is one transaction, so a
// crash leaves the document either fully embedded or not at all; the index
// is updated after the commit.
func (a *App) embed(ctx context.Context, w *Workspace, docpath string, doc *Document) error {
	if a.deps.Embedder == nil {
		return Errorf(Unavailable, "no embedding engine is configured")
	}
	size, overlap := a.chunkSettings(ctx)
	header := textsplit.MetadataHeader(textsplit.Header{Title: doc.Title, Published: doc.Published, ChunkSource: doc.ChunkSource})
	chunks := textsplit.Split(doc.PageContent, &textsplit.Options{ChunkSize: size, ChunkOverlap: overlap})
	if len(chunks) == 0 {
		return Errorf(InvalidArgument, "No text content found in %s.", path.Base(docpath))
	}
	texts := make([]string, len(chunks))
	for i, c := range chunks {
		texts[i] = header + c
	}
	vecs := a.cachedVectors(ctx, docpath, texts)
	if vecs == nil {
		var err error
		if vecs, err = a.embedBatched(ctx, texts); err != nil {
			return err
		}
	}
	meta := chunkMetadata(doc)
	records := make([]VectorRecord, len(texts))
	docID := uuid.NewString()
	for i := range texts {
		records[i] = VectorRecord{ID: uuid.NewString(), DocID: docID, Vector: vecs[i], Text: texts[i], Metadata: meta}
	}
	stored := *doc
	stored.PageContent = ""
	metaJSON, _ := json.Marshal(struct {
		Document
		PageContent *string `json:"pageContent,omitempty"`
	}{Document: stored})
	now := a.now()
	wd := &WorkspaceDocument{DocID: docID, Filename: path.Base(docpath), Docpath: docpath, WorkspaceID: w.ID,
		Metadata: string(metaJSON), CreatedAt: now, LastUpdatedAt: now}
	if err := a.deps.Store.Documents().Add(ctx, wd, records); err != nil {
		return err
	}
	if a.deps.Vectors != nil {
		if err := a.deps.Vectors.Upsert(ctx, w.Slug, records); err != nil {
			// An external engine (pgvector, Weaviate) can fail after the
			// SQL rows were written: take them back so the document is
			// either embedded everywhere or nowhere. A partial upsert in the
			// engine is removed with them.
			rctx := context.WithoutCancel(ctx)
			_ = a.deps.Vectors.DeleteDocument(rctx, w.Slug, docID)
			if rerr := a.deps.Store.Documents().Remove(rctx, docID); rerr != nil {
				return errors.Join(err, rerr)
			}
			return err
		}
	}
	return nil
}

// cachedVectors returns the vectors this document already has in another
// workspace when its chunks are unchanged (same texts, same order), so the
// same text is never embedded twice. nil means "embed".
func (a *App) cachedVectors(ctx context.Context, docpath string, texts []string) [][]float32 {
	links, err := a.deps.Store.Documents().ListByDocpath(ctx, docpath)
	if err != nil || len(links) == 0 {
		return nil
	}
	recs, err := a.deps.Store.Documents().VectorsByDoc(ctx, links[0].DocID)
	if err != nil || len(recs) != len(texts) {
		return nil
	}
	dims := a.deps.Embedder.Dimensions()
	out := make([][]float32, len(recs))
	for i, r := range recs {
		if r.Text != texts[i] || (dims > 0 && len(r.Vector) != dims) {
			return nil
		}
		out[i] = r.Vector
	}
	return out
}

// embedBatched embeds texts in batches of EmbedBatchSize, EmbedConcurrency
// batches at a time, keeping order: ceil(len/batch) calls. A batch that
// fails with RateLimited or Unavailable is retried with exponential backoff.
func (a *App) embedBatched(ctx context.Context, texts []string) ([][]float32, error) {
	batch := a.opts.EmbedBatchSize
	if batch <= 0 {
		batch = DefaultEmbedBatchSize
	}
	workers := a.opts.EmbedConcurrency
	if workers <= 0 {
		workers = 2
	}
	out := make([][]float32, len(texts))
	type job struct{ lo, hi int }
	jobs := make(chan job)
	errs := make(chan error, workers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				vs, err := a.embedTexts(ctx, a.deps.Embedder, texts[j.lo:j.hi])
				if err == nil && len(vs) != j.hi-j.lo {
					err = Errorf(Internal, "the embedder returned %d vectors for %d texts", len(vs), j.hi-j.lo)
				}
				if err != nil {
					errs <- err
					cancel()
					return
				}
				copy(out[j.lo:j.hi], vs)
			}
		}()
	}
feed:
	for lo := 0; lo < len(texts); lo += batch {
		select {
		case jobs <- job{lo, min(lo+batch, len(texts))}:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// chunkSettings reads the text splitter settings.
func (a *App) chunkSettings(ctx context.Context) (int, int) {
	size, overlap := textsplit.DefaultChunkSize, textsplit.DefaultChunkOverlap
	if v, err := a.deps.Store.Settings().Get(ctx, "text_splitter_chunk_size"); err == nil {
		if n, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && n > 0 {
			size = int(n)
		}
	}
	if v, err := a.deps.Store.Settings().Get(ctx, "text_splitter_chunk_overlap"); err == nil {
		if n, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && n >= 0 {
			overlap = int(n)
		}
	}
	return size, overlap
}

// UpdatePin pins or unpins an embedded document in a workspace.
func (a *App) UpdatePin(ctx context.Context, slug, docpath string, pinned bool) error {
	w, err := a.workspace(ctx, slug)
	if err != nil {
		return err
	}
	if err := validDocpath(docpath); err != nil {
		return err
	}
	err = a.deps.Store.Documents().SetPinned(ctx, w.ID, docpath, pinned)
	if Code(err) == NotFound {
		return Errorf(NotFound, "document %s is not embedded in this workspace", quoteName(docpath))
	}
	return err
}

// SearchResult is one vector-search hit, in upstream's shape.
type SearchResult struct {
	ID       string         `json:"id"`
	Text     string         `json:"text"`
	Metadata SearchMetadata `json:"metadata"`
	Distance float32        `json:"distance"`
	Score    float32        `json:"score"`
}

// SearchMetadata is the document metadata of a hit.
type SearchMetadata struct {
	URL         string `json:"url"`
	Title       string `json:"title"`
	Author      string `json:"author"`
	Description string `json:"description"`
	DocSource   string `json:"docSource"`
	ChunkSource string `json:"chunkSource"`
	Published   string `json:"published"`
	WordCount   int    `json:"wordCount"`
	TokenCount  int    `json:"tokenCount"`
}

// VectorSearchRequest asks for the chunks nearest a query.
type VectorSearchRequest struct {
	Query          string
	TopN           *float64 // nil, NaN or < 1: the workspace's topN
	ScoreThreshold *float64 // nil or outside 0..1: the workspace's threshold
}

// VectorSearch embeds the query and returns the nearest chunks of the
// workspace, best first. No vectors: no results (not an error).
func (a *App) VectorSearch(ctx context.Context, slug string, req *VectorSearchRequest) ([]SearchResult, error) {
	w, err := a.workspace(ctx, slug)
	if err != nil {
		return nil, WrapError(NotFound, err, "Workspace %s is not a valid workspace.", slug)
	}
	if strings.TrimSpace(req.Query) == "" {
		return nil, Errorf(InvalidArgument, "Query parameter cannot be empty.")
	}
	topN, threshold := searchSettings(w)
	if req.TopN != nil && *req.TopN >= 1 {
		topN = int(*req.TopN)
	}
	if req.ScoreThreshold != nil && *req.ScoreThreshold >= 0 && *req.ScoreThreshold <= 1 {
		threshold = *req.ScoreThreshold
	}
	return a.searchWorkspace(ctx, w, req.Query, topN, threshold, nil)
}

// searchWorkspace is the retrieval step shared by search and chat.
func (a *App) searchWorkspace(ctx context.Context, w *Workspace, query string, topN int, threshold float64, exclude []string) ([]SearchResult, error) {
	if a.deps.Vectors == nil || a.deps.Embedder == nil {
		return nil, Errorf(Unavailable, "vector search is not configured (no vector index or embedder)")
	}
	n, err := a.indexedVectors(ctx, w)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return []SearchResult{}, nil
	}
	return a.queryIndex(ctx, w, query, topN, threshold, exclude)
}

// indexedVectors waits for the vector index to be loaded and counts the
// workspace's vectors in it (0 when there is no index). A chat turn asks
// once.
func (a *App) indexedVectors(ctx context.Context, w *Workspace) (int, error) {
	if a.deps.Vectors == nil {
		return 0, nil
	}
	if err := a.waitIndex(ctx); err != nil {
		return 0, err
	}
	n, err := a.deps.Vectors.Count(ctx, w.Slug)
	switch {
	case err == nil:
		return n, nil
	case Code(err) == Unavailable:
		return 0, err // an external engine that is down: say so, not "nothing found"
	}
	return 0, nil // an unknown namespace has nothing to search

}

// queryIndex embeds the query and searches a workspace's vectors; the
// caller has checked that the index is ready and holds some.
func (a *App) queryIndex(ctx context.Context, w *Workspace, query string, topN int, threshold float64, exclude []string) ([]SearchResult, error) {
	if a.deps.Vectors == nil || a.deps.Embedder == nil {
		return nil, Errorf(Unavailable, "vector search is not configured (no vector index or embedder)")
	}
	qv, err := a.embedTexts(ctx, a.deps.Embedder, []string{query})
	if err != nil {
		return nil, err
	}
	ms, err := a.deps.Vectors.Query(ctx, w.Slug, &VectorQuery{Vector: qv[0], TopK: topN, MinScore: float32(threshold), ExcludeDocIDs: exclude})
	if err != nil {
		return nil, err
	}
	out := make([]SearchResult, len(ms))
	for i, m := range ms {
		out[i] = SearchResult{ID: m.ID, Text: m.Text, Distance: m.Distance, Score: m.Score, Metadata: searchMetadata(m.Metadata)}
	}
	return out, nil
}

func searchMetadata(m map[string]any) SearchMetadata {
	s := func(k string) string { v, _ := m[k].(string); return v }
	n := func(k string) int {
		switch v := m[k].(type) {
		case float64:
			return int(v)
		case int:
			return v
		}
		return 0
	}
	return SearchMetadata{URL: s("url"), Title: s("title"), Author: s("docAuthor"), Description: s("description"),
		DocSource: s("docSource"), ChunkSource: s("chunkSource"), Published: s("published"),
		WordCount: n("wordCount"), TokenCount: n("token_count_estimate")}
}

// VectorCount counts stored vectors in every workspace.
func (a *App) VectorCount(ctx context.Context) (int, error) {
	return a.deps.Store.Documents().CountVectors(ctx, 0)
}

// RemoveDocuments deletes documents for good: their embeddings in every
// workspace, then their files. Unknown names are skipped.
func (a *App) RemoveDocuments(ctx context.Context, docpaths []string) error {
	for _, p := range docpaths {
		if err := validDocpath(p); err != nil {
			return err
		}
	}
	for _, p := range docpaths {
		links, err := a.deps.Store.Documents().ListByDocpath(ctx, p)
		if err != nil {
			return err
		}
		for _, l := range links {
			w, err := a.deps.Store.Workspaces().Get(ctx, l.WorkspaceID)
			if err != nil {
				return err
			}
			if err := a.unembed(ctx, w, &l); err != nil {
				return err
			}
		}
		if err := a.blobs().Delete(ctx, documentsRoot+"/"+p); err != nil && Code(err) != NotFound {
			return err
		}
	}
	return nil
}

// indexState tracks the in-memory index load.
type indexState struct {
	ready atomic.Bool
	done  chan struct{}
}

// LoadVectorIndex fills Deps.Vectors from the vectors stored in SQL (or
// lets it load itself when it is a VectorLoader). Run it once at start (the
// server answers /api/ping meanwhile); searches wait for it. It returns how
// many vectors it loaded.
func (a *App) LoadVectorIndex(ctx context.Context) (int, error) {
	defer a.index.once.Do(func() { close(a.index.done) })
	if a.deps.Vectors == nil {
		a.index.ready.Store(true)
		return 0, nil
	}
	var n int
	var err error
	if l, ok := a.deps.Vectors.(VectorLoader); ok {
		n, err = l.Load(ctx)
	} else {
		n, err = LoadStoredVectors(ctx, a.deps.Store.Documents(), a.deps.Vectors)
	}
	if err != nil {
		return n, err
	}
	a.index.ready.Store(true)
	return n, nil
}

// IndexReady reports whether the vector index has been loaded.
func (a *App) IndexReady() bool { return a.index.ready.Load() || !a.opts.LoadIndexAtStart }

// waitIndex waits for LoadVectorIndex when the App was told one will run.
func (a *App) waitIndex(ctx context.Context) error {
	if a.IndexReady() {
		return nil
	}
	select {
	case <-a.index.done:
		if !a.index.ready.Load() {
			return Errorf(Unavailable, "the vector index failed to load; see the server log")
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
