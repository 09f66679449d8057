package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/bunstore"
)

// histState is one workspace that grows across the sizes of
// BenchmarkChatHistory (kept across -count rounds).
var hist struct {
	app   *anythingllm.App
	st    *bunstore.Store
	chats int
}

// addChats inserts n chats into workspace id 1 with multi-row INSERTs in
// one transaction: seeding 100k chats through App.Chat would take minutes
// and measure the wrong thing.
func addChats(b *testing.B, st *bunstore.Store, from, n int) {
	ctx := context.Background()
	tx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	const per = 500
	now := time.Now().UTC()
	for lo := 0; lo < n; lo += per {
		hi := min(lo+per, n)
		var sb strings.Builder
		sb.WriteString(`INSERT INTO "workspace_chats" ("workspace_id", "prompt", "response", "include", "created_at", "last_updated_at") VALUES `)
		args := make([]any, 0, 6*(hi-lo))
		for i := lo; i < hi; i++ {
			if i > lo {
				sb.WriteString(",")
			}
			sb.WriteString("(?, ?, ?, ?, ?, ?)")
			at := now.Add(time.Duration(from+i) * time.Millisecond)
			args = append(args, 1, fmt.Sprintf("question number %d about the quarterly report?", from+i),
				fmt.Sprintf(`{"text":"answer number %d, with a sentence or two of text as a model writes it.","sources":[],"type":"chat","attachments":[],"metrics":{}}`, from+i),
				true, at, at)
		}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkChatHistory: listing a workspace's chat history (App.Workspace-
// Chats, the 100 newest and the 100 oldest, as GET /v1/workspace/{slug}/chats
// does with orderBy desc and asc) as the workspace grows to 1k, 10k and 100k
// chats; "x-pk-read" is its time over one chat read by primary key in the
// same sub-benchmark.
func BenchmarkChatHistory(b *testing.B) {
	sizes := []int{1_000, 10_000, 100_000}
	if smoke {
		sizes = []int{100, 1_000}
	}
	ctx := context.Background()
	if hist.app == nil {
		app, _, _ := newApp(b)
		hist.app, hist.st = app, app.Store().(*bunstore.Store)
		// newApp's five documents made no chats; "small" is workspace 1.
	}
	for _, n := range sizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			if hist.chats < n {
				addChats(b, hist.st, hist.chats, n-hist.chats)
				hist.chats = n
			}
			for _, newest := range []bool{true, false} {
				name := map[bool]string{true: "newest100", false: "oldest100"}[newest]
				b.Run(name, func(b *testing.B) {
					pk := time.Duration(1 << 62)
					for range 20 {
						t0 := time.Now()
						if _, err := hist.st.Chats().Get(ctx, int64(n/2)); err != nil {
							b.Fatal(err)
						}
						pk = min(pk, time.Since(t0))
					}
					b.ResetTimer()
					start := time.Now()
					for range b.N {
						msgs, err := hist.app.WorkspaceChats(ctx, "small", &anythingllm.WorkspaceChatsRequest{Limit: 100, Newest: newest})
						if err != nil || len(msgs) != 200 {
							b.Fatal(err, len(msgs))
						}
					}
					per := time.Since(start) / time.Duration(b.N)
					b.ReportMetric(float64(per)/1e6, "ms/list")
					b.ReportMetric(float64(per)/float64(pk), "x-pk-read")
				})
			}
		})
	}
}
