package httpapi

import (
	"net/http"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

type threadNewRequest struct {
	Name   string `json:"name,omitempty"`
	Slug   string `json:"slug,omitempty"`
	UserID *int64 `json:"userId,omitempty"`
}

type threadUpdateRequest struct {
	Name string `json:"name"`
}

type threadResponse struct {
	Thread  *anythingllm.Thread `json:"thread"`
	Message *string             `json:"message"`
}

func (s *server) handleThreadNew(w http.ResponseWriter, r *http.Request) {
	in, err := decode[threadNewRequest](r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.app.CreateThread(r.Context(), r.PathValue("slug"), &anythingllm.CreateThreadRequest{Name: in.Name, Slug: in.Slug, UserID: in.UserID})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, threadResponse{Thread: t})
}

func (s *server) handleThreadUpdate(w http.ResponseWriter, r *http.Request) {
	in, err := decode[threadUpdateRequest](r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.app.RenameThread(r.Context(), r.PathValue("slug"), r.PathValue("threadSlug"), in.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, threadResponse{Thread: t})
}

// handleThreadDelete answers upstream's plain "OK".
func (s *server) handleThreadDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.app.DeleteThread(r.Context(), r.PathValue("slug"), r.PathValue("threadSlug")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("OK"))
}

func (s *server) handleThreadChats(w http.ResponseWriter, r *http.Request) {
	h, err := s.app.ThreadChats(r.Context(), r.PathValue("slug"), r.PathValue("threadSlug"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, historyResponse{History: h})
}
