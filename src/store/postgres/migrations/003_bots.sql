-- Bots: their durable state, feeds with per-consumer cursors, the ledger of posts, stored log
-- lines, and the sandbox platform. The tables and columns of SQLite's 004_bots.sql, with
-- PostgreSQL types (epoch-ms times and counters as bigint, JSON as text, paused as a boolean).
-- Deleting a bot deletes what it owns (ON DELETE CASCADE).

-- paused: true while paused by a user. last_scheduled_at: the schedule time of the last run
-- started, so missed runs after downtime are counted from the schedule, not from the process start.
CREATE TABLE bots (
  name              text PRIMARY KEY,
  module            text NOT NULL,
  paused            boolean NOT NULL DEFAULT false,
  created_at        bigint NOT NULL,
  starts            bigint NOT NULL DEFAULT 0,
  restarts          bigint NOT NULL DEFAULT 0,
  runs              bigint NOT NULL DEFAULT 0,
  errors            bigint NOT NULL DEFAULT 0,
  last_error        text,
  last_error_at     bigint,
  last_run_at       bigint,
  last_scheduled_at bigint
);

CREATE TABLE bot_state (
  bot        text NOT NULL REFERENCES bots (name) ON DELETE CASCADE,
  key        text NOT NULL,
  value      text NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (bot, key)
);

-- Where a bot has read a platform up to (the platform's opaque cursor).
CREATE TABLE bot_platform_cursors (
  bot      text NOT NULL REFERENCES bots (name) ON DELETE CASCADE,
  platform text NOT NULL,
  cursor   text NOT NULL,
  PRIMARY KEY (bot, platform)
);

-- owner: the bot that created the feed (destroyed with it); NULL for feeds written over HTTP.
-- last_seq is bumped under the feed row's lock, so items number in commit order on every hub.
CREATE TABLE feeds (
  name       text PRIMARY KEY,
  owner      text REFERENCES bots (name) ON DELETE CASCADE,
  last_seq   bigint NOT NULL DEFAULT 0,
  created_at bigint NOT NULL
);

CREATE TABLE feed_items (
  feed       text NOT NULL REFERENCES feeds (name) ON DELETE CASCADE,
  seq        bigint NOT NULL,
  item       text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (feed, seq)
);

-- acked: the highest seq the consumer has acknowledged; it reads what comes after.
CREATE TABLE feed_cursors (
  feed     text NOT NULL REFERENCES feeds (name) ON DELETE CASCADE,
  consumer text NOT NULL,
  acked    bigint NOT NULL,
  PRIMARY KEY (feed, consumer)
);

-- Written before a post is sent (state 'pending'), confirmed with the platform's post id after.
CREATE TABLE ledger (
  bot          text NOT NULL REFERENCES bots (name) ON DELETE CASCADE,
  key          text NOT NULL,
  hash         text NOT NULL,
  platform     text NOT NULL,
  state        text NOT NULL CHECK (state IN ('pending', 'confirmed')),
  post_id      text,
  created_at   bigint NOT NULL,
  confirmed_at bigint,
  PRIMARY KEY (bot, key)
);
CREATE INDEX ledger_pending ON ledger (bot) WHERE state = 'pending';

CREATE TABLE bot_logs (
  id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  bot   text NOT NULL REFERENCES bots (name) ON DELETE CASCADE,
  at    bigint NOT NULL,
  level text NOT NULL,
  msg   text NOT NULL,
  data  text
);
CREATE INDEX bot_logs_by_bot ON bot_logs (bot, at);

CREATE TABLE sandbox_accounts (
  name       text PRIMARY KEY,
  created_at bigint NOT NULL
);

-- type 'post' (replies have reply_to) or 'ask' (a question sent to recipient). key: the author's
-- idempotency key, kept so a client can find a post it may have sent; the sandbox does not
-- deduplicate on it, as real platforms do not.
CREATE TABLE sandbox_posts (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type       text NOT NULL CHECK (type IN ('post', 'ask')),
  author     text NOT NULL REFERENCES sandbox_accounts (name),
  recipient  text REFERENCES sandbox_accounts (name),
  reply_to   bigint REFERENCES sandbox_posts (id),
  text       text NOT NULL,
  key        text,
  created_at bigint NOT NULL
);
CREATE INDEX sandbox_posts_by_key ON sandbox_posts (author, key) WHERE key IS NOT NULL;
CREATE INDEX sandbox_posts_replies ON sandbox_posts (reply_to) WHERE reply_to IS NOT NULL;

CREATE TABLE sandbox_mentions (
  post_id bigint NOT NULL REFERENCES sandbox_posts (id),
  account text NOT NULL,
  PRIMARY KEY (post_id, account)
);

CREATE TABLE sandbox_likes (
  post_id    bigint NOT NULL REFERENCES sandbox_posts (id),
  account    text NOT NULL REFERENCES sandbox_accounts (name),
  created_at bigint NOT NULL,
  PRIMARY KEY (post_id, account)
);
