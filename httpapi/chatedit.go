package httpapi

import (
	"net/http"
	"strconv"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

type updateChatRequest struct {
	ChatID  int64  `json:"chatId"`
	NewText string `json:"newText"`
}

type chatFeedbackRequest struct {
	Feedback *string `json:"feedback" doc:"positive, negative or null"`
}

type deleteChatsRequest struct {
	ChatIDs []int64 `json:"chatIds"`
}

type deleteEditedChatsRequest struct {
	StartingID int64 `json:"startingId"`
}

type forkThreadRequest struct {
	ChatID     int64  `json:"chatId"`
	ThreadSlug string `json:"threadSlug"`
}

type forkThreadResponse struct {
	NewThreadSlug string `json:"newThreadSlug"`
}

func ok(w http.ResponseWriter) { encode(w, http.StatusOK, successErrorResponse{Success: true}) }

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, anythingllm.Errorf(anythingllm.InvalidArgument, "%s must be a positive number", name)
	}
	return id, nil
}

func (s *server) handleUpdateChat(w http.ResponseWriter, r *http.Request) {
	in, err := decode[updateChatRequest](r)
	if err == nil {
		err = s.app.UpdateChatText(r.Context(), r.PathValue("slug"), in.ChatID, in.NewText)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ok(w)
}

func (s *server) handleChatFeedback(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "chatId")
	var in chatFeedbackRequest
	if err == nil {
		in, err = decode[chatFeedbackRequest](r)
	}
	if err == nil {
		fb := ""
		if in.Feedback != nil {
			fb = *in.Feedback
		}
		err = s.app.SetChatFeedback(r.Context(), r.PathValue("slug"), id, fb)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ok(w)
}

func (s *server) handleDeleteChats(w http.ResponseWriter, r *http.Request) {
	in, err := decode[deleteChatsRequest](r)
	if err == nil {
		_, err = s.app.DeleteChats(r.Context(), r.PathValue("slug"), in.ChatIDs)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ok(w)
}

func (s *server) handleDeleteEditedChats(w http.ResponseWriter, r *http.Request) {
	in, err := decode[deleteEditedChatsRequest](r)
	if err == nil {
		_, err = s.app.DeleteChatsFrom(r.Context(), r.PathValue("slug"), in.StartingID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ok(w)
}

func (s *server) handleForkThread(w http.ResponseWriter, r *http.Request) {
	in, err := decode[forkThreadRequest](r)
	var slug string
	if err == nil {
		slug, err = s.app.ForkThread(r.Context(), r.PathValue("slug"), in.ThreadSlug, in.ChatID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, forkThreadResponse{NewThreadSlug: slug})
}

func (s *server) handleHideChat(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.app.HideChat(r.Context(), id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ok(w)
}
