package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/anythingllm/collector"
	"github.com/anythingllm-go/anythingllm/anythingllm/collector/collectortest"
	"github.com/anythingllm-go/anythingllm/anythingllm/tokenizer"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/bunstore/bunstoretest"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
)

// countingEmbedder costs nothing: every text gets the same 384-dimension
// vector; it counts its calls and texts.
type countingEmbedder struct {
	v            []float32
	calls, texts atomic.Int64
}

func (e *countingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	e.calls.Add(1)
	e.texts.Add(int64(len(texts)))
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = e.v
	}
	return out, nil
}
func (e *countingEmbedder) Dimensions() int { return len(e.v) }

type corpusFile struct {
	name string
	body []byte
}

// corpus makes n documents, a fifth each of txt, md, html, pdf and docx,
// with varied text (about 3,000 characters; a few paragraphs).
func corpus(b testing.TB, n int) []corpusFile {
	r := rand.New(rand.NewPCG(5, 5))
	words := strings.Fields("the index holds vectors of every chunk while the database keeps the documents and a workspace " +
		"answers questions from its library with citations retrieval augmented generation embeds the query and ranks " +
		"chunks by cosine similarity lighthouse harbour invoice quarterly report onboarding policy kubernetes cluster " +
		"migration release notes customer support ticket latency throughput memory bandwidth")
	para := func() string {
		ws := make([]string, 60+r.IntN(40))
		for i := range ws {
			ws[i] = words[r.IntN(len(words))]
		}
		return strings.Join(ws, " ") + "."
	}
	paras := func(k int) []string {
		out := make([]string, k)
		for i := range out {
			out[i] = para()
		}
		return out
	}
	files := make([]corpusFile, 0, n)
	for i := range n {
		ps := paras(5)
		var body []byte
		var ext string
		switch i % 5 {
		case 0:
			ext, body = "txt", []byte(strings.Join(ps, "\n\n"))
		case 1:
			ext, body = "md", []byte(fmt.Sprintf("# Note %d\n\n%s\n\n## Details\n\n- %s\n", i, strings.Join(ps[:4], "\n\n"), ps[4]))
		case 2:
			ext, body = "html", []byte(fmt.Sprintf("<html><head><title>Page %d</title></head><body><h1>Page %d</h1><p>%s</p></body></html>", i, i, strings.Join(ps, "</p><p>")))
		case 3:
			// One page per paragraph; the PDF builder takes one line a page.
			ext, body = "pdf", collectortest.PDF(ps, false)
		case 4:
			ext, body = "docx", collectortest.DOCX(b, ps...)
		}
		files = append(files, corpusFile{fmt.Sprintf("doc-%04d.%s", i, ext), body})
	}
	return files
}

var (
	parserOnce sync.Once
	parser     *collector.Collector
)

// vmHWM is the process's peak resident set from /proc/self/status, in
// bytes (0 where there is no /proc).
func vmHWM() uint64 { return procStatus("/proc/self/status", "VmHWM:") }

func procStatus(path, field string) uint64 {
	data, err := os.ReadFile(path) // #nosec G304 -- a /proc path built here
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkIngest: a 1,000-document mixed corpus uploaded through the App
// (collector parsing, chunking, SQLite writes of documents and vectors,
// the in-memory index) with an embedder that costs nothing, so the figure
// is the pipeline's own cost. Reports chunks/s, docs/s, embedder calls and
// texts, the peak Go heap sampled every 5 ms ("peak-heap-MB") and the
// process's peak RSS (VmHWM; run it as its own process to read it alone).
func BenchmarkIngest(b *testing.B) {
	n := 1000
	if smoke {
		n = 25
	}
	files := corpus(b, n)
	ctx := context.Background()
	parserOnce.Do(func() {
		parser = collector.New(&collector.Options{CacheDir: b.TempDir()})
		// The first PDF compiles PDFium's WebAssembly: once per process,
		// not per document, so it is done before the clock starts.
		if _, err := parser.Parse(ctx, "warm.pdf", collectortest.PDF([]string{"warm"}, false)); err != nil {
			b.Fatal(err)
		}
	})
	var chunks, calls, texts int64
	var elapsed time.Duration
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		emb := &countingEmbedder{v: make([]float32, 384)}
		emb.v[0] = 1
		idx := flatvec.New(nil)
		app, err := anythingllm.New(anythingllm.Deps{Store: bunstoretest.SQLite(b), Blobs: blobstore.NewMemory(), Vectors: idx,
			Embedder: emb, Tokenizer: tokenizer.New(), LLM: &instantLLM{}, Parser: parser}, &anythingllm.Options{LLMProvider: "instant"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := app.CreateWorkspace(ctx, &anythingllm.WorkspaceSettings{Name: new("corpus")}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		for _, f := range files {
			if _, err := app.UploadDocument(ctx, &anythingllm.UploadRequest{FileName: f.name, Body: bytes.NewReader(f.body), AddToWorkspaces: []string{"corpus"}}); err != nil {
				b.Fatalf("%s: %v", f.name, err)
			}
		}
		elapsed += time.Since(start)
		b.StopTimer()
		got, err := app.VectorCount(ctx)
		if err != nil {
			b.Fatal(err)
		}
		chunks += int64(got)
		calls += emb.calls.Load()
		texts += emb.texts.Load()
		_ = idx.Close()
		b.StartTimer()
	}
	b.StopTimer()
	close(stop)
	<-done
	runs := int64(b.N)
	b.ReportMetric(float64(chunks)/elapsed.Seconds(), "chunks/s")
	b.ReportMetric(float64(int64(n)*runs)/elapsed.Seconds(), "docs/s")
	b.ReportMetric(float64(chunks/runs), "chunks")
	b.ReportMetric(float64(calls/runs), "embed-calls")
	b.ReportMetric(float64(texts/runs), "embed-texts")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(vmHWM())/(1<<20), "VmHWM-MB")
}
