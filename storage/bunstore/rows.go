package bunstore

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/uptrace/bun"
)

// Row types mirror the tables; converters keep the core types free of
// database tags.

type workspaceRow struct {
	bun.BaseModel        `bun:"table:workspaces"`
	ID                   int64     `bun:"id,pk,autoincrement"`
	Name                 string    `bun:"name"`
	Slug                 string    `bun:"slug"`
	VectorTag            *string   `bun:"vector_tag"`
	CreatedAt            time.Time `bun:"created_at"`
	OpenAITemp           *float64  `bun:"open_ai_temp"`
	OpenAIHistory        int       `bun:"open_ai_history"`
	LastUpdatedAt        time.Time `bun:"last_updated_at"`
	OpenAIPrompt         *string   `bun:"open_ai_prompt"`
	SimilarityThreshold  *float64  `bun:"similarity_threshold"`
	ChatProvider         *string   `bun:"chat_provider"`
	ChatModel            *string   `bun:"chat_model"`
	TopN                 *int      `bun:"top_n"`
	ChatMode             *string   `bun:"chat_mode"`
	PfpFilename          *string   `bun:"pfp_filename"`
	AgentProvider        *string   `bun:"agent_provider"`
	AgentModel           *string   `bun:"agent_model"`
	QueryRefusalResponse *string   `bun:"query_refusal_response"`
	VectorSearchMode     *string   `bun:"vector_search_mode"`
}

func fromWorkspace(w *anythingllm.Workspace) *workspaceRow {
	r := workspaceRow{ID: w.ID, Name: w.Name, Slug: w.Slug, VectorTag: w.VectorTag, CreatedAt: utc(w.CreatedAt),
		OpenAITemp: w.OpenAITemp, OpenAIHistory: w.OpenAIHistory, LastUpdatedAt: utc(w.LastUpdatedAt),
		OpenAIPrompt: w.OpenAIPrompt, SimilarityThreshold: w.SimilarityThreshold, ChatProvider: w.ChatProvider,
		ChatModel: w.ChatModel, TopN: w.TopN, ChatMode: w.ChatMode, PfpFilename: w.PfpFilename,
		AgentProvider: w.AgentProvider, AgentModel: w.AgentModel, QueryRefusalResponse: w.QueryRefusalResponse,
		VectorSearchMode: w.VectorSearchMode}
	return &r
}

func (r *workspaceRow) core() anythingllm.Workspace {
	return anythingllm.Workspace{ID: r.ID, Name: r.Name, Slug: r.Slug, VectorTag: r.VectorTag, CreatedAt: utc(r.CreatedAt),
		OpenAITemp: r.OpenAITemp, OpenAIHistory: r.OpenAIHistory, LastUpdatedAt: utc(r.LastUpdatedAt),
		OpenAIPrompt: r.OpenAIPrompt, SimilarityThreshold: r.SimilarityThreshold, ChatProvider: r.ChatProvider,
		ChatModel: r.ChatModel, TopN: r.TopN, ChatMode: r.ChatMode, PfpFilename: r.PfpFilename,
		AgentProvider: r.AgentProvider, AgentModel: r.AgentModel, QueryRefusalResponse: r.QueryRefusalResponse,
		VectorSearchMode: r.VectorSearchMode}
}

type threadRow struct {
	bun.BaseModel `bun:"table:workspace_threads"`
	ID            int64     `bun:"id,pk,autoincrement"`
	Name          string    `bun:"name"`
	Slug          string    `bun:"slug"`
	WorkspaceID   int64     `bun:"workspace_id"`
	UserID        *int64    `bun:"user_id"`
	CreatedAt     time.Time `bun:"created_at"`
	LastUpdatedAt time.Time `bun:"last_updated_at"`
}

func fromThread(t *anythingllm.Thread) *threadRow {
	return &threadRow{ID: t.ID, Name: t.Name, Slug: t.Slug, WorkspaceID: t.WorkspaceID, UserID: t.UserID,
		CreatedAt: utc(t.CreatedAt), LastUpdatedAt: utc(t.LastUpdatedAt)}
}

func (r *threadRow) core() anythingllm.Thread {
	return anythingllm.Thread{ID: r.ID, Name: r.Name, Slug: r.Slug, WorkspaceID: r.WorkspaceID, UserID: r.UserID,
		CreatedAt: utc(r.CreatedAt), LastUpdatedAt: utc(r.LastUpdatedAt)}
}

type chatRow struct {
	bun.BaseModel `bun:"table:workspace_chats"`
	ID            int64     `bun:"id,pk,autoincrement"`
	WorkspaceID   int64     `bun:"workspace_id"`
	Prompt        string    `bun:"prompt"`
	Response      string    `bun:"response"`
	Include       bool      `bun:"include"`
	UserID        *int64    `bun:"user_id"`
	ThreadID      *int64    `bun:"thread_id"`
	APISessionID  *string   `bun:"api_session_id"`
	CreatedAt     time.Time `bun:"created_at"`
	LastUpdatedAt time.Time `bun:"last_updated_at"`
	FeedbackScore *bool     `bun:"feedback_score"`
}

func fromChat(c *anythingllm.Chat) *chatRow {
	return &chatRow{ID: c.ID, WorkspaceID: c.WorkspaceID, Prompt: c.Prompt, Response: c.Response, Include: c.Include,
		UserID: c.UserID, ThreadID: c.ThreadID, APISessionID: c.APISessionID, CreatedAt: utc(c.CreatedAt),
		LastUpdatedAt: utc(c.LastUpdatedAt), FeedbackScore: c.FeedbackScore}
}

func (r *chatRow) core() anythingllm.Chat {
	return anythingllm.Chat{ID: r.ID, WorkspaceID: r.WorkspaceID, Prompt: r.Prompt, Response: r.Response, Include: r.Include,
		UserID: r.UserID, ThreadID: r.ThreadID, APISessionID: r.APISessionID, CreatedAt: utc(r.CreatedAt),
		LastUpdatedAt: utc(r.LastUpdatedAt), FeedbackScore: r.FeedbackScore}
}

type documentRow struct {
	bun.BaseModel `bun:"table:workspace_documents"`
	ID            int64     `bun:"id,pk,autoincrement"`
	DocID         string    `bun:"doc_id"`
	Filename      string    `bun:"filename"`
	Docpath       string    `bun:"docpath"`
	WorkspaceID   int64     `bun:"workspace_id"`
	Metadata      string    `bun:"metadata"`
	Pinned        bool      `bun:"pinned"`
	Watched       bool      `bun:"watched"`
	CreatedAt     time.Time `bun:"created_at"`
	LastUpdatedAt time.Time `bun:"last_updated_at"`
}

func fromDocument(d *anythingllm.WorkspaceDocument) *documentRow {
	return &documentRow{ID: d.ID, DocID: d.DocID, Filename: d.Filename, Docpath: d.Docpath, WorkspaceID: d.WorkspaceID,
		Metadata: d.Metadata, Pinned: d.Pinned, Watched: d.Watched, CreatedAt: utc(d.CreatedAt), LastUpdatedAt: utc(d.LastUpdatedAt)}
}

func (r *documentRow) core() anythingllm.WorkspaceDocument {
	return anythingllm.WorkspaceDocument{ID: r.ID, DocID: r.DocID, Filename: r.Filename, Docpath: r.Docpath, WorkspaceID: r.WorkspaceID,
		Metadata: r.Metadata, Pinned: r.Pinned, Watched: r.Watched, CreatedAt: utc(r.CreatedAt), LastUpdatedAt: utc(r.LastUpdatedAt)}
}

type vectorRow struct {
	bun.BaseModel `bun:"table:document_vectors"`
	ID            int64  `bun:"id,pk,autoincrement"`
	DocID         string `bun:"doc_id"`
	VectorID      string `bun:"vector_id"`
	WorkspaceID   int64  `bun:"workspace_id"`
	Embedding     []byte `bun:"embedding"`
	Text          string `bun:"text"`
	Metadata      string `bun:"metadata"`
	Namespace     string `bun:"namespace,scanonly"`
}

func (r *vectorRow) record() (anythingllm.VectorRecord, error) {
	rec := anythingllm.VectorRecord{ID: r.VectorID, DocID: r.DocID, Text: r.Text, Vector: decodeVector(r.Embedding)}
	if r.Metadata != "" && r.Metadata != "{}" {
		if err := json.Unmarshal([]byte(r.Metadata), &rec.Metadata); err != nil {
			return rec, err
		}
	}
	return rec, nil
}

type userRow struct {
	bun.BaseModel     `bun:"table:users"`
	ID                int64     `bun:"id,pk,autoincrement"`
	Username          string    `bun:"username"`
	Password          string    `bun:"password"`
	PfpFilename       *string   `bun:"pfp_filename"`
	Role              string    `bun:"role"`
	Suspended         int       `bun:"suspended"`
	SeenRecoveryCodes *bool     `bun:"seen_recovery_codes"`
	CreatedAt         time.Time `bun:"created_at"`
	LastUpdatedAt     time.Time `bun:"last_updated_at"`
	DailyMessageLimit *int      `bun:"daily_message_limit"`
	Bio               string    `bun:"bio"`
}

func fromUser(u *anythingllm.User) *userRow {
	return &userRow{ID: u.ID, Username: u.Username, Password: u.PasswordHash, PfpFilename: u.PfpFilename, Role: string(u.Role),
		Suspended: u.Suspended, SeenRecoveryCodes: u.SeenRecoveryCodes, CreatedAt: utc(u.CreatedAt), LastUpdatedAt: utc(u.LastUpdatedAt),
		DailyMessageLimit: u.DailyMessageLimit, Bio: u.Bio}
}

func (r *userRow) core() anythingllm.User {
	return anythingllm.User{ID: r.ID, Username: r.Username, PasswordHash: r.Password, PfpFilename: r.PfpFilename, Role: anythingllm.Role(r.Role),
		Suspended: r.Suspended, SeenRecoveryCodes: r.SeenRecoveryCodes, CreatedAt: utc(r.CreatedAt), LastUpdatedAt: utc(r.LastUpdatedAt),
		DailyMessageLimit: r.DailyMessageLimit, Bio: r.Bio}
}

type memberRow struct {
	bun.BaseModel `bun:"table:workspace_users"`
	ID            int64     `bun:"id,pk,autoincrement"`
	UserID        int64     `bun:"user_id"`
	WorkspaceID   int64     `bun:"workspace_id"`
	CreatedAt     time.Time `bun:"created_at"`
	LastUpdatedAt time.Time `bun:"last_updated_at"`
}

type inviteRow struct {
	bun.BaseModel `bun:"table:invites"`
	ID            int64     `bun:"id,pk,autoincrement"`
	Code          string    `bun:"code"`
	Status        string    `bun:"status"`
	ClaimedBy     *int64    `bun:"claimed_by"`
	WorkspaceIDs  *string   `bun:"workspace_ids"`
	CreatedAt     time.Time `bun:"created_at"`
	CreatedBy     int64     `bun:"created_by"`
	LastUpdatedAt time.Time `bun:"last_updated_at"`
}

func fromInvite(i *anythingllm.Invite) *inviteRow {
	return &inviteRow{ID: i.ID, Code: i.Code, Status: i.Status, ClaimedBy: i.ClaimedBy, WorkspaceIDs: i.WorkspaceIDs,
		CreatedAt: utc(i.CreatedAt), CreatedBy: i.CreatedBy, LastUpdatedAt: utc(i.LastUpdatedAt)}
}

func (r *inviteRow) core() anythingllm.Invite {
	return anythingllm.Invite{ID: r.ID, Code: r.Code, Status: r.Status, ClaimedBy: r.ClaimedBy, WorkspaceIDs: r.WorkspaceIDs,
		CreatedAt: utc(r.CreatedAt), CreatedBy: r.CreatedBy, LastUpdatedAt: utc(r.LastUpdatedAt)}
}

type apiKeyRow struct {
	bun.BaseModel `bun:"table:api_keys"`
	ID            int64     `bun:"id,pk,autoincrement"`
	Name          *string   `bun:"name"`
	SecretHash    string    `bun:"secret_hash"`
	Prefix        string    `bun:"prefix"`
	CreatedBy     *int64    `bun:"created_by"`
	CreatedAt     time.Time `bun:"created_at"`
	LastUpdatedAt time.Time `bun:"last_updated_at"`
}

func (r *apiKeyRow) core() anythingllm.APIKey {
	return anythingllm.APIKey{ID: r.ID, Name: r.Name, SecretHash: r.SecretHash, Prefix: r.Prefix, CreatedBy: r.CreatedBy,
		CreatedAt: utc(r.CreatedAt), LastUpdatedAt: utc(r.LastUpdatedAt)}
}

type settingRow struct {
	bun.BaseModel `bun:"table:system_settings"`
	Label         string `bun:"label,pk"`
	Value         string `bun:"value"`
}

// utc normalises times: UTC, millisecond precision, so that every dialect
// round-trips them exactly.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// encodeVector stores float32s little-endian.
func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

func decodeVector(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}
