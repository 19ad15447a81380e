-- The OpenAI-compatible front door's usage: requests and tokens per API key (a Roost token), UTC
-- day and model, added to as each request finishes.
CREATE TABLE model_usage (
  token_id          TEXT NOT NULL,
  day               TEXT NOT NULL,
  model             TEXT NOT NULL,
  requests          INTEGER NOT NULL DEFAULT 0,
  prompt_tokens     INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (token_id, day, model)
) WITHOUT ROWID;

-- Chat memory: the turns of each conversation (a bot and its counterpart, or a front-door
-- conversation id), in order, with their token counts so pruning need not tokenize them again.
CREATE TABLE chat_turns (
  conversation TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  role         TEXT NOT NULL,
  content      TEXT NOT NULL,
  tokens       INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (conversation, seq)
) WITHOUT ROWID;
