package anythingllm

import (
	"slices"
	"time"
)

// Workspace is a collection of embedded documents plus chat settings. JSON
// names match AnythingLLM's workspaces table so responses are wire-compatible.
type Workspace struct {
	ID                   int64     `json:"id"`
	Name                 string    `json:"name"`
	Slug                 string    `json:"slug"`
	VectorTag            *string   `json:"vectorTag"`
	CreatedAt            time.Time `json:"createdAt"`
	OpenAITemp           *float64  `json:"openAiTemp"`
	OpenAIHistory        int       `json:"openAiHistory"`
	LastUpdatedAt        time.Time `json:"lastUpdatedAt"`
	OpenAIPrompt         *string   `json:"openAiPrompt"`
	SimilarityThreshold  *float64  `json:"similarityThreshold"`
	ChatProvider         *string   `json:"chatProvider"`
	ChatModel            *string   `json:"chatModel"`
	TopN                 *int      `json:"topN"`
	ChatMode             *string   `json:"chatMode"`
	PfpFilename          *string   `json:"pfpFilename"`
	AgentProvider        *string   `json:"agentProvider"`
	AgentModel           *string   `json:"agentModel"`
	QueryRefusalResponse *string   `json:"queryRefusalResponse"`
	VectorSearchMode     *string   `json:"vectorSearchMode"`
}

// Thread is a named conversation inside a workspace.
type Thread struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	Slug          string    `json:"slug"`
	WorkspaceID   int64     `json:"workspace_id"`
	UserID        *int64    `json:"user_id"`
	CreatedAt     time.Time `json:"createdAt"`
	LastUpdatedAt time.Time `json:"lastUpdatedAt"`
}

// Chat is one prompt/response exchange (a workspace_chats row). Response is
// the JSON string AnythingLLM stores: {"text","sources","type","attachments","metrics"}.
type Chat struct {
	ID            int64     `json:"id"`
	WorkspaceID   int64     `json:"workspaceId"`
	Prompt        string    `json:"prompt"`
	Response      string    `json:"response"`
	Include       bool      `json:"include"`
	UserID        *int64    `json:"user_id"`
	ThreadID      *int64    `json:"thread_id"`
	APISessionID  *string   `json:"api_session_id"`
	CreatedAt     time.Time `json:"createdAt"`
	LastUpdatedAt time.Time `json:"lastUpdatedAt"`
	FeedbackScore *bool     `json:"feedbackScore"`
}

// ChatFilter selects chats. Zero fields do not filter. For the nullable
// columns, the No* flags select rows where the column IS NULL.
type ChatFilter struct {
	WorkspaceID  int64
	ThreadID     int64
	NoThread     bool
	SessionID    string
	NoSession    bool
	UserID       int64
	NoUser       bool
	IncludedOnly bool
	IDs          []int64 // only these ids
	MinID        int64   // id >= MinID
	Newest       bool    // order by id descending (default ascending)
	Limit        int     // 0 = no limit
	Offset       int
}

// Matches reports whether c meets f's conditions (all but the order,
// limit and offset). A nil filter matches every chat. Stores use it for
// the chats they hold in memory; a store's query must select the same.
func (f *ChatFilter) Matches(c *Chat) bool {
	if f == nil {
		return true
	}
	eq := func(p *int64, v int64) bool { return p != nil && *p == v }
	switch {
	case f.WorkspaceID != 0 && c.WorkspaceID != f.WorkspaceID,
		f.ThreadID != 0 && !eq(c.ThreadID, f.ThreadID),
		f.NoThread && c.ThreadID != nil,
		f.SessionID != "" && (c.APISessionID == nil || *c.APISessionID != f.SessionID),
		f.NoSession && c.APISessionID != nil,
		f.UserID != 0 && !eq(c.UserID, f.UserID),
		f.NoUser && c.UserID != nil,
		f.IncludedOnly && !c.Include,
		f.IDs != nil && !slices.Contains(f.IDs, c.ID),
		f.MinID != 0 && c.ID < f.MinID:
		return false
	}
	return true
}

// Empty reports whether f selects every chat (a nil filter, or one with no
// condition).
func (f *ChatFilter) Empty() bool {
	return f == nil || (f.WorkspaceID == 0 && f.ThreadID == 0 && !f.NoThread && f.SessionID == "" && !f.NoSession &&
		f.UserID == 0 && !f.NoUser && !f.IncludedOnly && f.IDs == nil && f.MinID == 0)
}

// WorkspaceDocument links a stored document (by docpath) to a workspace.
// Metadata is the document JSON without pageContent, as a JSON string.
type WorkspaceDocument struct {
	ID            int64     `json:"id"`
	DocID         string    `json:"docId"`
	Filename      string    `json:"filename"`
	Docpath       string    `json:"docpath"`
	WorkspaceID   int64     `json:"workspaceId"`
	Metadata      string    `json:"metadata"`
	Pinned        bool      `json:"pinned"`
	Watched       bool      `json:"watched"`
	CreatedAt     time.Time `json:"createdAt"`
	LastUpdatedAt time.Time `json:"lastUpdatedAt"`
}

// Document is AnythingLLM's parsed-document JSON, stored at
// documents/<folder>/<name>-<uuid>.json.
type Document struct {
	ID                 string `json:"id"`
	URL                string `json:"url"`
	Title              string `json:"title"`
	DocAuthor          string `json:"docAuthor"`
	Description        string `json:"description"`
	DocSource          string `json:"docSource"`
	ChunkSource        string `json:"chunkSource"`
	Published          string `json:"published"`
	WordCount          int    `json:"wordCount"`
	PageContent        string `json:"pageContent"`
	TokenCountEstimate int    `json:"token_count_estimate"`
}

// Role is a user's role in multi-user mode.
type Role string

// The roles AnythingLLM knows.
const (
	RoleAdmin   Role = "admin"
	RoleManager Role = "manager"
	RoleDefault Role = "default"
)

// User is an account in multi-user mode. PasswordHash never leaves the
// server: it has no JSON name.
type User struct {
	ID                int64     `json:"id"`
	Username          string    `json:"username"`
	PasswordHash      string    `json:"-"`
	PfpFilename       *string   `json:"pfpFilename"`
	Role              Role      `json:"role"`
	Suspended         int       `json:"suspended"`
	SeenRecoveryCodes *bool     `json:"seen_recovery_codes"`
	CreatedAt         time.Time `json:"createdAt"`
	LastUpdatedAt     time.Time `json:"lastUpdatedAt"`
	DailyMessageLimit *int      `json:"dailyMessageLimit"`
	Bio               string    `json:"bio"`
}

// WorkspaceUser is a membership row joined with its user.
type WorkspaceUser struct {
	UserID        int64     `json:"userId"`
	Username      string    `json:"username"`
	Role          Role      `json:"role"`
	LastUpdatedAt time.Time `json:"lastUpdatedAt"`
}

// Invite is a one-time code for joining a multi-user instance.
// WorkspaceIDs is a JSON array as a string, as upstream stores it.
type Invite struct {
	ID            int64     `json:"id"`
	Code          string    `json:"code"`
	Status        string    `json:"status"` // pending, claimed, disabled
	ClaimedBy     *int64    `json:"claimedBy"`
	WorkspaceIDs  *string   `json:"workspaceIds"`
	CreatedAt     time.Time `json:"createdAt"`
	CreatedBy     int64     `json:"createdBy"`
	LastUpdatedAt time.Time `json:"lastUpdatedAt"`
}

// APIKey is a developer API key. Only a hash of the secret is stored; the
// secret itself is shown once, at creation.
type APIKey struct {
	ID            int64     `json:"id"`
	Name          *string   `json:"name"`
	SecretHash    string    `json:"-"`
	Prefix        string    `json:"prefix"` // first group of the key, to tell keys apart
	CreatedBy     *int64    `json:"createdBy"`
	CreatedAt     time.Time `json:"createdAt"`
	LastUpdatedAt time.Time `json:"lastUpdatedAt"`
}

// Setting is one system_settings row.
type Setting struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// VectorRecord is one embedded chunk.
type VectorRecord struct {
	ID       string         // the chunk's uuid (upstream's vectorId)
	DocID    string         // the workspace document's docId
	Vector   []float32      // the embedding
	Text     string         // the chunk text, metadata header included
	Metadata map[string]any // the document's metadata (title, url, ...)
}

// StoredVector is a VectorRecord as kept in SQL, with the workspace it
// belongs to and a monotonically increasing sequence number that lets an
// index follow new rows.
type StoredVector struct {
	Seq         int64
	WorkspaceID int64
	Namespace   string // the workspace slug
	VectorRecord
}
