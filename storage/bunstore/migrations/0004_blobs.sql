-- The database blob store (bunstore.Blobs). A blob's bytes are written as
-- chunks of one blob_contents row before its name is switched to that row
-- in one transaction, so readers see the old content or the new, never a
-- part. Folders are rows with is_dir true; every file's parent folders
-- have rows. parent is the folder a row is listed in ('' = the root).
-- A content replaced or deleted gets released_at and is removed a little
-- later, so readers that started before still read it whole.
CREATE TABLE blob_contents (
  id {{PK}},
  created_at {{TS}} NOT NULL,
  released_at {{TS}}
);
CREATE INDEX blob_contents_released_idx ON blob_contents (released_at);

CREATE TABLE blob_chunks (
  content_id BIGINT NOT NULL REFERENCES blob_contents(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  data {{BLOB}} NOT NULL,
  PRIMARY KEY (content_id, seq)
);

CREATE TABLE blobs (
  name TEXT NOT NULL PRIMARY KEY,
  parent TEXT NOT NULL,
  is_dir BOOLEAN NOT NULL,
  content_id BIGINT REFERENCES blob_contents(id),
  size BIGINT NOT NULL,
  mod_time {{TS}} NOT NULL
);
CREATE INDEX blobs_parent_idx ON blobs (parent);
CREATE INDEX blobs_content_idx ON blobs (content_id);
