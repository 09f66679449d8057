package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

type multiUserResponse struct {
	IsMultiUser bool `json:"isMultiUser"`
}

type usersResponse struct {
	Users []anythingllm.User `json:"users"`
}

type newUserRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Role     string `json:"role,omitempty" doc:"default, manager or admin"`
	Bio      string `json:"bio,omitempty"`
}

type userResponse struct {
	User  *anythingllm.User `json:"user"`
	Error *string           `json:"error"`
}

type updateUserRequest struct {
	Username          *string `json:"username,omitempty"`
	Password          *string `json:"password,omitempty"`
	Role              *string `json:"role,omitempty"`
	Suspended         *int    `json:"suspended,omitempty"`
	Bio               *string `json:"bio,omitempty"`
	DailyMessageLimit *int    `json:"dailyMessageLimit,omitempty"`
}

type invitesResponse struct {
	Invites []anythingllm.Invite `json:"invites"`
}

type newInviteRequest struct {
	WorkspaceIDs []int64 `json:"workspace_ids,omitempty"`
	WorkspaceIds []int64 `json:"workspaceIds,omitempty" doc:"upstream's name for workspace_ids"`
}

type inviteResponse struct {
	Invite *anythingllm.Invite `json:"invite"`
	Error  *string             `json:"error"`
}

// successFailed answers {"success":false,"error":msg} with err's status.
func (s *server) successFailed(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := errorStatus(err)
	if status >= 500 {
		s.writeError(w, r, err)
		return
	}
	encode(w, status, successErrorResponse{Error: &msg})
}

func (s *server) handleIsMultiUser(w http.ResponseWriter, r *http.Request) {
	on, err := s.app.MultiUserMode(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, multiUserResponse{IsMultiUser: on})
}

func (s *server) handleUsers(w http.ResponseWriter, r *http.Request) {
	users, err := s.app.ListUsers(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if users == nil {
		users = []anythingllm.User{}
	}
	encode(w, http.StatusOK, usersResponse{Users: users})
}

func (s *server) handleUserNew(w http.ResponseWriter, r *http.Request) {
	in, err := decode[newUserRequest](r)
	var u *anythingllm.User
	if err == nil {
		u, err = s.app.CreateUser(r.Context(), &anythingllm.NewUserRequest{Username: in.Username, Password: in.Password, Role: in.Role, Bio: in.Bio})
	}
	if err != nil {
		status, msg := errorStatus(err)
		if status >= 500 {
			s.writeError(w, r, err)
			return
		}
		if status == http.StatusConflict {
			status = http.StatusBadRequest // upstream answers every creation failure with 400
		}
		encode(w, status, userResponse{Error: &msg})
		return
	}
	encode(w, http.StatusOK, userResponse{User: u})
}

// handleUserUpdate reads the body as raw fields so that only documented,
// exactly spelled keys are applied ("ROLE" changes nothing).
func (s *server) handleUserUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in map[string]json.RawMessage
	if err == nil {
		in, err = decode[map[string]json.RawMessage](r)
	}
	if err == nil {
		err = s.app.UpdateUser(r.Context(), id, anythingllm.UserFields(in))
	}
	if err != nil {
		s.successFailed(w, r, err)
		return
	}
	ok(w)
}

func (s *server) handleUserDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.app.DeleteUser(r.Context(), id)
	}
	if err != nil {
		s.successFailed(w, r, err)
		return
	}
	ok(w)
}

func (s *server) handleInvites(w http.ResponseWriter, r *http.Request) {
	list, err := s.app.ListInvites(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if list == nil {
		list = []anythingllm.Invite{}
	}
	encode(w, http.StatusOK, invitesResponse{Invites: list})
}

func (s *server) handleInviteNew(w http.ResponseWriter, r *http.Request) {
	in, err := decode[newInviteRequest](r)
	var inv *anythingllm.Invite
	if err == nil {
		ids := in.WorkspaceIDs
		if ids == nil {
			ids = in.WorkspaceIds
		}
		inv, err = s.app.NewInvite(r.Context(), ids)
	}
	if err != nil {
		status, msg := errorStatus(err)
		if status >= 500 {
			s.writeError(w, r, err)
			return
		}
		encode(w, status, inviteResponse{Error: &msg})
		return
	}
	encode(w, http.StatusOK, inviteResponse{Invite: inv})
}

func (s *server) handleInviteDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.app.DisableInvite(r.Context(), id)
	}
	if err != nil {
		s.successFailed(w, r, err)
		return
	}
	ok(w)
}
