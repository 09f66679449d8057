package anythingllm

import (
	"context"
	"encoding/json"
	"strings"
)

// chatIn finds a chat by id inside a workspace.
func (a *App) chatIn(ctx context.Context, slug string, chatID int64) (*Workspace, *Chat, error) {
	w, err := a.workspace(ctx, slug)
	if err != nil {
		return nil, nil, err
	}
	c, err := a.deps.Store.Chats().Get(ctx, chatID)
	if err != nil || c.WorkspaceID != w.ID {
		return nil, nil, Errorf(NotFound, "chat %d not found in this workspace", chatID)
	}
	return w, c, nil
}

// UpdateChatText replaces the answer text of a chat.
func (a *App) UpdateChatText(ctx context.Context, slug string, chatID int64, text string) error {
	if strings.TrimSpace(text) == "" {
		return Errorf(InvalidArgument, "newText cannot be empty")
	}
	_, c, err := a.chatIn(ctx, slug, chatID)
	if err != nil {
		return err
	}
	var r map[string]any
	if json.Unmarshal([]byte(c.Response), &r) != nil || r == nil {
		r = map[string]any{}
	}
	r["text"] = text
	b, _ := json.Marshal(r)
	c.Response, c.LastUpdatedAt = string(b), a.now()
	return a.deps.Store.Chats().Update(ctx, c)
}

// SetChatFeedback records "positive" (true), "negative" (false) or ""
// (cleared) on a chat.
func (a *App) SetChatFeedback(ctx context.Context, slug string, chatID int64, feedback string) error {
	var score *bool
	switch feedback {
	case "positive", "true", "up":
		t := true
		score = &t
	case "negative", "false", "down":
		f := false
		score = &f
	case "", "null":
	default:
		return Errorf(InvalidArgument, "feedback must be positive, negative or null")
	}
	_, c, err := a.chatIn(ctx, slug, chatID)
	if err != nil {
		return err
	}
	c.FeedbackScore, c.LastUpdatedAt = score, a.now()
	return a.deps.Store.Chats().Update(ctx, c)
}

// DeleteChats deletes chats of a workspace by id and reports how many.
func (a *App) DeleteChats(ctx context.Context, slug string, ids []int64) (int, error) {
	w, err := a.workspace(ctx, slug)
	if err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, Errorf(InvalidArgument, "chatIds must be a non-empty array")
	}
	return a.deps.Store.Chats().Delete(ctx, &ChatFilter{WorkspaceID: w.ID, IDs: ids})
}

// DeleteChatsFrom deletes, in the conversation of chat startingID (its
// thread, session and user), that chat and every later one: an edited
// conversation is cut from that point.
func (a *App) DeleteChatsFrom(ctx context.Context, slug string, startingID int64) (int, error) {
	if startingID <= 0 {
		return 0, Errorf(InvalidArgument, "startingId must be a chat id")
	}
	w, start, err := a.chatIn(ctx, slug, startingID)
	if err != nil {
		return 0, err
	}
	f := &ChatFilter{WorkspaceID: w.ID, MinID: startingID}
	if start.ThreadID != nil {
		f.ThreadID = *start.ThreadID
	} else {
		f.NoThread = true
	}
	if start.APISessionID != nil {
		f.SessionID = *start.APISessionID
	} else {
		f.NoSession = true
	}
	if start.UserID != nil {
		f.UserID = *start.UserID
	} else {
		f.NoUser = true
	}
	return a.deps.Store.Chats().Delete(ctx, f)
}

// ForkThread makes a new thread holding copies of a thread's chats up to
// and including chatID, and returns its slug.
func (a *App) ForkThread(ctx context.Context, slug, threadSlug string, chatID int64) (string, error) {
	w, src, err := a.thread(ctx, slug, threadSlug)
	if err != nil {
		return "", err
	}
	var newSlug string
	err = a.deps.Store.InTx(ctx, func(tx Store) error {
		chats, err := tx.Chats().List(ctx, &ChatFilter{WorkspaceID: w.ID, ThreadID: src.ID, IncludedOnly: true})
		if err != nil {
			return err
		}
		found := false
		for _, c := range chats {
			found = found || c.ID == chatID
		}
		if !found {
			return Errorf(NotFound, "chat %d is not in thread %s", chatID, quoteName(threadSlug))
		}
		now := a.now()
		t := &Thread{Name: src.Name + " (fork)", Slug: newThreadSlug(), WorkspaceID: w.ID, UserID: src.UserID, CreatedAt: now, LastUpdatedAt: now}
		if err := tx.Threads().Create(ctx, t); err != nil {
			return err
		}
		for _, c := range chats {
			if c.ID > chatID {
				break
			}
			cp := c
			cp.ID, cp.ThreadID, cp.LastUpdatedAt = 0, &t.ID, now
			if err := tx.Chats().Create(ctx, &cp); err != nil {
				return err
			}
		}
		newSlug = t.Slug
		return nil
	})
	return newSlug, err
}

// HideChat excludes a chat from history (include=false).
func (a *App) HideChat(ctx context.Context, chatID int64) error {
	if _, err := a.deps.Store.Chats().Get(ctx, chatID); err != nil {
		return Errorf(NotFound, "chat %d not found", chatID)
	}
	_, err := a.deps.Store.Chats().SetInclude(ctx, &ChatFilter{IDs: []int64{chatID}}, false)
	return err
}
