-- The initial schema. {{PK}}, {{BLOB}}, {{TS}} are replaced per dialect.
CREATE TABLE workspaces (
  id {{PK}},
  name TEXT NOT NULL,
  slug TEXT NOT NULL UNIQUE,
  vector_tag TEXT,
  created_at {{TS}} NOT NULL,
  open_ai_temp DOUBLE PRECISION,
  open_ai_history INTEGER NOT NULL DEFAULT 20,
  last_updated_at {{TS}} NOT NULL,
  open_ai_prompt TEXT,
  similarity_threshold DOUBLE PRECISION,
  chat_provider TEXT,
  chat_model TEXT,
  top_n INTEGER,
  chat_mode TEXT,
  pfp_filename TEXT,
  agent_provider TEXT,
  agent_model TEXT,
  query_refusal_response TEXT,
  vector_search_mode TEXT
);

CREATE TABLE users (
  id {{PK}},
  username TEXT NOT NULL UNIQUE,
  password TEXT NOT NULL,
  pfp_filename TEXT,
  role TEXT NOT NULL DEFAULT 'default',
  suspended INTEGER NOT NULL DEFAULT 0,
  seen_recovery_codes BOOLEAN,
  created_at {{TS}} NOT NULL,
  last_updated_at {{TS}} NOT NULL,
  daily_message_limit INTEGER,
  bio TEXT NOT NULL DEFAULT ''
);

CREATE TABLE workspace_threads (
  id {{PK}},
  name TEXT NOT NULL,
  slug TEXT NOT NULL UNIQUE,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,
  created_at {{TS}} NOT NULL,
  last_updated_at {{TS}} NOT NULL
);
CREATE INDEX workspace_threads_workspace_idx ON workspace_threads (workspace_id, id);

CREATE TABLE workspace_chats (
  id {{PK}},
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  prompt TEXT NOT NULL,
  response TEXT NOT NULL,
  include BOOLEAN NOT NULL DEFAULT TRUE,
  user_id BIGINT,
  thread_id BIGINT REFERENCES workspace_threads(id) ON DELETE CASCADE,
  api_session_id TEXT,
  created_at {{TS}} NOT NULL,
  last_updated_at {{TS}} NOT NULL,
  feedback_score BOOLEAN
);
CREATE INDEX workspace_chats_workspace_thread_idx ON workspace_chats (workspace_id, thread_id, id);
CREATE INDEX workspace_chats_session_idx ON workspace_chats (api_session_id, id);
CREATE INDEX workspace_chats_thread_idx ON workspace_chats (thread_id, id);

CREATE TABLE workspace_documents (
  id {{PK}},
  doc_id TEXT NOT NULL UNIQUE,
  filename TEXT NOT NULL,
  docpath TEXT NOT NULL,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  metadata TEXT NOT NULL DEFAULT '',
  pinned BOOLEAN NOT NULL DEFAULT FALSE,
  watched BOOLEAN NOT NULL DEFAULT FALSE,
  created_at {{TS}} NOT NULL,
  last_updated_at {{TS}} NOT NULL,
  UNIQUE (workspace_id, docpath)
);
CREATE INDEX workspace_documents_docpath_idx ON workspace_documents (docpath);

-- One row per embedded chunk, with the vector itself (float32 little-endian),
-- written in the same transaction as its workspace_documents row.
CREATE TABLE document_vectors (
  id {{PK}},
  doc_id TEXT NOT NULL REFERENCES workspace_documents(doc_id) ON DELETE CASCADE,
  vector_id TEXT NOT NULL,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  embedding {{BLOB}} NOT NULL,
  text TEXT NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX document_vectors_doc_idx ON document_vectors (doc_id);
CREATE INDEX document_vectors_workspace_idx ON document_vectors (workspace_id);

CREATE TABLE workspace_users (
  id {{PK}},
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  created_at {{TS}} NOT NULL,
  last_updated_at {{TS}} NOT NULL,
  UNIQUE (workspace_id, user_id)
);
CREATE INDEX workspace_users_user_idx ON workspace_users (user_id);

CREATE TABLE invites (
  id {{PK}},
  code TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL DEFAULT 'pending',
  claimed_by BIGINT,
  workspace_ids TEXT,
  created_at {{TS}} NOT NULL,
  created_by BIGINT NOT NULL DEFAULT 0,
  last_updated_at {{TS}} NOT NULL
);

-- Only a SHA-256 of each key is stored.
CREATE TABLE api_keys (
  id {{PK}},
  name TEXT,
  secret_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL DEFAULT '',
  created_by BIGINT,
  created_at {{TS}} NOT NULL,
  last_updated_at {{TS}} NOT NULL
);

CREATE TABLE system_settings (
  label TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
);
