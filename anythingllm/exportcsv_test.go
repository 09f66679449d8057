package anythingllm_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
)

// TestExportCSVNeutralisesUserText exports chats whose prompt, answer,
// workspace and user name are formulas: every such cell comes out as text.
func TestExportCSVNeutralisesUserText(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	stamp := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	app, err := anythingllm.New(anythingllm.Deps{Store: st}, &anythingllm.Options{Now: func() time.Time { return stamp }})
	if err != nil {
		t.Fatal(err)
	}
	w := &anythingllm.Workspace{Name: "=cmd|' /C calc'!A0", Slug: "formula", CreatedAt: stamp, LastUpdatedAt: stamp}
	if err := st.Workspaces().Create(ctx, w); err != nil {
		t.Fatal(err)
	}
	u := &anythingllm.User{Username: "@evil", PasswordHash: "x", Role: anythingllm.RoleDefault, CreatedAt: stamp, LastUpdatedAt: stamp}
	if err := st.Users().Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	resp, _ := json.Marshal(map[string]any{"text": "-1+1", "sources": []any{}})
	c := &anythingllm.Chat{WorkspaceID: w.ID, Prompt: "+SUM(A1:A9)", Response: string(resp), UserID: &u.ID, CreatedAt: stamp, LastUpdatedAt: stamp}
	if err := st.Chats().Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	e, err := app.ExportChats(ctx, "csv")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(string(e.Body))).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("csv: %v %q", err, e.Body)
	}
	row := recs[1]
	want := map[int]string{1: "'=cmd|' /C calc'!A0", 2: "'+SUM(A1:A9)", 3: "'-1+1", 5: "'@evil", 6: "--"}
	for i, v := range want {
		if row[i] != v {
			t.Errorf("column %s = %q, want %q", recs[0][i], row[i], v)
		}
	}
}
