-- Bots: their durable state, feeds with per-consumer cursors, the ledger of posts, stored log
-- lines, and the sandbox platform. Deleting a bot deletes what it owns (ON DELETE CASCADE).

-- paused: 1 while paused by a user. last_scheduled_at: the schedule time of the last run started,
-- so missed runs after downtime are counted from the schedule, not from the process start.
CREATE TABLE bots (
  name              TEXT PRIMARY KEY,
  module            TEXT NOT NULL,
  paused            INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL,
  starts            INTEGER NOT NULL DEFAULT 0,
  restarts          INTEGER NOT NULL DEFAULT 0,
  runs              INTEGER NOT NULL DEFAULT 0,
  errors            INTEGER NOT NULL DEFAULT 0,
  last_error        TEXT,
  last_error_at     INTEGER,
  last_run_at       INTEGER,
  last_scheduled_at INTEGER
);

CREATE TABLE bot_state (
  bot        TEXT NOT NULL REFERENCES bots (name) ON DELETE CASCADE,
  key        TEXT NOT NULL,
  value      TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (bot, key)
) WITHOUT ROWID;

-- Where a bot has read a platform up to (the platform's opaque cursor).
CREATE TABLE bot_platform_cursors (
  bot      TEXT NOT NULL REFERENCES bots (name) ON DELETE CASCADE,
  platform TEXT NOT NULL,
  cursor   TEXT NOT NULL,
  PRIMARY KEY (bot, platform)
) WITHOUT ROWID;

-- owner: the bot that created the feed (destroyed with it); NULL for feeds written over HTTP.
CREATE TABLE feeds (
  name       TEXT PRIMARY KEY,
  owner      TEXT REFERENCES bots (name) ON DELETE CASCADE,
  last_seq   INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);

CREATE TABLE feed_items (
  feed       TEXT NOT NULL REFERENCES feeds (name) ON DELETE CASCADE,
  seq        INTEGER NOT NULL,
  item       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (feed, seq)
) WITHOUT ROWID;

-- acked: the highest seq the consumer has acknowledged; it reads what comes after.
CREATE TABLE feed_cursors (
  feed     TEXT NOT NULL REFERENCES feeds (name) ON DELETE CASCADE,
  consumer TEXT NOT NULL,
  acked    INTEGER NOT NULL,
  PRIMARY KEY (feed, consumer)
) WITHOUT ROWID;

-- Written before a post is sent (state 'pending'), confirmed with the platform's post id after.
CREATE TABLE ledger (
  bot          TEXT NOT NULL REFERENCES bots (name) ON DELETE CASCADE,
  key          TEXT NOT NULL,
  hash         TEXT NOT NULL,
  platform     TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('pending', 'confirmed')),
  post_id      TEXT,
  created_at   INTEGER NOT NULL,
  confirmed_at INTEGER,
  PRIMARY KEY (bot, key)
) WITHOUT ROWID;
CREATE INDEX ledger_pending ON ledger (bot) WHERE state = 'pending';

CREATE TABLE bot_logs (
  id    INTEGER PRIMARY KEY AUTOINCREMENT,
  bot   TEXT NOT NULL REFERENCES bots (name) ON DELETE CASCADE,
  at    INTEGER NOT NULL,
  level TEXT NOT NULL,
  msg   TEXT NOT NULL,
  data  TEXT
);
CREATE INDEX bot_logs_by_bot ON bot_logs (bot, at);

CREATE TABLE sandbox_accounts (
  name       TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
);

-- type 'post' (replies have reply_to) or 'ask' (a question sent to recipient). key: the author's
-- idempotency key, kept so a client can find a post it may have sent; the sandbox does not
-- deduplicate on it, as real platforms do not.
CREATE TABLE sandbox_posts (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  type       TEXT NOT NULL CHECK (type IN ('post', 'ask')),
  author     TEXT NOT NULL REFERENCES sandbox_accounts (name),
  recipient  TEXT REFERENCES sandbox_accounts (name),
  reply_to   INTEGER REFERENCES sandbox_posts (id),
  text       TEXT NOT NULL,
  key        TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX sandbox_posts_by_key ON sandbox_posts (author, key) WHERE key IS NOT NULL;
CREATE INDEX sandbox_posts_replies ON sandbox_posts (reply_to) WHERE reply_to IS NOT NULL;

CREATE TABLE sandbox_mentions (
  post_id INTEGER NOT NULL REFERENCES sandbox_posts (id),
  account TEXT NOT NULL,
  PRIMARY KEY (post_id, account)
) WITHOUT ROWID;

CREATE TABLE sandbox_likes (
  post_id    INTEGER NOT NULL REFERENCES sandbox_posts (id),
  account    TEXT NOT NULL REFERENCES sandbox_accounts (name),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (post_id, account)
) WITHOUT ROWID;
