-- The warn and error lines of the hub and its workers, and the requests answered 4xx/5xx, kept for
-- `roost logs` (src/store/logStore.ts). level is pino's number (40 warn, 50 error, ...), so a
-- query asks for "this level or worse" with >=; lines older than logRetentionMs are deleted.
CREATE TABLE hub_logs (
  id     TEXT PRIMARY KEY,
  at     INTEGER NOT NULL,
  level  INTEGER NOT NULL,
  source TEXT NOT NULL,
  msg    TEXT NOT NULL,
  data   TEXT
);
CREATE INDEX hub_logs_by_time ON hub_logs (at);

-- A worker token may be confined to kinds: a JSON array of kind names, or NULL for any kind.
ALTER TABLE tokens ADD COLUMN kinds TEXT;
