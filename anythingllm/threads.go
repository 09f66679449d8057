package anythingllm

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/google/uuid"
)

// HistoryMessage is one entry of a chat history listing (two per chat:
// the user's prompt, then the assistant's answer).
type HistoryMessage struct {
	Type          string   `json:"type,omitempty"`
	Role          string   `json:"role"`
	Content       string   `json:"content"`
	SentAt        int64    `json:"sentAt"`
	Attachments   []any    `json:"attachments,omitempty"`
	ChatID        int64    `json:"chatId"`
	Sources       []Source `json:"sources,omitempty"`
	FeedbackScore *bool    `json:"feedbackScore,omitempty"`
	Metrics       *Metrics `json:"metrics,omitempty"`
}

// chatHistory converts chats to upstream's history shape.
func chatHistory(chats []Chat) []HistoryMessage {
	out := make([]HistoryMessage, 0, 2*len(chats))
	for _, c := range chats {
		var r storedResponse
		if json.Unmarshal([]byte(c.Response), &r) != nil {
			continue
		}
		typ := r.Type
		if typ == "" {
			typ = "chart" // upstream's literal fallback
		}
		attach := r.Attachments
		if attach == nil {
			attach = []any{}
		}
		sources := r.Sources
		if sources == nil {
			sources = []Source{}
		}
		sent := c.CreatedAt.Unix()
		out = append(out,
			HistoryMessage{Role: RoleUser, Content: c.Prompt, SentAt: sent, Attachments: attach, ChatID: c.ID},
			HistoryMessage{Type: typ, Role: RoleAssistant, Content: r.Text, Sources: sources, ChatID: c.ID, SentAt: sent, FeedbackScore: c.FeedbackScore, Metrics: &r.Metrics})
	}
	return out
}

// WorkspaceChatsRequest filters a workspace's chat history.
type WorkspaceChatsRequest struct {
	SessionID string
	Limit     int  // chat records (each gives two messages); <= 0 means 100
	Newest    bool // orderBy=desc
}

// WorkspaceChats lists a workspace's chats outside threads: without a
// session, the included chats with no session; with one, that session's
// chats of no user (hidden ones too, as upstream).
func (a *App) WorkspaceChats(ctx context.Context, slug string, req *WorkspaceChatsRequest) ([]HistoryMessage, error) {
	w, err := a.workspace(ctx, slug)
	if err != nil {
		return nil, err
	}
	f := &ChatFilter{WorkspaceID: w.ID, NoThread: true, Limit: req.Limit, Newest: req.Newest}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	if req.SessionID != "" {
		f.SessionID, f.NoUser = req.SessionID, true
	} else {
		f.NoSession, f.IncludedOnly = true, true
	}
	chats, err := a.deps.Store.Chats().List(ctx, f)
	if err != nil {
		return nil, err
	}
	return chatHistory(chats), nil
}

// CreateThreadRequest makes a thread.
type CreateThreadRequest struct {
	Name   string
	Slug   string // optional; slugified keeping case; default a uuid
	UserID *int64
}

// CreateThread makes a thread in a workspace.
func (a *App) CreateThread(ctx context.Context, slug string, req *CreateThreadRequest) (*Thread, error) {
	w, err := a.workspace(ctx, slug)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(req.Name)
	if name == "" {
		name = "Thread"
	}
	ts := uuid.NewString()
	if req.Slug != "" {
		if ts = Slugify(req.Slug, false); ts == "" {
			return nil, Errorf(InvalidArgument, "thread slug %s has no usable characters", quoteName(req.Slug))
		}
	}
	now := a.now()
	t := &Thread{Name: name, Slug: ts, WorkspaceID: w.ID, UserID: req.UserID, CreatedAt: now, LastUpdatedAt: now}
	if err := a.deps.Store.Threads().Create(ctx, t); err != nil {
		if Code(err) == AlreadyExists {
			return nil, Errorf(AlreadyExists, "a thread with slug %s already exists", quoteName(ts))
		}
		return nil, err
	}
	return t, nil
}

func (a *App) thread(ctx context.Context, slug, threadSlug string) (*Workspace, *Thread, error) {
	w, err := a.workspace(ctx, slug)
	if err != nil {
		return nil, nil, Errorf(NotFound, "Workspace not found")
	}
	t, err := a.deps.Store.Threads().GetBySlug(ctx, w.ID, threadSlug)
	if err != nil {
		if Code(err) == NotFound {
			return nil, nil, Errorf(NotFound, "Thread not found")
		}
		return nil, nil, err
	}
	return w, t, nil
}

// RenameThread changes a thread's name.
func (a *App) RenameThread(ctx context.Context, slug, threadSlug, name string) (*Thread, error) {
	_, t, err := a.thread(ctx, slug, threadSlug)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(name) == "" {
		return nil, Errorf(InvalidArgument, "name cannot be empty")
	}
	t.Name, t.LastUpdatedAt = name, a.now()
	return t, a.deps.Store.Threads().Update(ctx, t)
}

// DeleteThread removes a thread and its chats.
func (a *App) DeleteThread(ctx context.Context, slug, threadSlug string) error {
	_, t, err := a.thread(ctx, slug, threadSlug)
	if err != nil {
		return err
	}
	return a.deps.Store.Threads().Delete(ctx, t.ID)
}

// ThreadChats lists a thread's included chats, oldest first.
func (a *App) ThreadChats(ctx context.Context, slug, threadSlug string) ([]HistoryMessage, error) {
	w, t, err := a.thread(ctx, slug, threadSlug)
	if err != nil {
		return nil, err
	}
	chats, err := a.deps.Store.Chats().List(ctx, &ChatFilter{WorkspaceID: w.ID, ThreadID: t.ID, NoSession: true, IncludedOnly: true})
	if err != nil {
		return nil, err
	}
	return chatHistory(chats), nil
}

func newThreadSlug() string { return uuid.NewString() }
