-- Artifacts (docs/artifacts.md): the metadata of content-addressed files whose bytes live in the
-- data directory or an S3 bucket. put_at is the last upload of the bytes: the gc's grace period
-- counts from it, so re-uploading something about to be collected keeps it.
CREATE TABLE artifacts (
  sha256     text PRIMARY KEY,
  size       bigint NOT NULL,
  type       text NOT NULL,
  created_at bigint NOT NULL,
  put_at     bigint NOT NULL
);
CREATE INDEX artifacts_put_at ON artifacts (put_at);
-- Holders other than jobs and results (which the gc finds in their JSON): a pipeline's outputs, a
-- bot's images. owner names the holder (`pipeline:<id>`, `bot:<name>`); an artifact with a row
-- here is never collected.
CREATE TABLE artifact_refs (
  sha256     text NOT NULL REFERENCES artifacts (sha256) ON DELETE CASCADE,
  owner      text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (sha256, owner)
);
CREATE INDEX artifact_refs_owner ON artifact_refs (owner);
