package anythingllm

import (
	"context"
	"crypto/rand"
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

// WorkspaceSettings are the workspace settings a client sets; a nil field
// is not sent. The App normalises the values as AnythingLLM does: a blank
// name becomes "My Workspace"; a number that is NaN (the client sent
// something that is not a number) falls back to the field's default; a
// negative temperature clears it; the similarity threshold is clamped to
// [0, 1] and topN raised to at least 1; an unknown chat mode becomes
// "automatic" and an unknown vector search mode "default"; an empty string
// (or provider "none") clears an optional field.
type WorkspaceSettings struct {
	Name                 *string
	OpenAITemp           *float64
	OpenAIHistory        *float64
	SimilarityThreshold  *float64
	TopN                 *float64
	ChatMode             *string
	ChatProvider         *string // "default" (on update) clears the provider and the model
	AgentProvider        *string
	ChatModel            *string
	AgentModel           *string
	QueryRefusalResponse *string
	OpenAIPrompt         *string
	VectorSearchMode     *string
}

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

func optString(v *string) *string {
	if *v == "" {
		return nil
	}
	s := *v
	return &s
}

func optProvider(v *string) *string {
	if *v == "none" {
		return nil
	}
	return optString(v)
}

// applyWorkspaceSettings normalises the fields set in in onto w and
// reports how many there were.
func applyWorkspaceSettings(w *Workspace, in *WorkspaceSettings) int {
	if in == nil {
		return 0
	}
	n := 0
	set := func(sent bool) bool {
		if sent {
			n++
		}
		return sent
	}
	if set(in.Name != nil) {
		s := *in.Name
		if strings.TrimSpace(s) == "" {
			s = "My Workspace"
		}
		if len(s) > 255 {
			s = s[:255]
		}
		w.Name = s
	}
	if set(in.OpenAITemp != nil) {
		w.OpenAITemp = nil
		if f := *in.OpenAITemp; f >= 0 { // false for NaN
			w.OpenAITemp = &f
		}
	}
	if set(in.OpenAIHistory != nil) {
		switch f := *in.OpenAIHistory; {
		case math.IsNaN(f):
			w.OpenAIHistory = DefaultHistory
		case f < 0:
			w.OpenAIHistory = 0
		default:
			w.OpenAIHistory = int(f)
		}
	}
	if set(in.SimilarityThreshold != nil) {
		f := *in.SimilarityThreshold
		if math.IsNaN(f) {
			f = DefaultSimilarityThreshold
		}
		f = math.Min(1, math.Max(0, f))
		w.SimilarityThreshold = &f
	}
	if set(in.TopN != nil) {
		topN := DefaultTopN
		if f := *in.TopN; !math.IsNaN(f) {
			topN = max(1, int(f))
		}
		w.TopN = &topN
	}
	if set(in.ChatMode != nil) {
		s := *in.ChatMode
		if s != ModeChat && s != ModeQuery && s != ModeAutomatic {
			s = ModeAutomatic
		}
		w.ChatMode = &s
	}
	if set(in.ChatProvider != nil) {
		w.ChatProvider = optProvider(in.ChatProvider)
	}
	if set(in.AgentProvider != nil) {
		w.AgentProvider = optProvider(in.AgentProvider)
	}
	if set(in.ChatModel != nil) {
		w.ChatModel = optString(in.ChatModel)
	}
	if set(in.AgentModel != nil) {
		w.AgentModel = optString(in.AgentModel)
	}
	if set(in.QueryRefusalResponse != nil) {
		w.QueryRefusalResponse = optString(in.QueryRefusalResponse)
	}
	if set(in.OpenAIPrompt != nil) {
		w.OpenAIPrompt = optString(in.OpenAIPrompt)
	}
	if set(in.VectorSearchMode != nil) {
		s := *in.VectorSearchMode
		if s != "default" && s != "rerank" {
			s = "default"
		}
		w.VectorSearchMode = &s
	}
	return n
}

// CreateWorkspace makes a workspace. The name is required; the slug comes
// from it.
func (a *App) CreateWorkspace(ctx context.Context, in *WorkspaceSettings) (*Workspace, error) {
	if in == nil || in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		return nil, Errorf(InvalidArgument, "name cannot be null")
	}
	now := a.now()
	w := &Workspace{OpenAIHistory: DefaultHistory, CreatedAt: now, LastUpdatedAt: now}
	st, tn, mode, vsm := DefaultSimilarityThreshold, DefaultTopN, "automatic", "default"
	w.SimilarityThreshold, w.TopN, w.ChatMode, w.VectorSearchMode = &st, &tn, &mode, &vsm
	applyWorkspaceSettings(w, in)
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
func (a *App) UpdateWorkspace(ctx context.Context, slug string, in *WorkspaceSettings) (*Workspace, bool, error) {
	w, err := a.workspace(ctx, slug)
	if err != nil {
		return nil, false, err
	}
	set := WorkspaceSettings{}
	if in != nil {
		set = *in
	}
	applied := 0
	if set.ChatProvider != nil && *set.ChatProvider == "default" {
		// "default" clears both the provider and the model.
		set.ChatProvider, set.ChatModel = nil, nil
		w.ChatProvider, w.ChatModel = nil, nil
		applied++
	}
	applied += applyWorkspaceSettings(w, &set)
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
