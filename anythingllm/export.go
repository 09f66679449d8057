package anythingllm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// ExportFormats are the chat export formats.
var ExportFormats = []string{"jsonl", "json", "csv", "jsonAlpaca"}

// ChatExport is an exported chat log.
type ChatExport struct {
	ContentType string
	FileName    string
	Body        []byte
}

type exportRow struct {
	chat      Chat
	resp      storedResponse
	workspace string
	username  string
}

// ExportChats exports every chat (any workspace, user, thread or session,
// hidden ones too), oldest first, in one of ExportFormats.
func (a *App) ExportChats(ctx context.Context, format string) (*ChatExport, error) {
	if format == "" {
		format = "jsonl"
	}
	valid := false
	for _, f := range ExportFormats {
		valid = valid || f == format
	}
	if !valid {
		shown := strings.Map(func(r rune) rune {
			if r < 32 || r == 127 {
				return -1
			}
			return r
		}, format)
		if len(shown) > 40 {
			shown = shown[:40] + "..."
		}
		return nil, Errorf(InvalidArgument, "Invalid export type: %s. Must be one of json, csv, jsonl, jsonAlpaca", shown)
	}
	chats, err := a.deps.Store.Chats().List(ctx, nil)
	if err != nil {
		return nil, err
	}
	names := newChatNames(a.deps.Store)
	rows := make([]exportRow, 0, len(chats))
	for i, c := range chats {
		r := exportRow{chat: c}
		_ = json.Unmarshal([]byte(c.Response), &r.resp)
		w, err := names.workspace(ctx, c.WorkspaceID)
		if err != nil {
			return nil, err
		}
		r.workspace = w.Name
		if r.username, err = names.username(ctx, &chats[i]); err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	stamp := a.now().Format("2006-01-02T15-04-05")
	out := &ChatExport{FileName: fmt.Sprintf("chats-%s.%s", stamp, map[string]string{"jsonl": "jsonl", "json": "json", "csv": "csv", "jsonAlpaca": "json"}[format])}
	switch format {
	case "jsonl":
		out.ContentType = "application/jsonl"
		out.Body = exportJSONL(rows)
	case "json":
		out.ContentType = "application/json"
		items := make([]map[string]any, len(rows))
		for i, r := range rows {
			items[i] = map[string]any{"id": r.chat.ID, "prompt": r.chat.Prompt, "response": r.resp.Text, "sent_at": r.chat.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
				"attachments": []any{}, "workspace": r.workspace, "username": r.username, "rating": rating(r.chat.FeedbackScore)}
		}
		out.Body, _ = json.MarshalIndent(items, "", "    ")
	case "csv":
		out.ContentType = "text/csv"
		// Every value quoted, quotes doubled, newlines flattened: upstream's
		// CSV; user and model text (workspace, prompt, response, username)
		// also neutralised against formula injection (csvCell).
		q := csvQuote
		u := func(v string) string { return csvQuote(csvCell(v)) }
		var b bytes.Buffer
		b.WriteString("id,workspace,prompt,response,sent_at,username,rating")
		for _, r := range rows {
			b.WriteString("\n" + strings.Join([]string{q(fmt.Sprint(r.chat.ID)), u(r.workspace), u(r.chat.Prompt), u(r.resp.Text),
				q(r.chat.CreatedAt.UTC().Format("Mon Jan 02 2006 15:04:05 GMT+0000 (Coordinated Universal Time)")), u(r.username), q(rating(r.chat.FeedbackScore))}, ","))
		}
		out.Body = b.Bytes()
	case "jsonAlpaca":
		out.ContentType = "application/json"
		items := make([]map[string]string, len(rows))
		for i, r := range rows {
			var instr strings.Builder
			instr.WriteString(DefaultSystemPrompt)
			if len(r.resp.Sources) > 0 {
				instr.WriteString("\nContext:\n")
				for j, s := range r.resp.Sources {
					text := s.Text
					fmt.Fprintf(&instr, "[CONTEXT %d]:\n%s\n[END CONTEXT %d]\n\n", j, text, j)
				}
			}
			items[i] = map[string]string{"instruction": instr.String(), "input": r.chat.Prompt, "output": r.resp.Text}
		}
		out.Body, _ = json.MarshalIndent(items, "", "    ")
	}
	return out, nil
}

// csvCell neutralises a spreadsheet cell as OWASP recommends against CSV
// (formula) injection: a value starting with =, +, -, @, a tab or a
// carriage return gets a leading single quote, so Excel, LibreOffice and
// Google Sheets show it as text instead of evaluating it.
func csvCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// csvQuote quotes one CSV value: quotes doubled, newlines flattened.
func csvQuote(v string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(v, "\n", " "), `"`, `""`) + `"`
}

func rating(score *bool) string {
	switch {
	case score == nil:
		return "--"
	case *score:
		return "GOOD"
	}
	return "BAD"
}

// exportJSONL writes one line per workspace: its conversation as
// OpenAI-style fine-tuning messages.
func exportJSONL(rows []exportRow) []byte {
	type part struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	type msg struct {
		Role    string `json:"role"`
		Content []part `json:"content"`
	}
	order := []int64{}
	byWS := map[int64][]msg{}
	for _, r := range rows {
		id := r.chat.WorkspaceID
		if _, ok := byWS[id]; !ok {
			order = append(order, id)
			byWS[id] = []msg{{Role: "system", Content: []part{{"text", DefaultSystemPrompt}}}}
		}
		byWS[id] = append(byWS[id], msg{"user", []part{{"text", r.chat.Prompt}}}, msg{"assistant", []part{{"text", r.resp.Text}}})
	}
	// Workspaces in ascending id order, as upstream.
	slices.Sort(order)
	var lines []string
	for _, id := range order {
		b, _ := json.Marshal(map[string]any{"messages": byWS[id]})
		lines = append(lines, string(b))
	}
	return []byte(strings.Join(lines, "\n"))
}
