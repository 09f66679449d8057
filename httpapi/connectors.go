package httpapi

import (
	"net/http"
	"slices"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/connectors/confluence"
	"github.com/anythingllm-go/anythingllm/connectors/drupalwiki"
	"github.com/anythingllm-go/anythingllm/connectors/gitea"
	"github.com/anythingllm-go/anythingllm/connectors/github"
	"github.com/anythingllm-go/anythingllm/connectors/gitlab"
	"github.com/anythingllm-go/anythingllm/connectors/web"
	"github.com/anythingllm-go/anythingllm/connectors/youtube"
)

// Data connectors (upstream's /ext/... routes) and live document sync
// (/experimental/... and update-watch-status). Each route is served at
// upstream's path under /api and at the same path under /api/v1.

// connectorRoutes lists the routes of this file, for routes().
func (s *server) connectorRoutes() []route {
	base := []route{
		{method: "POST", path: "/ext/{provider}/branches", tag: tagConnectors, summary: "List a repository's branches (provider: github, gitlab or gitea)", handler: s.handleBranches, req: branchesRequest{}, resp: branchesResponse{}},
		{method: "POST", path: "/ext/{provider}/repo", tag: tagConnectors, summary: "Import a repository's text files into a documents folder (provider: github, gitlab or gitea; gitlab also takes fetchIssues and fetchWikis)", handler: s.handleRepo, req: gitlab.Request{}, resp: connectorResponse{}},
		{method: "POST", path: "/ext/youtube/transcript", tag: tagConnectors, summary: "Import a YouTube video's transcript (watchable)", handler: s.handleYouTube, req: youtube.Request{}, resp: connectorResponse{}},
		{method: "POST", path: "/ext/confluence", tag: tagConnectors, summary: "Import a Confluence space's pages (watchable)", handler: s.handleConfluence, req: confluence.Request{}, resp: connectorResponse{}},
		{method: "POST", path: "/ext/drupalwiki", tag: tagConnectors, summary: "Import DrupalWiki spaces' pages (watchable)", handler: s.handleDrupalWiki, req: drupalwiki.Request{}, resp: connectorResponse{}},
		{method: "POST", path: "/ext/website-depth", tag: tagConnectors, summary: "Crawl a website to a depth and import its pages (watchable)", handler: s.handleWebsiteDepth, req: web.DepthRequest{}, resp: websiteDepthResponse{}},
		{method: "POST", path: "/experimental/toggle-live-sync", tag: tagConnectors, summary: "Turn live document sync on or off (admin)", handler: s.handleToggleLiveSync, req: toggleLiveSyncRequest{}, resp: liveSyncResponse{}},
		{method: "GET", path: "/experimental/live-sync/queues", tag: tagConnectors, summary: "Every watched document's sync queue (admin; 401 while live sync is off)", handler: s.handleLiveSyncQueues, resp: liveSyncQueuesResponse{}},
		{method: "POST", path: "/workspace/{slug}/update-watch-status", tag: tagConnectors, summary: "Watch or unwatch an embedded document (admin, manager; 401 while live sync is off; 200 with an empty body)", handler: s.handleUpdateWatchStatus, req: watchStatusRequest{}},
	}
	out := make([]route, 0, 2*len(base))
	for _, rt := range base {
		out = append(out, rt)
		v1 := rt
		v1.path = "/v1" + rt.path
		out = append(out, v1)
	}
	return out
}

const tagConnectors = "Data Connectors and Live Sync"

// requireRole answers 401 unless the instance is single-user, the API key
// belongs to no user (a system key), or its user has one of roles.
func (s *server) requireRole(w http.ResponseWriter, r *http.Request, roles ...anythingllm.Role) bool {
	multi, err := s.app.MultiUserMode(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return false
	}
	if !multi {
		return true
	}
	key, _ := r.Context().Value(apiKeyContextKey{}).(*anythingllm.APIKey)
	if key == nil || key.CreatedBy == nil {
		return true
	}
	u, err := s.app.Store().Users().Get(r.Context(), *key.CreatedBy)
	if err == nil && slices.Contains(roles, u.Role) && u.Suspended == 0 {
		return true
	}
	encode(w, http.StatusUnauthorized, errorResponse{Error: "This API key's user may not do this (needs role " + rolesText(roles) + ")."})
	return false
}

func rolesText(roles []anythingllm.Role) string {
	out := ""
	for i, r := range roles {
		if i > 0 {
			out += " or "
		}
		out += string(r)
	}
	return out
}

// requireLiveSync answers 401 while the feature flag is off, as
// upstream's featureFlagEnabled middleware.
func (s *server) requireLiveSync(w http.ResponseWriter, r *http.Request) bool {
	on, err := s.app.LiveSyncEnabled(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return false
	}
	if !on {
		encode(w, http.StatusUnauthorized, errorResponse{Error: "Live document sync is not enabled (experimental_live_file_sync); turn it on with POST /api/experimental/toggle-live-sync."})
		return false
	}
	return true
}

type branchesRequest struct {
	Repo        string `json:"repo"`
	AccessToken string `json:"accessToken,omitempty"`
}

type branchesData struct {
	Branches []string `json:"branches"`
}

type branchesResponse struct {
	Success bool         `json:"success"`
	Reason  *string      `json:"reason"`
	Data    branchesData `json:"data"`
}

// connectorResponse is upstream's {success, reason, data}.
type connectorResponse struct {
	Success bool           `json:"success"`
	Reason  *string        `json:"reason"`
	Data    map[string]any `json:"data"`
}

type websiteDepthResponse struct {
	Success bool                         `json:"success"`
	Reason  *string                      `json:"reason"`
	Data    []anythingllm.StoredDocument `json:"data"`
}

// connectorFailed answers a failed extension call with the status of its
// code and upstream's body, the reason naming the cause (connector
// messages never carry a token).
func (s *server) connectorFailed(w http.ResponseWriter, r *http.Request, err error, data any) {
	status, msg := errorStatus(err)
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "connector request failed", "path", r.URL.Path, "status", status, "err", anythingllm.ErrorMessage(err))
	}
	encode(w, status, struct {
		Success bool   `json:"success"`
		Reason  string `json:"reason"`
		Error   string `json:"error"` // the same message, as every error body here
		Data    any    `json:"data"`
	}{false, msg, msg, data})
}

var repoProviders = []string{"github", "gitlab", "gitea"}

func (s *server) repoProvider(w http.ResponseWriter, r *http.Request, data any) (string, bool) {
	p := r.PathValue("provider")
	if !slices.Contains(repoProviders, p) {
		s.connectorFailed(w, r, anythingllm.Errorf(anythingllm.InvalidArgument, "Unknown repository provider %q: use github, gitlab or gitea.", p), data)
		return "", false
	}
	return p, true
}

func (s *server) handleBranches(w http.ResponseWriter, r *http.Request) {
	empty := branchesData{Branches: []string{}}
	if !s.requireRole(w, r, anythingllm.RoleAdmin, anythingllm.RoleManager) {
		return
	}
	p, ok := s.repoProvider(w, r, empty)
	if !ok {
		return
	}
	in, err := decode[branchesRequest](r)
	var branches []string
	if err == nil {
		branches, err = s.app.ListBranches(r.Context(), p, in.Repo, in.AccessToken)
	}
	if err != nil {
		s.connectorFailed(w, r, err, empty)
		return
	}
	if branches == nil {
		branches = []string{}
	}
	encode(w, http.StatusOK, branchesResponse{Success: true, Data: branchesData{Branches: branches}})
}

func (s *server) handleRepo(w http.ResponseWriter, r *http.Request) {
	if !s.requireRole(w, r, anythingllm.RoleAdmin, anythingllm.RoleManager) {
		return
	}
	p, ok := s.repoProvider(w, r, map[string]any{})
	if !ok {
		return
	}
	var opts any
	var err error
	switch p {
	case "github":
		var in github.Request
		in, err = decode[github.Request](r)
		opts = &in
	case "gitlab":
		var in gitlab.Request
		in, err = decode[gitlab.Request](r)
		opts = &in
	default:
		var in gitea.Request
		in, err = decode[gitea.Request](r)
		opts = &in
	}
	if err != nil {
		s.connectorFailed(w, r, err, map[string]any{})
		return
	}
	s.runImport(w, r, p, opts)
}

// runImport runs one connector import and answers upstream's body.
func (s *server) runImport(w http.ResponseWriter, r *http.Request, name string, opts any) {
	conn, err := s.app.Connector(name)
	var res *anythingllm.ImportResult
	if err == nil {
		res, err = s.app.ImportFromConnector(r.Context(), conn, &anythingllm.ConnectorRequest{Options: opts})
	}
	if err != nil {
		s.connectorFailed(w, r, err, map[string]any{})
		return
	}
	data := res.Data
	if data == nil {
		data = map[string]any{}
	}
	if _, ok := data["destination"]; !ok {
		data["destination"] = res.Folder
	}
	encode(w, http.StatusOK, connectorResponse{Success: true, Data: data})
}

func decodeAndImport[T any](s *server, w http.ResponseWriter, r *http.Request, name string) {
	if !s.requireRole(w, r, anythingllm.RoleAdmin, anythingllm.RoleManager) {
		return
	}
	in, err := decode[T](r)
	if err != nil {
		s.connectorFailed(w, r, err, map[string]any{})
		return
	}
	s.runImport(w, r, name, &in)
}

func (s *server) handleYouTube(w http.ResponseWriter, r *http.Request) {
	decodeAndImport[youtube.Request](s, w, r, "youtube")
}

func (s *server) handleConfluence(w http.ResponseWriter, r *http.Request) {
	decodeAndImport[confluence.Request](s, w, r, "confluence")
}

func (s *server) handleDrupalWiki(w http.ResponseWriter, r *http.Request) {
	decodeAndImport[drupalwiki.Request](s, w, r, "drupalwiki")
}

func (s *server) handleWebsiteDepth(w http.ResponseWriter, r *http.Request) {
	if !s.requireRole(w, r, anythingllm.RoleAdmin, anythingllm.RoleManager) {
		return
	}
	in, err := decode[web.DepthRequest](r)
	var res *anythingllm.ImportResult
	if err == nil {
		var conn anythingllm.Connector
		if conn, err = s.app.Connector("link"); err == nil {
			res, err = s.app.ImportFromConnector(r.Context(), conn, &anythingllm.ConnectorRequest{Options: &in})
		}
	}
	if err != nil {
		s.connectorFailed(w, r, err, []anythingllm.StoredDocument{})
		return
	}
	encode(w, http.StatusOK, websiteDepthResponse{Success: true, Data: res.Documents})
}

type toggleLiveSyncRequest struct {
	UpdatedStatus bool `json:"updatedStatus"`
}

type liveSyncResponse struct {
	LiveSyncEnabled bool `json:"liveSyncEnabled"`
}

func (s *server) handleToggleLiveSync(w http.ResponseWriter, r *http.Request) {
	if !s.requireRole(w, r, anythingllm.RoleAdmin) {
		return
	}
	in, err := decode[toggleLiveSyncRequest](r)
	var on bool
	if err == nil {
		on, err = s.app.SetLiveSync(r.Context(), in.UpdatedStatus)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, liveSyncResponse{LiveSyncEnabled: on})
}

type liveSyncQueuesResponse struct {
	Queues []anythingllm.SyncQueueDetail `json:"queues"`
}

func (s *server) handleLiveSyncQueues(w http.ResponseWriter, r *http.Request) {
	if !s.requireRole(w, r, anythingllm.RoleAdmin) || !s.requireLiveSync(w, r) {
		return
	}
	qs, err := s.app.SyncQueues(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	encode(w, http.StatusOK, liveSyncQueuesResponse{Queues: qs})
}

type watchStatusRequest struct {
	DocPath     string `json:"docPath"`
	WatchStatus bool   `json:"watchStatus"`
}

func (s *server) handleUpdateWatchStatus(w http.ResponseWriter, r *http.Request) {
	if !s.requireRole(w, r, anythingllm.RoleAdmin, anythingllm.RoleManager) || !s.requireLiveSync(w, r) {
		return
	}
	in, err := decode[watchStatusRequest](r)
	if err == nil {
		err = s.app.UpdateWatchStatus(r.Context(), r.PathValue("slug"), in.DocPath, in.WatchStatus)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK) // upstream answers an empty body
}
