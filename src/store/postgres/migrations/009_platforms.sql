-- Real platforms: the tables of SQLite's 010_platforms.sql with PostgreSQL types. The accounts
-- bots act as (credentials sealed with the hub's key, which every hub on the schema must share),
-- the record of every platform call, and why the hub paused a bot.

CREATE TABLE platform_accounts (
  name       text PRIMARY KEY,
  platform   text NOT NULL,
  instance   text,
  sealed     text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);

CREATE TABLE platform_calls (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          bigint NOT NULL,
  platform    text NOT NULL,
  account     text NOT NULL,
  method      text NOT NULL,
  status      integer NOT NULL,
  duration_ms bigint NOT NULL,
  remaining   bigint,
  wait_ms     bigint NOT NULL,
  attempt     integer NOT NULL,
  error       text
);
CREATE INDEX platform_calls_at ON platform_calls (at);
CREATE INDEX platform_calls_account ON platform_calls (account, at);

ALTER TABLE bots ADD COLUMN paused_reason text;
