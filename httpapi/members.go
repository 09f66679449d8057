package httpapi

import (
	"net/http"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

type membersResponse struct {
	Users []anythingllm.WorkspaceUser `json:"users"`
}

type membersRequest struct {
	UserIDs []int64 `json:"user_ids,omitempty"`
	UserIds []int64 `json:"userIds,omitempty" doc:"upstream's name for user_ids"`
	Reset   bool    `json:"reset,omitempty"`
}

func (m membersRequest) ids() []int64 {
	if m.UserIDs != nil {
		return m.UserIDs
	}
	return m.UserIds
}

type manageMembersResponse struct {
	Success bool                        `json:"success"`
	Error   *string                     `json:"error"`
	Users   []anythingllm.WorkspaceUser `json:"users"`
}

type adminChatsRequest struct {
	Offset int `json:"offset,omitempty" doc:"page number, 20 chats per page"`
}

type adminChatsResponse struct {
	Chats     []anythingllm.AdminChat `json:"chats"`
	HasPages  bool                    `json:"hasPages"`
	HasPages2 bool                    `json:"has_pages" doc:"the spec's name for hasPages"`
}

func (s *server) handleWorkspaceMembers(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "workspaceId")
	var us []anythingllm.WorkspaceUser
	if err == nil {
		us, err = s.app.WorkspaceMembers(r.Context(), id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, membersResponse{Users: us})
}

func (s *server) handleUpdateMembers(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "workspaceId")
	var in membersRequest
	if err == nil {
		in, err = decodeExact[membersRequest](r)
	}
	if err == nil {
		err = s.app.SetWorkspaceMembers(r.Context(), id, in.ids())
	}
	if err != nil {
		s.successFailed(w, r, err)
		return
	}
	ok(w)
}

func (s *server) handleManageMembers(w http.ResponseWriter, r *http.Request) {
	in, err := decodeExact[membersRequest](r)
	var us []anythingllm.WorkspaceUser
	if err == nil {
		us, err = s.app.ManageWorkspaceMembers(r.Context(), r.PathValue("workspaceSlug"), in.ids(), in.Reset)
	}
	if err != nil {
		status, msg := errorStatus(err)
		if status >= 500 {
			s.writeError(w, r, err)
			return
		}
		encode(w, status, manageMembersResponse{Error: &msg, Users: []anythingllm.WorkspaceUser{}})
		return
	}
	encode(w, http.StatusOK, manageMembersResponse{Success: true, Users: us})
}

func (s *server) handleAdminChats(w http.ResponseWriter, r *http.Request) {
	in, err := decode[adminChatsRequest](r)
	var chats []anythingllm.AdminChat
	var more bool
	if err == nil {
		chats, more, err = s.app.AdminChats(r.Context(), in.Offset)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, adminChatsResponse{Chats: chats, HasPages: more, HasPages2: more})
}
