-- Every chat lists its workspace's pinned documents; this partial index
-- makes that a lookup of the pinned few instead of a scan of all of them.
CREATE INDEX workspace_documents_pinned_idx ON workspace_documents (workspace_id, id) WHERE pinned = TRUE;
