package httpapi

import (
	"net/http"
	"strings"
)

// route is one API endpoint. The table below is the single list of routes:
// the mux, the auth middleware and the OpenAPI document are all built from it.
type route struct {
	method  string // GET, POST, ...
	path    string // under /api, e.g. "/v1/workspace/{slug}"
	tag     string // OpenAPI tag (section)
	summary string
	public  bool // no API key needed
	handler http.HandlerFunc
	// req and resp are zero values of the JSON request and 200 response
	// body types, for the OpenAPI document; nil when there is none.
	req, resp any
	// upload marks a multipart/form-data request with a "file" part; the
	// other form fields are req's fields.
	upload bool
	// stream marks a text/event-stream response of resp events.
	stream bool
	// query lists the query parameters.
	query []param
	// respType is the response Content-Type when it is not JSON
	// (e.g. "text/plain", "text/csv"); resp is then ignored.
	respType string
}

// param is a query parameter, for the OpenAPI document.
type param struct {
	name, typ, desc string // typ: string, integer, number or boolean
	required        bool
}

// OpenAPI tags, one per API section.
const (
	tagAuth       = "Authentication"
	tagAdmin      = "Admin"
	tagSystem     = "System Settings"
	tagWorkspaces = "Workspaces"
	tagThreads    = "Workspace Threads"
	tagDocuments  = "Documents"
	tagFiles      = "Files"
	tagLLM        = "LLM"
	tagEmbedding  = "Embedding"
	tagImage      = "Image"
	tagOpenAI     = "OpenAI Compatible"
)

// routes lists every endpoint. Keep each section together; add new routes
// to their section.
func (s *server) routes() []route {
	var rs []route
	// --- Authentication ---
	rs = append(rs,
		route{method: "GET", path: "/ping", tag: tagAuth, summary: "Liveness check", public: true, handler: s.handlePing, resp: pingResponse{}},
		route{method: "GET", path: "/v1/auth", tag: tagAuth, summary: "Verify the API key", handler: s.handleAuth, resp: authResponse{}},
	)
	// --- Admin ---
	// --- System Settings ---
	// --- Workspaces ---
	rs = append(rs,
		route{method: "POST", path: "/v1/workspace/new", tag: tagWorkspaces, summary: "Create a workspace", handler: s.handleWorkspaceNew, req: workspaceRequest{}, resp: workspaceResponse{}},
		route{method: "GET", path: "/v1/workspaces", tag: tagWorkspaces, summary: "List workspaces", handler: s.handleWorkspaces, resp: workspacesResponse{}},
		route{method: "GET", path: "/v1/workspace/{slug}", tag: tagWorkspaces, summary: "Get a workspace by slug (an array: empty for an unknown slug)", handler: s.handleWorkspaceGet, resp: workspaceGetResponse{}},
		route{method: "DELETE", path: "/v1/workspace/{slug}", tag: tagWorkspaces, summary: "Delete a workspace, its threads, chats and vectors", handler: s.handleWorkspaceDelete, respType: "text/plain"},
		route{method: "POST", path: "/v1/workspace/{slug}/update", tag: tagWorkspaces, summary: "Update workspace settings", handler: s.handleWorkspaceUpdate, req: workspaceRequest{}, resp: workspaceResponse{}},
	)
	// --- Workspace Threads ---
	// --- Documents ---
	// --- Files ---
	// --- LLM, Embedding, Image ---
	rs = append(rs,
		route{method: "POST", path: "/llm/generate", tag: tagLLM, summary: "Generate text (text_gen)", handler: s.handleGenerate, req: generateRequest{}, resp: generateResponse{}},
		route{method: "POST", path: "/llm/instruct", tag: tagLLM, summary: "Follow instructions (text2text)", handler: s.handleGenerate, req: generateRequest{}, resp: generateResponse{}},
		route{method: "POST", path: "/embedding", tag: tagEmbedding, summary: "Embed one text", handler: s.handleEmbedding, req: embeddingRequest{}, resp: embeddingResponse{}},
		route{method: "POST", path: "/image/generate", tag: tagImage, summary: "Generate an image", handler: s.handleImageGenerate, req: imageRequest{}, resp: imageResponse{}},
	)
	// --- OpenAI Compatible ---
	// --- Schema and docs ---
	rs = append(rs,
		route{method: "GET", path: "/schema", tag: tagAuth, summary: "This OpenAPI document (?format=yaml for YAML)", public: true, handler: s.handleSchema, respType: "application/json,application/yaml",
			query: []param{{name: "format", desc: "json (default) or yaml"}}},
		route{method: "GET", path: "/docs", tag: tagAuth, summary: "Swagger UI (?theme=dark for a dark theme)", public: true, handler: s.handleSwaggerUI, respType: "text/html"},
	)
	return rs
}

// addRoutes registers every route with and without a trailing slash, so no
// client is redirected (clients do not follow a 307 on POST).
func (s *server) addRoutes(mux *http.ServeMux) {
	for _, rt := range s.routes() {
		h := http.Handler(rt.handler)
		if !rt.public {
			h = s.requireAPIKey(h)
		}
		p := "/api" + strings.TrimSuffix(rt.path, "/")
		mux.Handle(rt.method+" "+p, h)
		mux.Handle(rt.method+" "+p+"/{$}", h)
	}
	// Swagger UI's own assets live below /api/docs/.
	mux.HandleFunc("GET /api/docs/{asset...}", s.handleSwaggerUI)
	mux.HandleFunc("/", s.handleNotFound)
}
