package anythingllm_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/bunstore"
	"github.com/anythingllm-go/anythingllm/vectordb/flatvec"
)

// TestKillDuringEmbedLeavesNoHalfDocument embeds documents in a child
// process on SQLite, kills it with SIGKILL mid-stream, and checks that every
// document in the database has all of its vectors and that every document
// the child reported as embedded is there.
func TestKillDuringEmbedLeavesNoHalfDocument(t *testing.T) {
	if dir := os.Getenv("EMBED_CRASH_CHILD"); dir != "" {
		embedChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillDuringEmbedLeavesNoHalfDocument$")
	cmd.Env = append(os.Environ(), "EMBED_CRASH_CHILD="+dir)
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if p, ok := strings.CutPrefix(sc.Text(), "embedded "); ok {
			acked = append(acked, p)
			if len(acked) == 15 {
				_ = cmd.Process.Signal(syscall.SIGKILL)
				break
			}
		}
	}
	_ = cmd.Wait()
	if len(acked) < 15 {
		t.Fatalf("the child embedded only %d documents", len(acked))
	}
	ctx := context.Background()
	st, err := bunstore.OpenDir(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w, err := st.Workspaces().GetBySlug(ctx, "crash")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := st.Documents().ListByWorkspace(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, d := range docs {
		have[d.Docpath] = true
		vs, err := st.Documents().VectorsByDoc(ctx, d.DocID)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != crashChunks {
			t.Fatalf("document %s has %d of its %d vectors: half-embedded", d.Docpath, len(vs), crashChunks)
		}
	}
	for _, p := range acked {
		if !have[p] {
			t.Fatalf("acknowledged document %s is missing after SIGKILL", p)
		}
	}
	total, _ := st.Documents().CountVectors(ctx, 0)
	if total != len(docs)*crashChunks {
		t.Fatalf("%d stray vectors", total-len(docs)*crashChunks)
	}
	t.Logf("acknowledged %d, found %d whole documents after SIGKILL", len(acked), len(docs))
}

const crashChunks = 40

func embedChild(dir string) {
	ctx := context.Background()
	st, err := bunstore.OpenDir(ctx, dir, nil)
	if err == nil {
		err = st.Migrate(ctx)
	}
	blobs, err2 := blobstore.NewFS(filepath.Join(dir, "files"), nil)
	if err != nil || err2 != nil {
		fmt.Println("error", err, err2)
		os.Exit(1)
	}
	app, _ := anythingllm.New(anythingllm.Deps{Store: st, Blobs: blobs, Vectors: flatvec.New(nil), Embedder: &countingEmbedder{}},
		&anythingllm.Options{EmbedBatchSize: 3})
	if _, err := app.CreateWorkspace(ctx, &anythingllm.WorkspaceSettings{Name: new("crash")}); err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	text := bigText(crashChunks)
	for i := 0; ; i++ {
		docs, err := app.UploadDocument(ctx, &anythingllm.UploadRequest{FileName: fmt.Sprintf("d%d.txt", i), Body: strings.NewReader(text), AddToWorkspaces: []string{"crash"}})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("embedded " + docs[0].Location)
	}
}
