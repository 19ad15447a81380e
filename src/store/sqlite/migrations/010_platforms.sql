-- Real platforms: the accounts bots act as (credentials sealed with the hub's key, never in the
-- clear), the record of every platform call the proxy made (kept for platformCallRetentionMs), and
-- why the hub paused a bot (bad credentials, a post the platform refused).

CREATE TABLE platform_accounts (
  name       TEXT PRIMARY KEY,
  platform   TEXT NOT NULL,
  instance   TEXT,
  sealed     TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- status: the HTTP status (0 for a network error). remaining: what the platform said is left of
-- its limit. wait_ms: how long pacing held the call before it went.
CREATE TABLE platform_calls (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  at          INTEGER NOT NULL,
  platform    TEXT NOT NULL,
  account     TEXT NOT NULL,
  method      TEXT NOT NULL,
  status      INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  remaining   INTEGER,
  wait_ms     INTEGER NOT NULL,
  attempt     INTEGER NOT NULL,
  error       TEXT
);
CREATE INDEX platform_calls_at ON platform_calls (at);
CREATE INDEX platform_calls_account ON platform_calls (account, at);

ALTER TABLE bots ADD COLUMN paused_reason TEXT;
