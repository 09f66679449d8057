-- The vector change log: every write that changes what a vector index holds
-- (a document added or removed, a workspace deleted) appends a row here in
-- the same transaction as its document_vectors rows, so every process can
-- follow the log and keep its in-memory index in step (vectordb/follow).
-- op is 'upsert', 'delete-doc' or 'drop-namespace'; namespace is the
-- workspace slug. Readers ask for seq > ?, which the primary key serves.
CREATE TABLE vector_changes (
  seq {{PK}},
  op TEXT NOT NULL,
  namespace TEXT NOT NULL,
  doc_id TEXT NOT NULL DEFAULT '',
  created_at {{TS}} NOT NULL
);
CREATE INDEX vector_changes_created_idx ON vector_changes (created_at);

-- One row: the highest seq pruned so far, so a reader can tell that it
-- fell behind the pruned entries even when sequence numbers have gaps.
CREATE TABLE vector_change_state (
  id INTEGER PRIMARY KEY,
  pruned_through BIGINT NOT NULL
);
INSERT INTO vector_change_state (id, pruned_through) VALUES (1, 0);
