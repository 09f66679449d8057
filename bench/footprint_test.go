package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/bench/internal/benchdata"
	"github.com/anythingllm-go/anythingllm/storage/bunstore"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
)

// builtBinary is cmd/anythingllm built once per process, stripped
// (-trimpath -ldflags='-s -w', as a release ships it) and not.
var (
	buildOnce            sync.Once
	binStripped, binFull string
	buildErr             error
)

func buildServer(b *testing.B) (stripped, full string) {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "anythingllm-bin")
		if err != nil {
			buildErr = err
			return
		}
		binStripped, binFull = filepath.Join(dir, "anythingllm-s"), filepath.Join(dir, "anythingllm")
		builds := [][]string{
			{"build", "-trimpath", "-ldflags=-s -w", "-o", binStripped, "../cmd/anythingllm"},
			{"build", "-trimpath", "-o", binFull, "../cmd/anythingllm"},
		}
		if smoke {
			// Without -trimpath the packages come from the build cache
			// that go build ./... filled; -trimpath compiles them all again
			// (minutes on 2 cores), too slow for the smoke run.
			builds = [][]string{
				{"build", "-ldflags=-s -w", "-o", binStripped, "../cmd/anythingllm"},
				{"build", "-o", binFull, "../cmd/anythingllm"},
			}
		}
		for _, args := range builds {
			if out, err := exec.Command("go", args...).CombinedOutput(); err != nil { // #nosec G204 -- fixed arguments
				buildErr = fmt.Errorf("go %v: %v\n%s", args, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return binStripped, binFull
}

func fileMB(b *testing.B, p string) float64 {
	st, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	return float64(st.Size()) / (1 << 20)
}

func freePort(b *testing.B) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// started is a running stock binary and when it reached each milestone.
type started struct {
	cmd       *exec.Cmd
	firstPing time.Duration // exec to the first 200 from /api/ping
	ready     chan time.Duration
}

// startServer runs `anythingllm serve` on storage dir and waits for the
// first answered ping; ready receives the time from exec to the "vector
// index ready" log line.
func startServer(b *testing.B, bin, dir string) *started {
	port := freePort(b)
	cmd := exec.Command(bin, "serve") // #nosec G204 -- the binary built above
	env := []string{"STORAGE_DIR=" + dir, "SERVER_PORT=" + strconv.Itoa(port), "HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stdout = io.Discard
	s := &started{cmd: cmd, ready: make(chan time.Duration, 1)}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "vector index ready") {
				s.ready <- time.Since(t0)
			}
		}
	}()
	url := fmt.Sprintf("http://127.0.0.1:%d/api/ping", port)
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				s.firstPing = time.Since(t0)
				break
			}
		}
		if time.Since(t0) > 60*time.Second {
			s.stop()
			b.Fatalf("%s did not answer /api/ping within 60 s: %v", bin, err)
		}
		time.Sleep(time.Millisecond)
	}
	return s
}

// rssMB reads a resident-memory field of the process ("VmRSS:", or its
// parts "RssAnon:", heap and stacks, and "RssFile:", the mapped binary).
func (s *started) rssMB(field string) float64 {
	return float64(procStatus(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid), field)) / (1 << 20)
}

func (s *started) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// seeded is a storage dir whose SQLite database holds the vectors, made
// once per process.
var (
	seedOnce sync.Once
	seedDir  string
	seedErr  error
)

func seedStorage(b *testing.B, size benchdata.Size) string {
	seedOnce.Do(func() {
		seedDir, seedErr = os.MkdirTemp("", "anythingllm-seed")
		if seedErr != nil {
			return
		}
		ctx := context.Background()
		st, err := bunstore.Open(ctx, filepath.Join(seedDir, bunstore.FileName), nil)
		if err != nil {
			seedErr = err
			return
		}
		defer st.Close()
		if seedErr = st.Migrate(ctx); seedErr != nil {
			return
		}
		rows := benchdata.Uniform(size)
		app, err := anythingllm.New(anythingllm.Deps{Store: st, Vectors: flatvec.New(nil), Embedder: fixedQuery{rows[:size.Dim]}}, nil)
		if err != nil {
			seedErr = err
			return
		}
		w, err := app.CreateWorkspace(ctx, &anythingllm.WorkspaceSettings{Name: new("big")})
		if err != nil {
			seedErr = err
			return
		}
		const perDoc = 1000
		for lo := 0; lo < size.Rows; lo += perDoc {
			recs := records(rows, size.Dim, lo, min(lo+perDoc, size.Rows))
			doc := strconv.Itoa(lo / perDoc)
			for i := range recs {
				recs[i].DocID = doc
			}
			wd := &anythingllm.WorkspaceDocument{DocID: doc, Filename: "d" + doc + ".json", Docpath: "custom-documents/d" + doc + ".json", WorkspaceID: w.ID, Metadata: "{}"}
			if seedErr = st.Documents().Add(ctx, wd, recs); seedErr != nil {
				return
			}
		}
	})
	if seedErr != nil {
		b.Fatal(seedErr)
	}
	return seedDir
}

// BenchmarkFootprint: the stock binary's size (stripped and not), and per
// start: time from exec to the first answered /api/ping and resident
// memory once idle, on an empty storage dir and on one with 100k x 1,536
// vectors in SQLite, where it also reports the time from exec to the
// loaded index ("index-ready-ms": a search can be served from then on)
// and the resident memory with the index loaded.
//
//	go test -run '^$' -bench Footprint -benchtime 1x -count 5 ./bench/
func BenchmarkFootprint(b *testing.B) {
	size := benchdata.Size{Rows: 100_000, Dim: 1536}
	if smoke {
		size = benchdata.Size{Rows: 2000, Dim: 1536}
	}
	stripped, full := buildServer(b)
	b.Run("binary", func(b *testing.B) {
		for range b.N {
		}
		b.ReportMetric(fileMB(b, stripped), "stripped-MB")
		b.ReportMetric(fileMB(b, full), "full-MB")
	})
	b.Run("idle", func(b *testing.B) {
		var ping time.Duration
		var rss, anon, file float64
		for range b.N {
			dir := b.TempDir()
			s := startServer(b, stripped, dir)
			<-s.ready
			time.Sleep(time.Second) // let start-up garbage be collected
			ping += s.firstPing
			rss += s.rssMB("VmRSS:")
			anon += s.rssMB("RssAnon:")
			file += s.rssMB("RssFile:")
			s.stop()
		}
		n := float64(b.N)
		b.ReportMetric(float64(ping.Microseconds())/1000/n, "first-ping-ms")
		b.ReportMetric(rss/n, "idle-RSS-MB")
		b.ReportMetric(anon/n, "idle-RssAnon-MB")
		b.ReportMetric(file/n, "idle-RssFile-MB")
	})
	b.Run(size.String(), func(b *testing.B) {
		dir := seedStorage(b, size)
		var ping, ready time.Duration
		var rss, anon float64
		b.ResetTimer()
		for range b.N {
			s := startServer(b, stripped, dir)
			select {
			case d := <-s.ready:
				ready += d
			case <-time.After(5 * time.Minute):
				s.stop()
				b.Fatal("the index did not load within 5 minutes")
			}
			time.Sleep(time.Second)
			ping += s.firstPing
			rss += s.rssMB("VmRSS:")
			anon += s.rssMB("RssAnon:")
			s.stop()
		}
		n := float64(b.N)
		b.ReportMetric(float64(ping.Microseconds())/1000/n, "first-ping-ms")
		b.ReportMetric(float64(ready.Microseconds())/1000/n, "index-ready-ms")
		b.ReportMetric(rss/n, "loaded-RSS-MB")
		b.ReportMetric(anon/n, "loaded-RssAnon-MB")
		b.ReportMetric(float64(size.Floats()*4)/(1<<20), "raw-MB")
	})
}
