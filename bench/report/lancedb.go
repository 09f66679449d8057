package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/anythingllm-go/anythingllm/bench/internal/benchdata"
)

// lanceVersions: the version AnythingLLM pins, and the newest.
var lanceVersions = []string{"0.15.0", "latest"}

// lanceRun is one LanceDB version on one size.
type lanceRun struct {
	Version  string
	Size     benchdata.Size
	LoadMS   float64
	QueryMS  []float64
	SameTop  int    // of LanceDB's top 10, how many are in the exact top 10
	Err      string // why it did not run
	Resolved string // the version npm installed
}

func (r *runner) lanceSizes() []benchdata.Size {
	if r.smoke {
		return []benchdata.Size{{Rows: 2000, Dim: 384}}
	}
	// 1M x 384 is left out: building the 1.5 GB Arrow table in Node
	// alone takes longer than the rest of the report.
	return []benchdata.Size{{Rows: 10_000, Dim: 384}, {Rows: 100_000, Dim: 384}, {Rows: 10_000, Dim: 1536}, {Rows: 100_000, Dim: 1536}}
}

// lanceNote says why LanceDB did not run, or is empty.
var lanceNote string

func (r *runner) runLanceDB(ctx context.Context, i, total int, sizes []benchdata.Size) {
	progress("[%d/%d] LanceDB flat search (npm @lancedb/lancedb %s) ...", i, total, strings.Join(lanceVersions, " and "))
	t0 := time.Now()
	node, errNode := exec.LookPath("node")
	npm, errNpm := exec.LookPath("npm")
	if errNode != nil || errNpm != nil {
		lanceNote = "skipped: node or npm is not installed (LanceDB is driven by a Node script)"
		progress("      %s", lanceNote)
		return
	}
	if out, err := exec.Command(node, "--version").Output(); err == nil { // #nosec G204 -- node from PATH
		v := strings.TrimSpace(string(out))
		r.machine.node = v
		if !strings.HasPrefix(v, "v20.") {
			progress("      note: node is %s; AnythingLLM runs on Node 20", v)
		}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dirs := map[string]string{}
	resolved := map[string]string{}
	for _, v := range lanceVersions {
		want := v
		if v == "latest" {
			out, err := exec.CommandContext(ctx, npm, "view", "@lancedb/lancedb", "version").Output() // #nosec G204 -- npm from PATH
			if err != nil {
				r.lance = append(r.lance, lanceRun{Version: v, Err: fmt.Sprintf("npm view: %v", err)})
				continue
			}
			want = strings.TrimSpace(string(out))
		}
		dir := filepath.Join(cache, "anythingllm-bench", "lancedb-"+want)
		if err := installLance(ctx, npm, dir, want); err != nil {
			r.lance = append(r.lance, lanceRun{Version: v, Err: err.Error()})
			r.failures = append(r.failures, fmt.Sprintf("LanceDB %s: %v", v, err))
			progress("      LanceDB %s: %v", v, err)
			continue
		}
		dirs[v], resolved[v] = dir, want
	}
	queries := 10
	if r.smoke {
		queries = 3
	}
	for _, size := range sizes {
		rows := benchdata.Uniform(size)
		query := benchdata.Query(size.Dim, 1) // the Go benchmark's query
		exact := exactTop(rows, query, size.Dim, 10)
		file := filepath.Join(r.tmp, "vectors.fvec")
		if err := benchdata.WriteFile(file, size, rows, query); err != nil {
			r.failures = append(r.failures, fmt.Sprintf("LanceDB vectors %s: %v", size, err))
			return
		}
		rows = nil
		for _, v := range lanceVersions {
			dir, ok := dirs[v]
			if !ok {
				continue
			}
			lr := lanceRun{Version: v, Size: size, Resolved: resolved[v]}
			res, err := runLanceScript(ctx, node, dir, file, filepath.Join(r.tmp, "lance-"+resolved[v]+"-"+size.String()), queries)
			if err != nil {
				lr.Err = err.Error()
				r.failures = append(r.failures, fmt.Sprintf("LanceDB %s %s: %v", v, size, err))
				progress("      LanceDB %s %s: %v", v, size, err)
			} else {
				lr.LoadMS, lr.QueryMS = res.LoadMS, res.QueryMS
				for _, id := range res.TopIDs {
					if slices.Contains(exact, id) {
						lr.SameTop++
					}
				}
				progress("      LanceDB %s %s: median %.1f ms", resolved[v], size, summarize(res.QueryMS).Median)
			}
			r.lance = append(r.lance, lr)
			_ = os.RemoveAll(filepath.Join(r.tmp, "lance-"+resolved[v]+"-"+size.String()))
		}
		_ = os.Remove(file)
	}
	r.commands = append(r.commands, "go run ./bench/report -only lancedb   # installs @lancedb/lancedb "+strings.Join(lanceVersions, " and ")+" with npm, then runs node bench/lancedb/search.mjs VECTORS DB_DIR 10 "+fmt.Sprint(queries)+" per size")
	progress("      done in %s", time.Since(t0).Round(time.Millisecond))
}

// installLance installs the package at version into dir (kept between
// runs), from bench/lancedb/package.json with the version replaced.
func installLance(ctx context.Context, npm, dir, version string) error {
	pj, err := os.ReadFile(filepath.Join("bench", "lancedb", "package.json"))
	if err != nil {
		return err
	}
	script, err := os.ReadFile(filepath.Join("bench", "lancedb", "search.mjs"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	pj = bytes.Replace(pj, []byte(`"@lancedb/lancedb": "0.15.0"`), []byte(`"@lancedb/lancedb": "`+version+`"`), 1)
	if err := os.WriteFile(filepath.Join(dir, "package.json"), pj, 0o600); err != nil { // #nosec G703 -- dir is under the user cache dir, named by the report
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "search.mjs"), script, 0o600); err != nil { // #nosec G703 -- dir is under the user cache dir, named by the report
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@lancedb", "lancedb", "package.json")); err != nil {
		progress("      npm install @lancedb/lancedb@%s into %s", version, dir)
		cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--loglevel=error") // #nosec G204 -- npm from PATH
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("npm install @lancedb/lancedb@%s: %v\n%s", version, err, out)
		}
	}
	// The native binary is an optional dependency: npm skips it quietly
	// when it does not match the platform.
	natives, _ := filepath.Glob(filepath.Join(dir, "node_modules", "@lancedb", "lancedb-*"))
	if len(natives) == 0 {
		return fmt.Errorf("@lancedb/lancedb@%s installed without its native binary for this platform", version)
	}
	return nil
}

type lanceOutput struct {
	Version string    `json:"version"`
	LoadMS  float64   `json:"load_ms"`
	QueryMS []float64 `json:"query_ms"`
	TopIDs  []int     `json:"top_ids"`
}

func runLanceScript(ctx context.Context, node, dir, file, dbDir string, queries int) (*lanceOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "search.mjs", file, dbDir, "10", fmt.Sprint(queries)) // #nosec G204 -- node from PATH, our script
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, tail(stderr.String(), 5))
	}
	var res lanceOutput
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		return nil, fmt.Errorf("reading its output %q: %v", out, err)
	}
	return &res, nil
}

// exactTop returns the ids of the k rows nearest query by cosine.
func exactTop(rows, query []float32, dim, k int) []int {
	type hit struct {
		id    int
		score float64
	}
	var qn float64
	for _, x := range query {
		qn += float64(x) * float64(x)
	}
	n := len(rows) / dim
	hits := make([]hit, n)
	for i := range n {
		var d, rn float64
		for j, x := range rows[i*dim : (i+1)*dim] {
			d += float64(x) * float64(query[j])
			rn += float64(x) * float64(x)
		}
		hits[i] = hit{i, d / math.Sqrt(qn*rn)}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.score > b.score {
			return -1
		}
		if a.score < b.score {
			return 1
		}
		return a.id - b.id
	})
	ids := make([]int, k)
	for i := range ids {
		ids[i] = hits[i].id
	}
	return ids
}
