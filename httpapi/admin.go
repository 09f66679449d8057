package httpapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// decodeExact decodes a JSON object into T reading only the keys that
// exactly match one of T's json tags. encoding/json matches keys to fields
// case-insensitively, so a plain decode would let "ROLE" or "Role" set
// Role; here such variants, like unknown keys, change nothing.
func decodeExact[T any](r *http.Request) (T, error) {
	var v T
	raw, err := decode[map[string]json.RawMessage](r)
	if err != nil || len(raw) == 0 {
		return v, err
	}
	tags := jsonTags(reflect.TypeOf(v))
	for k := range raw {
		if !tags[k] {
			delete(raw, k)
		}
	}
	b, err := json.Marshal(raw)
	if err == nil {
		err = json.Unmarshal(b, &v)
	}
	if err != nil {
		return v, anythingllm.WrapError(anythingllm.InvalidArgument, err, "invalid JSON body: %s", jsonErrorText(err))
	}
	if path := nulField(reflect.ValueOf(&v), ""); path != "" {
		return v, anythingllm.Errorf(anythingllm.InvalidArgument, "%s contains a NUL character", path)
	}
	return v, nil
}

// jsonTags lists the JSON names of a struct's fields.
func jsonTags(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
		case "":
			out[f.Name] = true
		default:
			out[name] = true
		}
	}
	return out
}

type multiUserResponse struct {
	IsMultiUser bool `json:"isMultiUser"`
}

type usersResponse struct {
	Users []anythingllm.User `json:"users"`
}

type newUserRequest struct {
	Username          string `json:"username" doc:"2-64 characters: lower-case letters, digits, . _ @ -; starts with a letter"`
	Password          string `json:"password" doc:"8-250 characters"`
	Role              string `json:"role,omitempty" doc:"default (default), manager or admin"`
	Bio               string `json:"bio,omitempty" doc:"at most 1,000 characters"`
	DailyMessageLimit *int   `json:"dailyMessageLimit,omitempty" doc:"null or at least 1"`
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
	Invites []anythingllm.InviteListing `json:"invites"`
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
	in, err := decodeExact[newUserRequest](r)
	var u *anythingllm.User
	if err == nil {
		u, err = s.app.CreateUser(r.Context(), &anythingllm.NewUserRequest{Username: in.Username, Password: in.Password, Role: in.Role,
			Bio: in.Bio, DailyMessageLimit: in.DailyMessageLimit})
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
	var update *anythingllm.UserUpdate
	if err == nil {
		update, err = userUpdate(in)
	}
	if err == nil {
		err = s.app.UpdateUser(r.Context(), id, update)
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
		list = []anythingllm.InviteListing{}
	}
	encode(w, http.StatusOK, invitesResponse{Invites: list})
}

func (s *server) handleInviteNew(w http.ResponseWriter, r *http.Request) {
	in, err := decodeExact[newInviteRequest](r)
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
