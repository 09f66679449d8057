package anythingllm

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// DefaultSystemPrompt is AnythingLLM's built-in workspace prompt.
const DefaultSystemPrompt = "Given the following conversation, relevant context, and a follow up question, reply with an answer to the current question the user is asking. The current date and time is {datetime}. Return only your response to the question given the above information following the users instructions as needed."

// Workspace defaults, as upstream.
const (
	DefaultSimilarityThreshold = 0.25
	DefaultTopN                = 4
	DefaultHistory             = 20
)

// WorkspaceFields are workspace settings as a client sent them: JSON values
// by field name. The App normalises them exactly as AnythingLLM does
// (numbers may arrive as strings, invalid values fall back to defaults) and
// ignores unknown keys.
type WorkspaceFields map[string]json.RawMessage

// WorkspaceThread is a thread as listed inside a workspace.
type WorkspaceThread struct {
	UserID *int64 `json:"user_id"`
	Slug   string `json:"slug"`
	Name   string `json:"name,omitempty"`
}

// WorkspaceSummary is a workspace with its threads, as listed.
type WorkspaceSummary struct {
	Workspace
	Threads []WorkspaceThread `json:"threads"`
}

// WorkspaceDetail is a workspace with its documents and threads.
type WorkspaceDetail struct {
	Workspace
	Documents []WorkspaceDocument `json:"documents"`
	Threads   []WorkspaceThread   `json:"threads"`
}

// raw helpers: parse a JSON value the way JavaScript's parseFloat,
// parseInt and truthiness checks see it.

func jsonString(v json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s, true
	}
	return "", false
}

func jsonNumber(v json.RawMessage) (float64, bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return 0, false
	}
	var f float64
	if json.Unmarshal(v, &f) == nil {
		return f, !math.IsNaN(f)
	}
	if s, ok := jsonString(v); ok {
		s = strings.TrimSpace(s)
		// parseFloat reads the longest numeric prefix.
		end := 0
		for end < len(s) && strings.ContainsRune("0123456789.-+eE", rune(s[end])) {
			end++
		}
		for end > 0 {
			if f, err := strconv.ParseFloat(s[:end], 64); err == nil {
				return f, true
			}
			end--
		}
	}
	return 0, false
}

func optString(v json.RawMessage) *string {
	s, ok := jsonString(v)
	if !ok || s == "" {
		return nil
	}
	return &s
}

func optProvider(v json.RawMessage) *string {
	s := optString(v)
	if s == nil || *s == "none" {
		return nil
	}
	return s
}

// applyWorkspaceFields normalises the known fields of in onto w and
// reports how many it applied.
func applyWorkspaceFields(w *Workspace, in WorkspaceFields) int {
	n := 0
	for key, v := range in {
		switch key {
		case "name":
			s, ok := jsonString(v)
			if !ok || strings.TrimSpace(s) == "" {
				s = "My Workspace"
			}
			if len(s) > 255 {
				s = s[:255]
			}
			w.Name = s
		case "openAiTemp":
			if f, ok := jsonNumber(v); ok && f >= 0 {
				w.OpenAITemp = &f
			} else {
				w.OpenAITemp = nil
			}
		case "openAiHistory":
			f, ok := jsonNumber(v)
			switch {
			case !ok:
				w.OpenAIHistory = DefaultHistory
			case f < 0:
				w.OpenAIHistory = 0
			default:
				w.OpenAIHistory = int(f)
			}
		case "similarityThreshold":
			f, ok := jsonNumber(v)
			if !ok {
				f = DefaultSimilarityThreshold
			}
			f = math.Min(1, math.Max(0, f))
			w.SimilarityThreshold = &f
		case "topN":
			f, ok := jsonNumber(v)
			n := DefaultTopN
			if ok {
				n = max(1, int(f))
			}
			w.TopN = &n
		case "chatMode":
			s, _ := jsonString(v)
			if s != "chat" && s != "query" && s != "automatic" {
				s = "automatic"
			}
			w.ChatMode = &s
		case "chatProvider":
			w.ChatProvider = optProvider(v)
		case "agentProvider":
			w.AgentProvider = optProvider(v)
		case "chatModel":
			w.ChatModel = optString(v)
		case "agentModel":
			w.AgentModel = optString(v)
		case "queryRefusalResponse":
			w.QueryRefusalResponse = optString(v)
		case "openAiPrompt":
			w.OpenAIPrompt = optString(v)
		case "vectorSearchMode":
			s, _ := jsonString(v)
			if s != "default" && s != "rerank" {
				s = "default"
			}
			w.VectorSearchMode = &s
		default:
			continue
		}
		n++
	}
	return n
}

// CreateWorkspace makes a workspace from client fields. "name" is required;
// the slug comes from the name (a "slug" field is ignored, as upstream).
func (a *App) CreateWorkspace(ctx context.Context, in WorkspaceFields) (*Workspace, error) {
	name, _ := jsonString(in["name"])
	if strings.TrimSpace(name) == "" {
		return nil, Errorf(InvalidArgument, "name cannot be null")
	}
	now := a.now()
	w := &Workspace{OpenAIHistory: DefaultHistory, CreatedAt: now, LastUpdatedAt: now}
	st, tn, mode, vsm := DefaultSimilarityThreshold, DefaultTopN, "automatic", "default"
	w.SimilarityThreshold, w.TopN, w.ChatMode, w.VectorSearchMode = &st, &tn, &mode, &vsm
	applyWorkspaceFields(w, in)
	if w.OpenAIPrompt == nil {
		p := DefaultSystemPrompt
		if v, err := a.deps.Store.Settings().Get(ctx, "default_system_prompt"); err == nil && strings.TrimSpace(v) != "" {
			p = v
		}
		w.OpenAIPrompt = &p
	}
	base := Slugify(w.Name, true)
	if base == "" {
		base = uuid.NewString()
	}
	w.Slug = base
	for attempt := 0; ; attempt++ {
		err := a.deps.Store.Workspaces().Create(ctx, w)
		if err == nil {
			return w, nil
		}
		if Code(err) != AlreadyExists || attempt == 5 {
			return nil, err
		}
		// Taken: upstream appends a random 8-digit number.
		n, _ := rand.Int(rand.Reader, big.NewInt(90_000_000))
		w.Slug = Slugify(fmt.Sprintf("%s-%d", w.Name, n.Int64()+10_000_000), true)
	}
}

// workspace finds a workspace by slug; ErrNotFound names it.
func (a *App) workspace(ctx context.Context, slug string) (*Workspace, error) {
	w, err := a.deps.Store.Workspaces().GetBySlug(ctx, slug)
	if Code(err) == NotFound {
		return nil, WrapError(NotFound, err, "Workspace %s not found", quoteName(slug))
	}
	return w, err
}

// quoteName quotes a client-given name for an error message, cut short.
func quoteName(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return strconv.Quote(s)
}

// ListWorkspaces lists workspaces with their threads (slug, name, user).
func (a *App) ListWorkspaces(ctx context.Context) ([]WorkspaceSummary, error) {
	ws, err := a.deps.Store.Workspaces().List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]WorkspaceSummary, len(ws))
	for i, w := range ws {
		out[i].Workspace = w
		ths, err := a.deps.Store.Threads().ListByWorkspace(ctx, w.ID)
		if err != nil {
			return nil, err
		}
		out[i].Threads = make([]WorkspaceThread, len(ths))
		for j, th := range ths {
			out[i].Threads[j] = WorkspaceThread{UserID: th.UserID, Slug: th.Slug, Name: th.Name}
		}
	}
	return out, nil
}

// GetWorkspace returns a workspace with its documents and threads.
func (a *App) GetWorkspace(ctx context.Context, slug string) (*WorkspaceDetail, error) {
	w, err := a.workspace(ctx, slug)
	if err != nil {
		return nil, err
	}
	d := &WorkspaceDetail{Workspace: *w}
	if d.Documents, err = a.deps.Store.Documents().ListByWorkspace(ctx, w.ID); err != nil {
		return nil, err
	}
	if d.Documents == nil {
		d.Documents = []WorkspaceDocument{}
	}
	ths, err := a.deps.Store.Threads().ListByWorkspace(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	d.Threads = make([]WorkspaceThread, len(ths))
	for j, th := range ths {
		d.Threads[j] = WorkspaceThread{UserID: th.UserID, Slug: th.Slug}
	}
	return d, nil
}

// UpdateWorkspace applies client fields to a workspace. It reports false
// when no known field was given (nothing changed). The slug never changes.
func (a *App) UpdateWorkspace(ctx context.Context, slug string, in WorkspaceFields) (*Workspace, bool, error) {
	w, err := a.workspace(ctx, slug)
	if err != nil {
		return nil, false, err
	}
	delete(in, "slug")
	applied := 0
	if p, ok := in["chatProvider"]; ok {
		if s, _ := jsonString(p); s == "default" {
			// "default" clears both the provider and the model.
			delete(in, "chatProvider")
			delete(in, "chatModel")
			w.ChatProvider, w.ChatModel = nil, nil
			applied++
		}
	}
	applied += applyWorkspaceFields(w, in)
	if applied == 0 {
		return w, false, nil
	}
	w.LastUpdatedAt = a.now()
	if err := a.deps.Store.Workspaces().Update(ctx, w); err != nil {
		return nil, false, err
	}
	return w, true, nil
}

// DeleteWorkspace removes a workspace with its threads, chats, document
// links and vectors (in SQL and in the index). Document files stay.
func (a *App) DeleteWorkspace(ctx context.Context, slug string) error {
	if a.opts.WorkspaceDeletionProtection {
		return Errorf(PermissionDenied, "Workspace deletion is blocked by the system administrator.")
	}
	w, err := a.workspace(ctx, slug)
	if err != nil {
		return err
	}
	if err := a.deps.Store.Workspaces().Delete(ctx, w.ID); err != nil {
		return err
	}
	if a.deps.Vectors != nil {
		if err := a.deps.Vectors.DeleteNamespace(ctx, w.Slug); err != nil && Code(err) != NotFound {
			a.log.WarnContext(ctx, "dropping the vector namespace failed; it is rebuilt from SQL at the next start", "workspace", w.Slug, "err", err)
		}
	}
	return nil
}
