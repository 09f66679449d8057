package httpapi

import (
	"net/http"
	"strings"

	"github.com/anythingllm-go/anythingllm/anythingllm"
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
	// alsoStream marks a JSON response that is streamed instead when the
	// request asks for it.
	alsoStream bool
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
	tagSTT        = "Speech to Text"
	tagTTS        = "Text to Speech"
	tagOpenAI     = "OpenAI Compatible"
)

// routes lists every endpoint. Keep each section together; add new routes
// to their section.
func (s *server) routes() []route {
	var rs []route
	// --- Authentication ---
	rs = append(rs,
		route{method: "GET", path: "/ping", tag: tagAuth, summary: "Liveness check", public: true, handler: s.handlePing, resp: pingResponse{}},
		route{method: "GET", path: "/health", tag: tagAuth, summary: "Readiness: 200 when the database answers and the vector index is loaded, else 503 (same body)", public: true, handler: s.handleHealth, resp: healthResponse{}},
		route{method: "GET", path: "/v1/auth", tag: tagAuth, summary: "Verify the API key", handler: s.handleAuth, resp: authResponse{}},
	)
	// --- Admin ---
	rs = append(rs,
		route{method: "GET", path: "/v1/admin/is-multi-user-mode", tag: tagAdmin, summary: "Whether multi-user mode is on", handler: s.handleIsMultiUser, resp: multiUserResponse{}},
		route{method: "GET", path: "/v1/admin/users", tag: tagAdmin, summary: "List users", handler: s.handleUsers, resp: usersResponse{}},
		route{method: "POST", path: "/v1/admin/users/new", tag: tagAdmin, summary: "Create a user", handler: s.handleUserNew, req: newUserRequest{}, resp: userResponse{}},
		route{method: "POST", path: "/v1/admin/users/{id}", tag: tagAdmin, summary: "Update a user (documented fields only)", handler: s.handleUserUpdate, req: updateUserRequest{}, resp: successErrorResponse{}},
		route{method: "DELETE", path: "/v1/admin/users/{id}", tag: tagAdmin, summary: "Delete a user", handler: s.handleUserDelete, resp: successErrorResponse{}},
		route{method: "GET", path: "/v1/admin/invites", tag: tagAdmin, summary: "List invites", handler: s.handleInvites, resp: invitesResponse{}},
		route{method: "POST", path: "/v1/admin/invite/new", tag: tagAdmin, summary: "Create an invite", handler: s.handleInviteNew, req: newInviteRequest{}, resp: inviteResponse{}},
		route{method: "GET", path: "/v1/admin/workspaces/{workspaceId}/users", tag: tagAdmin, summary: "A workspace's members (by workspace id)", handler: s.handleWorkspaceMembers, resp: membersResponse{}},
		route{method: "POST", path: "/v1/admin/workspaces/{workspaceId}/update-users", tag: tagAdmin, summary: "Replace a workspace's members (by workspace id)", handler: s.handleUpdateMembers, req: membersRequest{}, resp: successErrorResponse{}},
		route{method: "POST", path: "/v1/admin/workspaces/{workspaceSlug}/manage-users", tag: tagAdmin, summary: "Add members to a workspace, or replace them with reset", handler: s.handleManageMembers, req: membersRequest{}, resp: manageMembersResponse{}},
		route{method: "POST", path: "/v1/admin/workspace-chats", tag: tagAdmin, summary: "Every chat, newest first, 20 per page", handler: s.handleAdminChats, req: adminChatsRequest{}, resp: adminChatsResponse{}},
		route{method: "POST", path: "/v1/admin/preferences", tag: tagAdmin, summary: "Set instance preferences (upstream's labels; others ignored)", handler: s.handlePreferences, req: preferencesRequest{}, resp: successErrorResponse{}},
		route{method: "DELETE", path: "/v1/admin/invite/{id}", tag: tagAdmin, summary: "Deactivate an invite", handler: s.handleInviteDelete, resp: successErrorResponse{}},
	)
	// --- System Settings ---
	rs = append(rs,
		route{method: "GET", path: "/v1/system", tag: tagSystem, summary: "Current settings (secrets only as booleans)", handler: s.handleSystem, resp: systemResponse{}},
		route{method: "GET", path: "/v1/system/export-chats", tag: tagSystem, summary: "Export every chat as jsonl, json, csv or jsonAlpaca", handler: s.handleExportChats,
			respType: "application/jsonl,application/json:array,text/csv", query: []param{{name: "type", desc: "jsonl (default), json, csv or jsonAlpaca"}}},
		route{method: "POST", path: "/v1/system/update-env", tag: tagSystem, summary: "Change settings (allow-listed keys, validated, persisted, effective at once)", handler: s.handleUpdateEnv, req: map[string]string{}, resp: updateEnvResponse{}},
		route{method: "GET", path: "/v1/system/env-dump", tag: tagSystem, summary: "Write the effective settings to env-dump/anythingllm.env in storage", handler: s.handleEnvDump, respType: "text/plain"},
		route{method: "GET", path: "/v1/system/vector-count", tag: tagSystem, summary: "Count stored vectors", handler: s.handleVectorCount, resp: vectorCountResponse{}},
		route{method: "DELETE", path: "/v1/system/remove-documents", tag: tagSystem, summary: "Delete documents and their embeddings everywhere", handler: s.handleRemoveDocuments, req: removeDocumentsRequest{}, resp: removeDocumentsResponse{}},
	)
	// --- Workspaces ---
	rs = append(rs,
		route{method: "POST", path: "/v1/workspace/new", tag: tagWorkspaces, summary: "Create a workspace", handler: s.handleWorkspaceNew, req: workspaceRequest{}, resp: workspaceResponse{}},
		route{method: "GET", path: "/v1/workspaces", tag: tagWorkspaces, summary: "List workspaces", handler: s.handleWorkspaces, resp: workspacesResponse{}},
		route{method: "GET", path: "/v1/workspace/{slug}", tag: tagWorkspaces, summary: "Get a workspace by slug (an array: empty for an unknown slug)", handler: s.handleWorkspaceGet, resp: workspaceGetResponse{}},
		route{method: "DELETE", path: "/v1/workspace/{slug}", tag: tagWorkspaces, summary: "Delete a workspace, its threads, chats and vectors", handler: s.handleWorkspaceDelete, respType: "text/plain"},
		route{method: "POST", path: "/v1/workspace/{slug}/update", tag: tagWorkspaces, summary: "Update workspace settings", handler: s.handleWorkspaceUpdate, req: workspaceRequest{}, resp: workspaceResponse{}},
		route{method: "POST", path: "/v1/workspace/{slug}/update-embeddings", tag: tagWorkspaces, summary: "Embed (adds) or remove (deletes) documents by docpath", handler: s.handleUpdateEmbeddings, req: updateEmbeddingsRequest{}, resp: updateEmbeddingsResponse{}},
		route{method: "POST", path: "/v1/workspace/{slug}/update-pin", tag: tagWorkspaces, summary: "Pin or unpin an embedded document", handler: s.handleUpdatePin, req: updatePinRequest{}, resp: messageResponse{}},
		route{method: "GET", path: "/v1/workspace/{slug}/chats", tag: tagWorkspaces, summary: "A workspace's chat history outside threads", handler: s.handleWorkspaceChats, resp: historyResponse{},
			query: []param{{name: "apiSessionId", desc: "only this session's chats"}, {name: "limit", typ: "integer", desc: "chat records (default 100)"}, {name: "orderBy", desc: "asc (default) or desc"}}},
		route{method: "POST", path: "/v1/workspace/{slug}/chat", tag: tagWorkspaces, summary: "Chat with a workspace", handler: s.handleChat, req: chatRequest{}, resp: chatResult{}},
		route{method: "POST", path: "/v1/workspace/{slug}/stream-chat", tag: tagWorkspaces, summary: "Chat with a workspace, streamed as server-sent events", handler: s.handleStreamChat, req: chatRequest{}, resp: chatResult{}, stream: true},
		route{method: "POST", path: "/v1/workspace/{slug}/vector-search", tag: tagWorkspaces, summary: "Find the chunks nearest a query", handler: s.handleVectorSearch, req: vectorSearchRequest{}, resp: vectorSearchResponse{}},
	)
	// --- Workspace Threads ---
	rs = append(rs,
		route{method: "POST", path: "/v1/workspace/{slug}/thread/new", tag: tagThreads, summary: "Create a thread", handler: s.handleThreadNew, req: threadNewRequest{}, resp: threadResponse{}},
		route{method: "POST", path: "/v1/workspace/{slug}/thread/{threadSlug}/update", tag: tagThreads, summary: "Rename a thread", handler: s.handleThreadUpdate, req: threadUpdateRequest{}, resp: threadResponse{}},
		route{method: "DELETE", path: "/v1/workspace/{slug}/thread/{threadSlug}", tag: tagThreads, summary: "Delete a thread and its chats", handler: s.handleThreadDelete, respType: "text/plain"},
		route{method: "POST", path: "/v1/workspace/{slug}/thread/fork", tag: tagThreads, summary: "Fork a thread at a chat", handler: s.handleForkThread, req: forkThreadRequest{}, resp: forkThreadResponse{}},
		route{method: "POST", path: "/v1/workspace/{slug}/update-chat", tag: tagThreads, summary: "Replace a chat's answer text", handler: s.handleUpdateChat, req: updateChatRequest{}, resp: successErrorResponse{}},
		route{method: "POST", path: "/v1/workspace/{slug}/chat-feedback/{chatId}", tag: tagThreads, summary: "Rate a chat", handler: s.handleChatFeedback, req: chatFeedbackRequest{}, resp: successErrorResponse{}},
		route{method: "DELETE", path: "/v1/workspace/{slug}/delete-chats", tag: tagThreads, summary: "Delete chats by id", handler: s.handleDeleteChats, req: deleteChatsRequest{}, resp: successErrorResponse{}},
		route{method: "DELETE", path: "/v1/workspace/{slug}/delete-edited-chats", tag: tagThreads, summary: "Delete chats from an id on", handler: s.handleDeleteEditedChats, req: deleteEditedChatsRequest{}, resp: successErrorResponse{}},
		route{method: "PUT", path: "/v1/workspace/workspace-chats/{id}", tag: tagThreads, summary: "Hide a chat from history", handler: s.handleHideChat, resp: successErrorResponse{}},
		route{method: "GET", path: "/v1/workspace/{slug}/thread/{threadSlug}/chats", tag: tagThreads, summary: "A thread's chat history", handler: s.handleThreadChats, resp: historyResponse{}},
		route{method: "POST", path: "/v1/workspace/{slug}/thread/{threadSlug}/chat", tag: tagThreads, summary: "Chat in a thread", handler: s.handleChat, req: chatRequest{}, resp: chatResult{}},
		route{method: "POST", path: "/v1/workspace/{slug}/thread/{threadSlug}/stream-chat", tag: tagThreads, summary: "Chat in a thread, streamed as server-sent events", handler: s.handleStreamChat, req: chatRequest{}, resp: chatResult{}, stream: true},
	)
	// --- Documents ---
	rs = append(rs,
		route{method: "POST", path: "/v1/document/upload", tag: tagDocuments, summary: "Upload a file to parse and store", handler: s.handleUpload, upload: true, req: uploadForm{}, resp: uploadResponse{}},
		route{method: "POST", path: "/v1/document/upload/{folderName}", tag: tagDocuments, summary: "Upload a file into a folder", handler: s.handleUpload, upload: true, req: uploadForm{}, resp: uploadResponse{}},
		route{method: "POST", path: "/v1/document/upload-link", tag: tagDocuments, summary: "Fetch a web page (http/https, public hosts) as a document", handler: s.handleUploadLink, req: uploadLinkRequest{}, resp: uploadResponse{}},
		route{method: "POST", path: "/v1/document/raw-text", tag: tagDocuments, summary: "Store raw text as a document", handler: s.handleRawText, req: rawTextRequest{}, resp: uploadResponse{}},
		route{method: "GET", path: "/v1/documents", tag: tagDocuments, summary: "List stored documents by folder", handler: s.handleDocuments, resp: documentsResponse{}},
		route{method: "GET", path: "/v1/document/accepted-file-types", tag: tagDocuments, summary: "File types uploads accept", handler: s.handleAcceptedFileTypes, resp: fileTypesResponse{}},
		route{method: "GET", path: "/v1/document/metadata-schema", tag: tagDocuments, summary: "Metadata fields raw-text uploads accept", handler: s.handleMetadataSchema, resp: metadataSchemaResponse{}},
		route{method: "GET", path: "/v1/document/{docName}", tag: tagDocuments, summary: "Get a document by file name", handler: s.handleDocument, resp: documentResponse{}},
		route{method: "GET", path: "/v1/documents/folder/{folderName}", tag: tagDocuments, summary: "One folder's documents, paged", handler: s.handleFolder, resp: anythingllm.FolderPage{},
			query: []param{{name: "offset", typ: "integer"}, {name: "limit", desc: "a number (at most 1000) or all (default)"}}},
		route{method: "DELETE", path: "/v1/document/remove-folder", tag: tagDocuments, summary: "Delete a folder, its documents and their embeddings", handler: s.handleRemoveFolder, req: folderRequest{}, resp: successMessageResponse{}},
		route{method: "POST", path: "/v1/document/move-files", tag: tagDocuments, summary: "Move documents between folders (embedded ones are skipped)", handler: s.handleMoveFiles, req: moveFilesRequest{}, resp: successMessageResponse{}},
		route{method: "POST", path: "/v1/document/create-folder", tag: tagDocuments, summary: "Create a documents folder", handler: s.handleCreateFolder, req: folderRequest{}, resp: successMessageResponse{}},
	)
	// --- Files ---
	folderParam := []param{{name: "folder", desc: "folder inside the root (or the form field folder)"}}
	rs = append(rs,
		route{method: "POST", path: "/v1/files/upload", tag: tagFiles, summary: "Upload a file to the files root", handler: s.fileUpload(anythingllm.RootFiles), upload: true, req: fileUploadForm{}, resp: fileResponse{}, query: folderParam},
		route{method: "POST", path: "/v1/files/assets/upload", tag: tagFiles, summary: "Upload an asset (logos, ...)", handler: s.fileUpload(anythingllm.RootAssets), upload: true, req: fileUploadForm{}, resp: fileResponse{}, query: folderParam},
		route{method: "POST", path: "/v1/files/pfp/upload", tag: tagFiles, summary: "Upload a profile picture (png, jpg, gif, webp)", handler: s.fileUpload(anythingllm.RootPfp), upload: true, req: fileUploadForm{}, resp: fileResponse{}, query: folderParam},
		route{method: "GET", path: "/v1/files", tag: tagFiles, summary: "List a root's files, recursively", handler: s.handleFiles, resp: filesResponse{}, query: []param{rootParam}},
		route{method: "GET", path: "/v1/files/storage-info", tag: tagFiles, summary: "Size and file count per storage root", handler: s.handleStorageInfo, resp: storageInfoResponse{}},
		route{method: "POST", path: "/v1/files/move", tag: tagFiles, summary: "Rename or move a file within a root", handler: s.handleFileMove, req: fileMoveRequest{}, resp: fileResponse{}},
		route{method: "GET", path: "/v1/files/{filename}", tag: tagFiles, summary: "Details of a file (a path in a folder: escape / as %2F)", handler: s.handleFileDetails, resp: fileResponse{}, query: []param{rootParam}},
		route{method: "DELETE", path: "/v1/files/{filename}/delete", tag: tagFiles, summary: "Delete a file (a path in a folder: escape / as %2F)", handler: s.handleFileDelete, resp: successErrorResponse{}, query: []param{rootParam}},
	)
	// --- LLM, Embedding, Image ---
	rs = append(rs,
		route{method: "POST", path: "/llm/generate", tag: tagLLM, summary: "Generate text (text_gen)", handler: s.handleGenerate, req: generateRequest{}, resp: generateResponse{}},
		route{method: "POST", path: "/llm/instruct", tag: tagLLM, summary: "Follow instructions (text2text)", handler: s.handleInstruct, req: generateRequest{}, resp: generateResponse{}},
		route{method: "POST", path: "/embedding", tag: tagEmbedding, summary: "Embed a text, or an array of texts", handler: s.handleEmbedding, req: embeddingRequest{}, resp: embeddingResponse{}},
		route{method: "POST", path: "/image/generate", tag: tagImage, summary: "Generate an image", handler: s.handleImageGenerate, req: imageRequest{}, resp: imageResponse{}},
	)
	// --- Speech to text, text to speech (httpapi/audio.go) ---
	rs = append(rs,
		route{method: "POST", path: "/stt/transcribe", tag: tagSTT, summary: "Transcribe an audio file (flac, m4a, mp3, mp4, mpeg, mpga, oga, ogg, wav, webm; at most 25 MB) (stt)", handler: s.handleTranscribe, upload: true, req: transcribeForm{}, resp: transcribeResponse{}},
		route{method: "POST", path: "/tts", tag: tagTTS, summary: "Speak a text (at most 4096 characters); the body is the audio (tts)", handler: s.handleTTS, req: ttsRequest{}, respType: speechTypes},
	)
	// --- OpenAI Compatible ---
	rs = append(rs,
		route{method: "GET", path: "/v1/openai/models", tag: tagOpenAI, summary: "Workspaces, listed as models", handler: s.handleOpenAIModels, resp: openAIModelsResponse{}},
		route{method: "POST", path: "/v1/openai/chat/completions", tag: tagOpenAI, summary: "Chat completion with a workspace (model = workspace slug); stream: true for SSE chunks ending with [DONE]", handler: s.handleOpenAIChat, req: openAIChatRequest{}, resp: openAIChatResponse{}, alsoStream: true},
		route{method: "POST", path: "/v1/openai/embeddings", tag: tagOpenAI, summary: "Embed texts with the system embedder", handler: s.handleOpenAIEmbeddings, req: openAIEmbeddingsRequest{}, resp: openAIEmbeddingsResponse{}},
		route{method: "GET", path: "/v1/openai/vector_stores", tag: tagOpenAI, summary: "Workspaces, listed as vector stores", handler: s.handleOpenAIVectorStores, resp: vectorStoresResponse{}},
	)
	// --- Schema and docs ---
	rs = append(rs,
		route{method: "GET", path: "/schema", tag: tagAuth, summary: "This OpenAPI document (?format=yaml for YAML)", public: true, handler: s.handleSchema, respType: "application/json,application/yaml",
			query: []param{{name: "format", desc: "json (default) or yaml"}}},
		route{method: "GET", path: "/docs", tag: tagAuth, summary: "Swagger UI (?theme=dark for a dark theme)", public: true, handler: s.handleSwaggerUI, respType: "text/html"},
		route{method: "GET", path: "/redoc", tag: tagAuth, summary: "ReDoc: this API's documentation, read-only", public: true, handler: s.handleRedoc, respType: "text/html"},
	)
	// --- Data connectors and live sync (httpapi/connectors.go) ---
	rs = append(rs, s.connectorRoutes()...)
	return rs
}

// addRoutes registers every route with and without a trailing slash, so no
// client is redirected (clients do not follow a 307 on POST).
func (s *server) addRoutes(mux *http.ServeMux) {
	for _, rt := range s.routes() {
		h := http.Handler(rt.handler)
		limit := s.opts.MaxBodyBytes
		if rt.upload {
			limit = s.opts.MaxUploadBytes
		}
		h = s.limitBody(limit, h)
		if !rt.public {
			h = s.requireAPIKey(h)
		}
		p := "/api" + strings.TrimSuffix(rt.path, "/")
		mux.Handle(rt.method+" "+p, h)
		mux.Handle(rt.method+" "+p+"/{$}", h)
	}
	// Swagger UI's own assets live below /api/docs/.
	mux.HandleFunc("GET /api/docs/{asset...}", s.handleSwaggerUI)
	mux.HandleFunc("GET /api/redoc/redoc.standalone.js", s.handleRedocScript)
	mux.HandleFunc("/", s.handleNotFound)
}
