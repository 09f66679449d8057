package anythingllm

import "context"

// Store is the SQL side of the App: one small interface per aggregate, plus
// transactions. Implementations: storage/bunstore (SQLite, PostgreSQL) and
// storage/memstore. All of them pass storage/storetest.
//
// Every method reports a missing row as ErrNotFound and a unique-key clash
// (workspace slug, thread slug, username, invite code, key hash) as
// ErrAlreadyExists. Create methods fill in ID, CreatedAt and LastUpdatedAt.
type Store interface {
	Workspaces() WorkspaceStore
	Threads() ThreadStore
	Chats() ChatStore
	Documents() DocumentStore
	Users() UserStore
	Invites() InviteStore
	APIKeys() APIKeyStore
	Settings() SettingsStore

	// InTx runs fn in one transaction: fn's Store sees its own writes, and
	// every write is undone if fn returns an error or panics.
	InTx(ctx context.Context, fn func(tx Store) error) error
	Close() error
}

// WorkspaceStore keeps workspaces.
type WorkspaceStore interface {
	Create(ctx context.Context, w *Workspace) error
	Get(ctx context.Context, id int64) (*Workspace, error)
	GetBySlug(ctx context.Context, slug string) (*Workspace, error)
	List(ctx context.Context) ([]Workspace, error) // by id
	Update(ctx context.Context, w *Workspace) error
	// Delete removes the workspace and, with it, its threads, chats,
	// workspace documents, their vectors and its user memberships.
	Delete(ctx context.Context, id int64) error
}

// ThreadStore keeps workspace threads. Slugs are unique across workspaces.
type ThreadStore interface {
	Create(ctx context.Context, t *Thread) error
	Get(ctx context.Context, id int64) (*Thread, error)
	GetBySlug(ctx context.Context, workspaceID int64, slug string) (*Thread, error)
	ListByWorkspace(ctx context.Context, workspaceID int64) ([]Thread, error) // by id
	Update(ctx context.Context, t *Thread) error
	// Delete removes the thread and its chats.
	Delete(ctx context.Context, id int64) error
}

// ChatStore keeps workspace_chats rows.
type ChatStore interface {
	Create(ctx context.Context, c *Chat) error
	Get(ctx context.Context, id int64) (*Chat, error)
	List(ctx context.Context, f *ChatFilter) ([]Chat, error)
	Count(ctx context.Context, f *ChatFilter) (int, error)
	Update(ctx context.Context, c *Chat) error
	// SetInclude sets include on every matching chat and returns how many
	// rows matched. Limit, Offset and ordering are ignored.
	SetInclude(ctx context.Context, f *ChatFilter, include bool) (int, error)
	// Delete removes every matching chat and returns how many it removed.
	// Limit, Offset and ordering are ignored. A nil or empty filter is
	// refused with ErrInvalidArgument so a bug cannot wipe every chat.
	Delete(ctx context.Context, f *ChatFilter) (int, error)
}

// DocumentStore keeps workspace documents and their vectors. A document
// and its vectors are written and removed together, atomically.
type DocumentStore interface {
	// Add inserts the workspace document and its vectors in one
	// transaction. A docpath already in the workspace is ErrAlreadyExists.
	Add(ctx context.Context, d *WorkspaceDocument, vectors []VectorRecord) error
	Get(ctx context.Context, workspaceID int64, docpath string) (*WorkspaceDocument, error)
	ListByWorkspace(ctx context.Context, workspaceID int64) ([]WorkspaceDocument, error) // by id
	// ListPinned lists a workspace's pinned documents, by id. Every chat
	// asks, so it must not cost a scan of the workspace's documents.
	ListPinned(ctx context.Context, workspaceID int64) ([]WorkspaceDocument, error)
	// ListByDocpath lists every workspace's link to docpath.
	ListByDocpath(ctx context.Context, docpath string) ([]WorkspaceDocument, error)
	SetPinned(ctx context.Context, workspaceID int64, docpath string, pinned bool) error
	// Remove deletes the workspace document with that docId and its vectors.
	Remove(ctx context.Context, docID string) error
	// Vectors returns up to limit stored vectors with Seq > afterSeq in Seq
	// order; an index rebuilds itself by paging through them.
	Vectors(ctx context.Context, afterSeq int64, limit int) ([]StoredVector, error)
	// VectorsByDoc returns the vectors of one workspace document.
	VectorsByDoc(ctx context.Context, docID string) ([]VectorRecord, error)
	// CountVectors counts vectors, in one workspace or (workspaceID 0) in all.
	CountVectors(ctx context.Context, workspaceID int64) (int, error)
}

// UserStore keeps users and their workspace memberships.
type UserStore interface {
	Create(ctx context.Context, u *User) error
	Get(ctx context.Context, id int64) (*User, error)
	GetByUsername(ctx context.Context, username string) (*User, error)
	List(ctx context.Context) ([]User, error) // by id
	Update(ctx context.Context, u *User) error
	Delete(ctx context.Context, id int64) error

	// WorkspaceUsers lists the members of a workspace, by user id.
	WorkspaceUsers(ctx context.Context, workspaceID int64) ([]WorkspaceUser, error)
	// SetWorkspaceUsers replaces the workspace's members with userIDs.
	SetWorkspaceUsers(ctx context.Context, workspaceID int64, userIDs []int64) error
	// AddWorkspaceUsers adds the userIDs that are not members yet.
	AddWorkspaceUsers(ctx context.Context, workspaceID int64, userIDs []int64) error
	// UserWorkspaceIDs lists the workspaces a user belongs to.
	UserWorkspaceIDs(ctx context.Context, userID int64) ([]int64, error)
}

// InviteStore keeps invites.
type InviteStore interface {
	Create(ctx context.Context, inv *Invite) error
	Get(ctx context.Context, id int64) (*Invite, error)
	GetByCode(ctx context.Context, code string) (*Invite, error)
	List(ctx context.Context) ([]Invite, error) // by id
	Update(ctx context.Context, inv *Invite) error
}

// APIKeyStore keeps API keys by the hash of their secret.
type APIKeyStore interface {
	Create(ctx context.Context, k *APIKey) error
	// GetByHash finds the key whose SecretHash equals hash.
	GetByHash(ctx context.Context, hash string) (*APIKey, error)
	List(ctx context.Context) ([]APIKey, error) // by id
	Delete(ctx context.Context, id int64) error
}

// SettingsStore keeps system_settings: string values by label.
type SettingsStore interface {
	Get(ctx context.Context, label string) (string, error)
	Set(ctx context.Context, label, value string) error
	Delete(ctx context.Context, label string) error
	All(ctx context.Context) ([]Setting, error) // by label
}
