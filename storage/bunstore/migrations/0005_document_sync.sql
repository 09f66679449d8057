-- Live document sync (upstream's document_sync_queues and
-- document_sync_executions): one queue per watched document, owned by one
-- workspace_documents row and deleted with it; one execution row per sync
-- run, deleted with its queue. result is JSON text.
CREATE TABLE document_sync_queues (
  id {{PK}},
  stale_after_ms BIGINT NOT NULL DEFAULT 604800000,
  next_sync_at {{TS}} NOT NULL,
  created_at {{TS}} NOT NULL,
  last_synced_at {{TS}} NOT NULL,
  workspace_doc_id BIGINT NOT NULL UNIQUE REFERENCES workspace_documents(id) ON DELETE CASCADE
);
CREATE INDEX document_sync_queues_next_idx ON document_sync_queues (next_sync_at);

CREATE TABLE document_sync_executions (
  id {{PK}},
  queue_id BIGINT NOT NULL REFERENCES document_sync_queues(id) ON DELETE CASCADE,
  status TEXT NOT NULL DEFAULT 'unknown',
  result TEXT,
  created_at {{TS}} NOT NULL
);
CREATE INDEX document_sync_executions_queue_idx ON document_sync_executions (queue_id, id);
