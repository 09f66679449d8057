package anythingllm_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
)

func TestExportChatsShapes(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	stamp := time.Date(2023, 8, 17, 0, 45, 3, 0, time.UTC)
	app, _ := anythingllm.New(anythingllm.Deps{Store: st}, &anythingllm.Options{Now: func() time.Time { return stamp }})
	var ws []*anythingllm.Workspace
	for _, name := range []string{"Alpha", "Beta"} {
		w := &anythingllm.Workspace{Name: name, Slug: strings.ToLower(name), CreatedAt: stamp, LastUpdatedAt: stamp}
		if err := st.Workspaces().Create(ctx, w); err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	u := &anythingllm.User{Username: "ann", PasswordHash: "x", Role: anythingllm.RoleDefault, CreatedAt: stamp, LastUpdatedAt: stamp}
	if err := st.Users().Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	good, sess := true, "s1"
	resp := func(text string, sources ...string) string {
		src := []map[string]any{}
		for _, s := range sources {
			src = append(src, map[string]any{"text": s})
		}
		b, _ := json.Marshal(map[string]any{"text": text, "sources": src})
		return string(b)
	}
	// Beta's chat comes first; jsonl still lists workspaces by id.
	for _, c := range []anythingllm.Chat{
		{WorkspaceID: ws[1].ID, Prompt: "in beta", Response: resp("b"), UserID: &u.ID, FeedbackScore: &good},
		{WorkspaceID: ws[0].ID, Prompt: `say "hi"` + "\nnow", Response: resp("hi\nthere", "ctx one"), APISessionID: &sess},
		{WorkspaceID: ws[0].ID, Prompt: "hidden", Response: resp("h")},
	} {
		c.CreatedAt, c.LastUpdatedAt = stamp, stamp
		if err := st.Chats().Create(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}
	exp := func(format string) *anythingllm.ChatExport {
		t.Helper()
		e, err := app.ExportChats(ctx, format)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	jl := exp("")
	lines := strings.Split(string(jl.Body), "\n")
	if jl.ContentType != "application/jsonl" || !strings.HasSuffix(jl.FileName, ".jsonl") || len(lines) != 2 ||
		!strings.Contains(lines[0], `hidden`) || !strings.Contains(lines[1], `in beta`) {
		t.Fatalf("jsonl (%s %s):\n%s", jl.ContentType, jl.FileName, jl.Body)
	}
	var line struct {
		Messages []struct {
			Role    string
			Content []struct{ Type, Text string }
		}
	}
	if err := json.Unmarshal([]byte(lines[0]), &line); err != nil || len(line.Messages) != 5 || line.Messages[0].Role != "system" ||
		line.Messages[2].Role != "assistant" || line.Messages[2].Content[0].Text != "hi\nthere" {
		t.Fatalf("jsonl line: %v %+v", err, line)
	}
	var rows []map[string]any
	j := exp("json")
	if err := json.Unmarshal(j.Body, &rows); err != nil || j.ContentType != "application/json" || len(rows) != 3 {
		t.Fatalf("json: %v\n%s", err, j.Body)
	}
	if rows[0]["username"] != "ann" || rows[0]["rating"] != "GOOD" || rows[0]["workspace"] != "Beta" || rows[1]["username"] != "API" ||
		rows[2]["username"] != "unknown user" || rows[2]["rating"] != "--" || rows[0]["sent_at"] != "2023-08-17T00:45:03.000Z" {
		t.Fatalf("json rows: %v", rows)
	}
	if !strings.Contains(string(j.Body), "\n    {") {
		t.Fatal("json is not indented with 4 spaces")
	}
	c := exp("csv")
	csvLines := strings.Split(string(c.Body), "\n")
	if c.ContentType != "text/csv" || len(csvLines) != 4 || csvLines[0] != "id,workspace,prompt,response,sent_at,username,rating" ||
		!strings.HasSuffix(csvLines[2], `,"Alpha","say ""hi"" now","hi there","Thu Aug 17 2023 00:45:03 GMT+0000 (Coordinated Universal Time)","API","--"`) {
		t.Fatalf("csv:\n%s", c.Body)
	}
	var alpaca []map[string]string
	a := exp("jsonAlpaca")
	if err := json.Unmarshal(a.Body, &alpaca); err != nil || len(alpaca) != 3 || alpaca[1]["output"] != "hi\nthere" ||
		!strings.Contains(alpaca[1]["instruction"], "[CONTEXT 0]:\nctx one\n[END CONTEXT 0]") || alpaca[0]["input"] != "in beta" {
		t.Fatalf("jsonAlpaca: %v\n%s", err, a.Body)
	}
	if _, err := app.ExportChats(ctx, "xml\n"+strings.Repeat("x", 500)); anythingllm.Code(err) != anythingllm.InvalidArgument ||
		strings.Contains(err.Error(), "\n") || len(anythingllm.ErrorMessage(err)) > 150 {
		t.Fatalf("bad type: %v", err)
	}
}
