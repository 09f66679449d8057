// Command report runs the project's benchmarks, each as its own process,
// and writes bench/results/README.md (machine, Go version, the commands,
// and every figure as the median and min-max over its runs) with SVG plots
// of how cost grows with N.
//
//	go run ./bench/report                 # the full run, about 15 minutes on 2 cores
//	go run ./bench/report -only 'vector'  # the jobs whose title matches
//	go run ./bench/report -smoke          # seconds-long, into a temp dir; CI runs it
//
// Run it from the repository root. With ANYTHINGLLM_TEST_POSTGRES_DSN set
// the HTTP benchmarks also run on PostgreSQL. LanceDB runs when npm and
// node are installed (its packages go to the user's cache directory).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// job is one benchmark process.
type job struct {
	title     string // shown in progress and the report
	bench     string // -bench regexp
	benchtime string
	count     int
	needsPG   bool
}

type runner struct {
	smoke    bool
	count    int
	tmp      string
	testBin  string
	loadgen  string
	env      []string
	res      results
	commands []string // as a user reruns them
	failures []string
	raw      bytes.Buffer // every benchmark line, for benchstat
	lance    []lanceRun
	machine  machine
}

func main() {
	smoke := flag.Bool("smoke", false, "tiny sizes, 1 run each, output to a temp dir (unless -out is given); exits non-zero if any benchmark fails")
	out := flag.String("out", "", "directory to write the report to (default bench/results, or a temp dir with -smoke)")
	only := flag.String("only", "", "run only the jobs whose title matches this regexp")
	count := flag.Int("count", 5, "runs of every benchmark (-count)")
	noLance := flag.Bool("no-lancedb", false, "skip the LanceDB comparison")
	flag.Parse()
	if err := run(*smoke, *out, *only, *count, !*noLance); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(smoke bool, out, only string, count int, lance bool) error {
	if _, err := os.Stat("bench/report/main.go"); err != nil {
		return fmt.Errorf("run it from the repository root (go run ./bench/report): %w", err)
	}
	var onlyRE *regexp.Regexp
	if only != "" {
		var err error
		if onlyRE, err = regexp.Compile(only); err != nil {
			return fmt.Errorf("-only: %w", err)
		}
	}
	if smoke {
		count = 1
	}
	tmp, err := os.MkdirTemp("", "anythingllm-report")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if out == "" {
		out = filepath.Join("bench", "results")
		if smoke {
			out = filepath.Join(tmp, "results")
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	r := &runner{smoke: smoke, count: count, tmp: tmp, res: results{}}
	r.machine = readMachine()
	start := time.Now()
	progress("building the benchmark binary and the load generator")
	r.testBin, r.loadgen = filepath.Join(tmp, "bench.test"), filepath.Join(tmp, "loadgen")
	for _, args := range [][]string{{"test", "-c", "-o", r.testBin, "./bench"}, {"build", "-o", r.loadgen, "./bench/loadgen"}} {
		if out, err := exec.CommandContext(ctx, "go", args...).CombinedOutput(); err != nil { // #nosec G204 -- fixed arguments
			return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	r.env = append(os.Environ(), "ANYTHINGLLM_LOADGEN="+r.loadgen)
	if smoke {
		r.env = append(r.env, "ANYTHINGLLM_BENCH_SMOKE=1")
	}

	jobs := r.jobs()
	var selected []job
	for _, j := range jobs {
		if onlyRE != nil && !onlyRE.MatchString(j.title) {
			continue
		}
		if j.needsPG && os.Getenv("ANYTHINGLLM_TEST_POSTGRES_DSN") == "" {
			progress("skipping %q: ANYTHINGLLM_TEST_POSTGRES_DSN is not set", j.title)
			continue
		}
		selected = append(selected, j)
	}
	lanceSizes := r.lanceSizes()
	runLance := lance && (onlyRE == nil || onlyRE.MatchString("lancedb"))
	total := len(selected)
	if runLance {
		total++
	}
	for i, j := range selected {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.runJob(ctx, i+1, total, j)
	}
	if runLance {
		r.runLanceDB(ctx, len(selected)+1, total, lanceSizes)
	}
	r.machine.loadEnd = loadAvg()
	r.machine.elapsed = time.Since(start)
	if err := os.MkdirAll(out, 0o750); err != nil {
		return err
	}
	if err := r.write(out); err != nil {
		return err
	}
	progress("wrote %s in %s", filepath.Join(out, "README.md"), time.Since(start).Round(time.Second))
	if strings.HasPrefix(out, tmp) {
		progress("(the smoke report is removed on exit; -out DIR keeps it)")
	}
	if len(r.failures) > 0 {
		return fmt.Errorf("%d benchmark job(s) failed:\n  %s", len(r.failures), strings.Join(r.failures, "\n  "))
	}
	return nil
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

// jobs is the report's list, in order. The vector search sizes run one
// process each, so one size's gigabytes are gone before the next.
func (r *runner) jobs() []job {
	n := func(full, smoke string) string {
		if r.smoke {
			return smoke
		}
		return full
	}
	js := []job{}
	vsizes := []struct{ size, title, bt string }{
		{"10000x384", "vector search 10k x 384", "100x"},
		{"100000x384", "vector search 100k x 384", "20x"},
		{"1000000x384", "vector search 1M x 384", "5x"},
		{"10000x1536", "vector search 10k x 1536", "50x"},
		{"100000x1536", "vector search 100k x 1536", "10x"},
	}
	if r.smoke {
		vsizes = []struct{ size, title, bt string }{
			{"2000x384", "vector search 2k x 384", "5x"},
			{"1000x1536", "vector search 1k x 1536", "5x"},
		}
	}
	for _, v := range vsizes {
		js = append(js, job{title: v.title, bench: "VectorSearch/^" + v.size + "$", benchtime: v.bt, count: r.count})
	}
	js = append(js,
		// Recall is deterministic (seeded data, exact truth): one run.
		job{title: "recall@10, clustered and text", bench: "Recall", benchtime: "1x", count: 1},
		job{title: "ingestion, 1,000 mixed documents", bench: "Ingest", benchtime: "1x", count: r.count},
		job{title: "HTTP under load, SQLite", bench: "HTTP/sqlite", benchtime: "1x", count: r.count},
		job{title: "HTTP under load, PostgreSQL", bench: "HTTP/postgres", benchtime: "1x", count: r.count, needsPG: true},
		job{title: "stream first-token overhead", bench: "StreamFirstToken", benchtime: n("200x", "20x"), count: r.count},
		job{title: "footprint of the stock binary", bench: "Footprint", benchtime: "1x", count: r.count},
		job{title: "chat history listing", bench: "ChatHistory", benchtime: n("50x", "5x"), count: r.count},
	)
	return js
}

func (r *runner) runJob(ctx context.Context, i, total int, j job) {
	progress("[%d/%d] %s ...", i, total, j.title)
	args := []string{"-test.run", "^$", "-test.bench", j.bench, "-test.benchtime", j.benchtime, "-test.count", fmt.Sprint(j.count), "-test.timeout", "30m"}
	prefix := ""
	if r.smoke {
		prefix = "ANYTHINGLLM_BENCH_SMOKE=1 "
	}
	if j.needsPG {
		prefix += "ANYTHINGLLM_TEST_POSTGRES_DSN=... "
	}
	r.commands = append(r.commands, fmt.Sprintf("%sgo test -run '^$' -bench '%s' -benchtime %s -count %d ./bench/", prefix, j.bench, j.benchtime, j.count))
	cmd := exec.CommandContext(ctx, r.testBin, args...) // #nosec G204 -- the test binary built above
	cmd.Dir = "bench"
	cmd.Env = r.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	t0 := time.Now()
	err := cmd.Run()
	parseBench(bytes.NewReader(stdout.Bytes()), r.res)
	for line := range strings.Lines(stdout.String()) {
		if strings.HasPrefix(line, "Benchmark") {
			r.raw.WriteString(line)
		}
	}
	if err != nil {
		r.failures = append(r.failures, fmt.Sprintf("%s: %v", j.title, err))
		progress("      FAILED after %s: %v\n%s%s", time.Since(t0).Round(time.Millisecond), err, tail(stdout.String(), 30), tail(stderr.String(), 10))
		return
	}
	progress("      done in %s", time.Since(t0).Round(time.Millisecond))
}

func tail(s string, lines int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	if len(ls) == 1 && ls[0] == "" {
		return ""
	}
	return strings.Join(ls, "\n") + "\n"
}

// machine describes where the figures were measured.
type machine struct {
	cpu, goVersion, commit, loadStart, loadEnd, node string
	cores                                            int
	ramGB                                            float64
	date                                             time.Time
	elapsed                                          time.Duration
}

func readMachine() machine {
	m := machine{cpu: "unknown", date: time.Now().UTC(), loadStart: loadAvg()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(data)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
			}
			if strings.HasPrefix(line, "processor") {
				m.cores++
			}
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		if _, err := fmt.Sscanf(string(data), "MemTotal: %f kB", &kb); err == nil {
			m.ramGB = kb / (1 << 20)
		}
	}
	if out, err := exec.Command("go", "version").Output(); err == nil {
		m.goVersion = strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		m.commit = strings.TrimSpace(string(out))
		if out, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results").Output(); err == nil && len(bytes.TrimSpace(out)) > 0 {
			m.commit += " (with uncommitted changes)" // the report's own output aside
		}
	}
	return m
}

func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
