package httpapi

import (
	"net/http"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// workspaceRequest documents the writable workspace fields for the OpenAPI
// document; handlers decode the raw fields (workspaceFields, flex.go) as
// upstream's JavaScript reads them, and the App normalises the values.
type workspaceRequest struct {
	Name                 string   `json:"name,omitempty" doc:"required on create"`
	SimilarityThreshold  *float64 `json:"similarityThreshold,omitempty"`
	OpenAITemp           *float64 `json:"openAiTemp,omitempty"`
	OpenAIHistory        *int     `json:"openAiHistory,omitempty"`
	OpenAIPrompt         *string  `json:"openAiPrompt,omitempty"`
	QueryRefusalResponse *string  `json:"queryRefusalResponse,omitempty"`
	ChatMode             *string  `json:"chatMode,omitempty" doc:"chat, query or automatic"`
	TopN                 *int     `json:"topN,omitempty"`
	ChatProvider         *string  `json:"chatProvider,omitempty"`
	ChatModel            *string  `json:"chatModel,omitempty"`
	VectorSearchMode     *string  `json:"vectorSearchMode,omitempty" doc:"default or rerank"`
}

type workspaceResponse struct {
	Workspace *anythingllm.Workspace `json:"workspace"`
	Message   *string                `json:"message"`
}

type workspacesResponse struct {
	Workspaces []anythingllm.WorkspaceSummary `json:"workspaces"`
}

type workspaceGetResponse struct {
	Workspace []anythingllm.WorkspaceDetail `json:"workspace"`
}

type workspaceErrorResponse struct {
	Workspace *anythingllm.Workspace `json:"workspace"`
	Message   string                 `json:"message"`
}

type successErrorResponse struct {
	Success bool    `json:"success"`
	Error   *string `json:"error"`
}

func (s *server) handleWorkspaceNew(w http.ResponseWriter, r *http.Request) {
	in, err := decode[workspaceFields](r)
	if err == nil {
		var ws *anythingllm.Workspace
		ws, err = s.app.CreateWorkspace(r.Context(), in.settings())
		if err == nil {
			encode(w, http.StatusOK, workspaceResponse{Workspace: ws})
			return
		}
	}
	status, msg := errorStatus(err)
	if status >= 500 {
		s.writeError(w, r, err)
		return
	}
	encode(w, status, workspaceErrorResponse{Message: msg})
}

func (s *server) handleWorkspaces(w http.ResponseWriter, r *http.Request) {
	list, err := s.app.ListWorkspaces(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if list == nil {
		list = []anythingllm.WorkspaceSummary{}
	}
	encode(w, http.StatusOK, workspacesResponse{Workspaces: list})
}

// handleWorkspaceGet answers an array: one workspace, or none for an
// unknown slug (200 {"workspace":[]}), as upstream.
func (s *server) handleWorkspaceGet(w http.ResponseWriter, r *http.Request) {
	d, err := s.app.GetWorkspace(r.Context(), r.PathValue("slug"))
	switch {
	case anythingllm.Code(err) == anythingllm.NotFound:
		encode(w, http.StatusOK, workspaceGetResponse{Workspace: []anythingllm.WorkspaceDetail{}})
	case err != nil:
		s.writeError(w, r, err)
	default:
		encode(w, http.StatusOK, workspaceGetResponse{Workspace: []anythingllm.WorkspaceDetail{*d}})
	}
}

func (s *server) handleWorkspaceUpdate(w http.ResponseWriter, r *http.Request) {
	in, err := decode[workspaceFields](r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ws, changed, err := s.app.UpdateWorkspace(r.Context(), r.PathValue("slug"), in.settings())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !changed {
		msg := "No valid fields to update!"
		encode(w, http.StatusOK, workspaceResponse{Workspace: &anythingllm.Workspace{ID: ws.ID}, Message: &msg})
		return
	}
	encode(w, http.StatusOK, workspaceResponse{Workspace: ws})
}

// handleWorkspaceDelete answers upstream's plain "OK".
func (s *server) handleWorkspaceDelete(w http.ResponseWriter, r *http.Request) {
	err := s.app.DeleteWorkspace(r.Context(), r.PathValue("slug"))
	if anythingllm.Code(err) == anythingllm.PermissionDenied {
		msg := anythingllm.ErrorMessage(err)
		encode(w, http.StatusForbidden, successErrorResponse{Error: &msg})
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("OK"))
}
