package main

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/anythingllm-go/anythingllm/bench/internal/benchdata"
)

// num prints a figure with three significant digits.
func num(v float64) string {
	switch a := math.Abs(v); {
	case a == 0:
		return "0"
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}

// cell prints "median (min–max)", or the value alone for one run.
func cell(s stat) string {
	if s.N == 0 {
		return "–"
	}
	if s.N == 1 || s.Min == s.Max {
		return num(s.Median)
	}
	return fmt.Sprintf("%s (%s–%s)", num(s.Median), num(s.Min), num(s.Max))
}

func (r *runner) cell(name, unit string) string {
	s, ok := r.res.get(name, unit)
	if !ok {
		return "–"
	}
	return cell(s)
}

// vsNames lists the vector search sizes measured and the modes per size.
func (r *runner) vectorSizes() []benchdata.Size {
	seen := map[benchdata.Size]bool{}
	for name := range r.res {
		rest, ok := strings.CutPrefix(name, "VectorSearch/")
		if !ok {
			continue
		}
		sz, _, _ := strings.Cut(rest, "/")
		if s, err := benchdata.ParseSizes(sz); err == nil {
			seen[s[0]] = true
		}
	}
	sizes := slices.Collect(maps.Keys(seen))
	slices.SortFunc(sizes, func(a, b benchdata.Size) int { return cmp.Or(cmp.Compare(a.Dim, b.Dim), cmp.Compare(a.Rows, b.Rows)) })
	return sizes
}

func (r *runner) appModes() []string {
	seen := map[string]bool{}
	for name := range r.res {
		if rest, ok := strings.CutPrefix(name, "VectorSearch/"); ok {
			if _, mode, ok := strings.Cut(rest, "/"); ok && strings.HasPrefix(mode, "app-") {
				seen[mode] = true
			}
		}
	}
	modes := slices.Sorted(maps.Keys(seen))
	// app-exact first: the others are read against it.
	slices.SortStableFunc(modes, func(a, b string) int {
		return cmp.Compare(boolInt(a != "app-exact"), boolInt(b != "app-exact"))
	})
	return modes
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (r *runner) lanceFor(version string, size benchdata.Size) *lanceRun {
	for i := range r.lance {
		if r.lance[i].Version == version && r.lance[i].Size == size {
			return &r.lance[i]
		}
	}
	return nil
}

func (r *runner) write(dir string) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	m := r.machine
	p("# Benchmark report")
	p("")
	p("Written by `go run ./bench/report%s`; every figure is the median of its runs with the min–max spread in brackets,", map[bool]string{true: " -smoke", false: ""}[r.smoke])
	p("and every ratio is against a baseline measured in the same process (see each section). Rerun it from the repository")
	p("root; `bench/README.md` explains the options. The raw benchmark lines are in [bench.txt](bench.txt) (benchstat reads them).")
	if r.smoke {
		p("")
		p("**Smoke run**: tiny sizes and one run each; the figures only show that every benchmark works.")
	}
	p("")
	p("## Machine")
	p("")
	p("| | |")
	p("|---|---|")
	p("| CPU | %s |", m.cpu)
	p("| Cores | %d |", m.cores)
	p("| RAM | %.1f GB |", m.ramGB)
	p("| Go | %s |", m.goVersion)
	if m.node != "" {
		p("| Node (LanceDB) | %s |", m.node)
	}
	p("| Commit | %s |", m.commit)
	p("| Date | %s |", m.date.Format("2006-01-02 15:04 UTC"))
	p("| Duration | %s |", m.elapsed.Round(1e9))
	p("| Load average (1, 5, 15 min) | %s at the start, %s at the end |", m.loadStart, m.loadEnd)
	if la, err := strconv.ParseFloat(strings.Fields(m.loadStart + " 0")[0], 64); err == nil && m.cores > 0 && la > float64(m.cores)/2 {
		p("")
		p("The machine was not quiet: other processes kept the load average at %s on %d cores while the report ran, so absolute times", m.loadStart, m.cores)
		p("are noisier and slower than on an idle machine; the ratios, whose two sides share the same spell, are the figures to read.")
	}
	if len(r.failures) > 0 {
		p("")
		p("**Failed jobs** (their figures are missing):")
		p("")
		for _, f := range r.failures {
			p("- %s", strings.SplitN(f, "\n", 2)[0])
		}
	}

	r.writeTargets(p)
	r.writeVector(p, dir)
	r.writeIngest(p)
	r.writeHTTP(p, dir)
	r.writeFootprint(p, dir)

	p("")
	p("## Commands")
	p("")
	p("The report builds the benchmark binary once (`go test -c ./bench`) and runs it once per line below, from `bench/`,")
	p("with `ANYTHINGLLM_LOADGEN` naming a load generator built from `./bench/loadgen`; each line is the same as:")
	p("")
	p("```sh")
	for _, c := range r.commands {
		p("%s", c)
	}
	p("```")

	r.writeAll(p)
	if err := os.WriteFile(filepath.Join(dir, "bench.txt"), r.raw.Bytes(), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(b.String()), 0o600)
}

type printer func(format string, args ...any)

// target is one line of the targets.
type target struct {
	what, measured, goal string
	value, limit         float64
	ok                   bool // measured
	atMost               bool
	note                 string
}

func (r *runner) writeTargets(p printer) {
	big := "100000x1536"
	get := func(name, unit string) (float64, bool) {
		s, ok := r.res.get(name, unit)
		return s.Median, ok
	}
	var ts []target
	add := func(what, name, unit string, limit float64, unitText, note string) {
		v, ok := get(name, unit)
		ts = append(ts, target{what: what, value: v, limit: limit, ok: ok, atMost: true, goal: "≤ " + num(limit) + unitText, measured: num(v) + unitText, note: note})
	}
	add("Exact top-10 through the App at 100k x 1,536, over the streaming floor", "VectorSearch/"+big+"/app-exact", "x-floor", 1.15, "x",
		"a CPU profile of this search (go test -cpuprofile, 40 queries) is the vek MatMulVec AVX2 kernel almost entirely: the scan is a dot product per row where the floor is a sum, and on a busy machine the two spells differ; see the min")
	add("Index memory, exact mode (heap over raw float32 bytes)", "VectorSearch/"+big+"/app-exact", "index-bytes/raw", 1.05, "x",
		"rows keep their chunk text and metadata map beside the vector (issue 16, item 1)")
	for _, q := range []struct {
		mode  string
		limit float64
	}{{"app-int8", 0.3}, {"app-binary", 0.1}} {
		// The issue asks for int8 or binary codes, whichever measures
		// better; only binary is built.
		const int8Note = "int8 is not built: vek has no int8 kernel and a pure-Go int8 dot product measured 0.67 GB/s per core (3 to 6 times the float32 floor), so it cannot reach 0.2x here; binary codes (below) can"
		add("Index memory, "+strings.TrimPrefix(q.mode, "app-")+" mode", "VectorSearch/"+big+"/"+q.mode, "index-bytes/raw", q.limit, "x", int8Note)
		add("Quantized ("+strings.TrimPrefix(q.mode, "app-")+") top-10 at 100k x 1,536 over the float32 floor", "VectorSearch/"+big+"/"+q.mode, "x-floor", 0.2, "x", int8Note)
		v, ok := get("Recall/clustered/"+q.mode, "recall@10")
		ts = append(ts, target{what: "Recall@10 of " + strings.TrimPrefix(q.mode, "app-") + " on clustered data", value: v, limit: 0.99, ok: ok, goal: "≥ 0.99", measured: num(v), note: int8Note})
	}
	footBig := "Footprint/" + big
	if r.smoke {
		footBig = "Footprint/2000x1536"
	}
	add("Start-up with "+strings.TrimPrefix(footBig, "Footprint/")+" stored: exec to the index loaded (a search can be served)", footBig, "index-ready-ms", 500, " ms",
		"every start after the first reads the index snapshot serve keeps in STORAGE_DIR (the first reads SQL, 1.26 s, and writes it); of the time, about 0.1 s is exec, init and migrations (the first ping) and 0.32 s the snapshot load itself (vectordb/follow's BenchmarkStartFromSnapshot: 0.32 s, 0.57 CPU-s, against 0.95 s from SQL; decoding the vectors on one core, normalising and copying them into the index on the other); the remaining 0.2 s was not profiled")
	add("Idle RSS of the stock binary", "Footprint/idle", "idle-RSS-MB", 40, " MB",
		"split in section 4: after start-up's freed heap is returned to the OS, about 14 MB is anonymous (a live Go heap of about 5 MB, stacks, SQLite's page caches) and 32 MB is pages of the mapped binary that init and start-up touch (text 14 MB; read-only data and the PC tables 18 MB; go-runewidth alone builds 2.2 MB of width tables at init, pulled in by pdfcpu); cutting that means dropping dependencies")
	add("Exec to the first answered /api/ping", "Footprint/idle", "first-ping-ms", 100, " ms", "includes the fork and exec and the SQLite migrations of a fresh storage dir")
	p("")
	p("## Targets")
	p("")
	p("The issue's targets, with the measured median. \"By\" is measured over target: above 1 for an upper bound is a miss by that factor.")
	p("")
	p("| Target | Goal | Measured | Met? | By | Note |")
	p("|---|---|---|---|---|---|")
	for _, t := range ts {
		if !t.ok {
			p("| %s | %s | not measured | – | – | %s |", t.what, t.goal, t.note)
			continue
		}
		met := t.value <= t.limit
		if !t.atMost {
			met = t.value >= t.limit
		}
		verdict := map[bool]string{true: "met", false: "**missed**"}[met]
		p("| %s | %s | %s | %s | %s | %s |", t.what, t.goal, t.measured, verdict, num(t.value/t.limit)+"x", map[bool]string{true: "", false: t.note}[met])
	}
}

func (r *runner) writeVector(p printer, dir string) {
	sizes := r.vectorSizes()
	modes := r.appModes()
	p("")
	p("## 1. Vector search")
	p("")
	p("Top-10 search through `App.VectorSearch` (an embedder that returns a fixed vector, so the time is the App's search path")
	p("and the index), chromem-go's own `Collection.QueryEmbedding`, and LanceDB's flat search (no index; a Node script,")
	p("`bench/lancedb/search.mjs`, on the same vectors and query, k = 10) at each size. The floor is the time for GOMAXPROCS")
	p("goroutines to merely stream as many float32 bytes as the index holds once (`internal/membw`), streamed right before each")
	p("query so that both sides see the same spell of a shared machine; \"x-floor\" is the best search of a run over its best floor")
	p("(the floor is a best case, as `membw.StreamFloor` takes the best of 5), so an exact flat scan from memory cannot go below 1")
	p("(at 10k rows the data fits in the CPU caches, where it can). \"index-bytes/raw\" is the heap the index holds over")
	p("rows x dim x 4. Times: the median ms per query of each run; the floor column is its best. Vectors uniform in [-1, 1).")
	p("")
	head := "| Size | Floor ms |"
	sep := "|---|---|"
	for _, mode := range modes {
		head += fmt.Sprintf(" App %s ms | x-floor | index-bytes/raw |", strings.TrimPrefix(mode, "app-"))
		sep += "---|---|---|"
	}
	head += " chromem-go ms | x-floor |"
	sep += "---|---|"
	for _, v := range lanceVersions {
		head += fmt.Sprintf(" LanceDB %s ms | x App exact |", v)
		sep += "---|---|"
	}
	p("%s", head)
	p("%s", sep)
	for _, s := range sizes {
		base := "VectorSearch/" + s.String()
		row := fmt.Sprintf("| %s | %s |", s, r.cell(base+"/app-exact", "floor-ms"))
		for _, mode := range modes {
			row += fmt.Sprintf(" %s | %s | %s |", r.cell(base+"/"+mode, "ms/query"), r.cell(base+"/"+mode, "x-floor"), r.cell(base+"/"+mode, "index-bytes/raw"))
		}
		row += fmt.Sprintf(" %s | %s |", r.cell(base+"/chromem", "ms/query"), r.cell(base+"/chromem", "x-floor"))
		app, okApp := r.res.get(base+"/app-exact", "ms/query")
		for _, v := range lanceVersions {
			lr := r.lanceFor(v, s)
			switch {
			case lr == nil:
				row += " – | – |"
			case lr.Err != "":
				row += " failed | – |"
			default:
				ls := summarize(lr.QueryMS)
				ratio := "–"
				if okApp && app.Median > 0 {
					ratio = num(ls.Median/app.Median) + "x"
				}
				row += fmt.Sprintf(" %s | %s |", cell(ls), ratio)
			}
		}
		p("%s", row)
	}
	if len(r.lance) > 0 {
		p("")
		p("LanceDB: ")
		var notes []string
		for _, lr := range r.lance {
			if lr.Err != "" {
				notes = append(notes, fmt.Sprintf("%s %s failed: %s", lr.Version, lr.Size, strings.SplitN(lr.Err, "\n", 2)[0]))
				continue
			}
			notes = append(notes, fmt.Sprintf("%s (npm %s) %s: table built in %s ms, %d of its top 10 are the exact top 10", lr.Version, lr.Resolved, lr.Size, num(lr.LoadMS), lr.SameTop))
		}
		for _, n := range notes {
			p("- %s", n)
		}
		p("")
		p("LanceDB logs on this machine that it uses one CPU for compute (\"Number of CPUs is less than or equal to the number of IO")
		p("core reservations\"): on 2 cores its flat search runs on one, where flatvec and chromem-go use both.")
		p("")
		p("\"x App exact\" divides LanceDB's median by the App's exact median at the same size from the Go benchmark of the same report")
		p("(two processes, one after the other). 1M x 384 is not run in LanceDB: building its 1.5 GB Arrow table in Node takes longer than the rest.")
	} else if lanceNote != "" {
		p("")
		p("LanceDB %s.", lanceNote)
	}
	if err := r.plotVector(dir, sizes); err != nil {
		p("")
		p("(plot failed: %v)", err)
	} else {
		for _, d := range dims(sizes) {
			p("")
			p("![vector search time over rows at %d dimensions](vector-search-%d.svg)", d, d)
		}
	}
	// Recall.
	p("")
	p("### Recall@10")
	p("")
	p("Against exact search (brute force in float64 in the benchmark), on 100k x 1,536 unit vectors around 1,000 Gaussian")
	p("centres (50 queries drawn the same way), and on 20,000 sentences made of the words of the repository's Markdown files,")
	p("embedded by the native embedder (`providers/native`, 512 dimensions; 50 queries: sentences of the set with two words")
	p("replaced). Exact modes must score 1 and are a cross-check; the quantized mode (app-binary, sign bits re-ranked exactly)")
	p("shows what it loses: little on dense, clustered embeddings, much on the native embedder's sparse hashed features,")
	p("whose signs carry little of the similarity. Deterministic: one run.")
	p("")
	p("| Mode | clustered | text |")
	p("|---|---|---|")
	for _, mode := range append([]string{"chromem"}, r.recallModes()...) {
		p("| %s | %s | %s |", mode, r.cell("Recall/clustered/"+mode, "recall@10"), r.cell("Recall/text/"+mode, "recall@10"))
	}
}

func (r *runner) recallModes() []string {
	seen := map[string]bool{}
	for name := range r.res {
		if rest, ok := strings.CutPrefix(name, "Recall/"); ok {
			if _, mode, ok := strings.Cut(rest, "/"); ok && mode != "chromem" {
				seen[mode] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

func dims(sizes []benchdata.Size) []int {
	var ds []int
	for _, s := range sizes {
		if !slices.Contains(ds, s.Dim) {
			ds = append(ds, s.Dim)
		}
	}
	return ds
}

func (r *runner) writeIngest(p printer) {
	n := "Ingest"
	p("")
	p("## 2. Ingestion")
	p("")
	p("A 1,000-document corpus (200 each of txt, md, html, pdf, docx; about 3,000 characters of text each; the PDFs and DOCX")
	p("built by `anythingllm/collector/collectortest`) uploaded one by one through `App.UploadDocument` into one workspace on")
	p("SQLite, with the collector parsing (PDFium in WebAssembly for the PDFs, compiled once before the clock starts), the")
	p("App chunking, SQL writes of documents and vectors, the in-memory index, and an embedder that returns a fixed")
	p("384-dimension vector at no cost. Peak heap is sampled every 5 ms; VmHWM is the benchmark process's peak RSS.")
	p("")
	p("| chunks/s | docs/s | chunks | embedder calls | texts embedded | peak heap MB | VmHWM MB |")
	p("|---|---|---|---|---|---|---|")
	p("| %s | %s | %s | %s | %s | %s | %s |", r.cell(n, "chunks/s"), r.cell(n, "docs/s"), r.cell(n, "chunks"), r.cell(n, "embed-calls"), r.cell(n, "embed-texts"), r.cell(n, "peak-heap-MB"), r.cell(n, "VmHWM-MB"))
}

var httpRoutes = []string{"auth", "workspaces", "chat", "vector-search"}

func (r *runner) writeHTTP(p printer, dir string) {
	p("")
	p("## 3. HTTP under load")
	p("")
	p("`httpapi.NewServer` over an App (SQLite, or PostgreSQL on 127.0.0.1), on loopback, driven by `bench/loadgen` in its own")
	p("process with 1, 16 and 64 keep-alive connections: `GET /api/v1/auth`, `GET /api/v1/workspaces`, a workspace chat")
	p("(retrieval over five documents, history, the chat row written) answered by an instant fake LLM, and vector-search.")
	p("\"x bare\" is the route's requests/s over those of a bare net/http handler writing a fixed JSON body, driven by the same")
	p("load generator in the same sub-benchmark, the two alternating in rounds of 300 ms. The load generator shares the 2 cores.")
	for _, db := range []string{"sqlite", "postgres"} {
		if _, ok := r.res.get("HTTP/"+db+"/auth/c1", "req/s"); !ok {
			continue
		}
		p("")
		p("### %s", map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[db])
		p("")
		p("| Route | Connections | req/s | x bare | p50 ms | p99 ms (worst round) |")
		p("|---|---|---|---|---|---|")
		for _, rt := range httpRoutes {
			for _, c := range []string{"c1", "c16", "c64"} {
				n := "HTTP/" + db + "/" + rt + "/" + c
				p("| %s | %s | %s | %s | %s | %s |", rt, strings.TrimPrefix(c, "c"), r.cell(n, "req/s"), r.cell(n, "x-bare"), r.cell(n, "p50-ms"), r.cell(n, "p99-ms"))
			}
		}
		if err := r.plotHTTP(dir, db); err == nil {
			p("")
			p("![requests per second relative to a bare handler, %s](http-%s.svg)", db, db)
		}
	}
}

func (r *runner) writeFootprint(p printer, dir string) {
	p("")
	p("## 4. Streaming, footprint and chat history")
	p("")
	p("**Stream first-token overhead**: from the fake LLM yielding its first token to the client reading that token's event")
	p("over HTTP (`BenchmarkStreamFirstToken`, in process): median %s ms, p99 %s ms.", r.cell("StreamFirstToken", "added-ms"), r.cell("StreamFirstToken", "added-p99-ms"))
	p("")
	p("**Footprint of the stock binary** (`cmd/anythingllm`, started with `serve` on a fresh storage dir, then on one whose")
	p("SQLite database holds the vectors; RSS from /proc/PID/status one second after the index reported ready):")
	p("")
	p("| | |")
	p("|---|---|")
	p("| Binary, `go build -trimpath -ldflags='-s -w'` | %s MB |", r.cell("Footprint/binary", "stripped-MB"))
	p("| Binary, `go build -trimpath` | %s MB |", r.cell("Footprint/binary", "full-MB"))
	p("| Exec to first `/api/ping`, empty | %s ms |", r.cell("Footprint/idle", "first-ping-ms"))
	p("| Idle RSS, empty | %s MB |", r.cell("Footprint/idle", "idle-RSS-MB"))
	p("| of which anonymous (heap, stacks) / file-backed (the mapped binary) | %s MB / %s MB |", r.cell("Footprint/idle", "idle-RssAnon-MB"), r.cell("Footprint/idle", "idle-RssFile-MB"))
	for name := range r.res {
		rest, ok := strings.CutPrefix(name, "Footprint/")
		if !ok || rest == "binary" || rest == "idle" {
			continue
		}
		p("| Exec to first `/api/ping`, %s stored | %s ms |", rest, r.cell(name, "first-ping-ms"))
		p("| Exec to the index loaded, %s stored | %s ms |", rest, r.cell(name, "index-ready-ms"))
		p("| RSS with the index loaded, %s (raw float32: %s MB) | %s MB (anonymous %s MB) |", rest, r.cell(name, "raw-MB"), r.cell(name, "loaded-RSS-MB"), r.cell(name, "loaded-RssAnon-MB"))
	}
	p("")
	p("The file-backed part of the RSS with vectors stored is mostly the SQLite file, which bunstore maps (`mmap_size` 1 GB): page")
	p("cache the kernel can drop, not heap; the anonymous part is the index and the Go heap.")
	p("")
	p("**Chat history listing** (`App.WorkspaceChats`, 100 chats = 200 messages, the newest and the oldest, as")
	p("`GET /api/v1/workspace/{slug}/chats` with orderBy desc and asc) as one workspace grows on SQLite; \"x pk-read\" is its")
	p("time over reading one chat by primary key in the same sub-benchmark.")
	p("")
	p("| Chats in the workspace | newest 100, ms | x pk-read | oldest 100, ms | x pk-read |")
	p("|---|---|---|---|---|")
	for _, n := range r.historySizes() {
		base := "ChatHistory/" + strconv.Itoa(n)
		p("| %d | %s | %s | %s | %s |", n, r.cell(base+"/newest100", "ms/list"), r.cell(base+"/newest100", "x-pk-read"), r.cell(base+"/oldest100", "ms/list"), r.cell(base+"/oldest100", "x-pk-read"))
	}
	if err := r.plotHistory(dir); err == nil && len(r.historySizes()) > 0 {
		p("")
		p("![chat history listing time over chats](chat-history.svg)")
	}
}

func (r *runner) historySizes() []int {
	var ns []int
	for name := range r.res {
		if rest, ok := strings.CutPrefix(name, "ChatHistory/"); ok {
			s, _, _ := strings.Cut(rest, "/")
			if n, err := strconv.Atoi(s); err == nil && !slices.Contains(ns, n) {
				ns = append(ns, n)
			}
		}
	}
	slices.Sort(ns)
	return ns
}

// writeAll lists every figure measured, so nothing is only in bench.txt.
func (r *runner) writeAll(p printer) {
	p("")
	p("## Every figure")
	p("")
	p("| Benchmark | Unit | Median | Min–max | Runs |")
	p("|---|---|---|---|---|")
	for _, name := range slices.Sorted(maps.Keys(r.res)) {
		for _, unit := range slices.Sorted(maps.Keys(r.res[name])) {
			s := summarize(r.res[name][unit])
			p("| %s | %s | %s | %s–%s | %d |", name, unit, num(s.Median), num(s.Min), num(s.Max), s.N)
		}
	}
}
