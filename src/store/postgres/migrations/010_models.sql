-- The OpenAI-compatible front door's usage: requests and tokens per API key (a Roost token), UTC
-- day and model, added to as each request finishes.
CREATE TABLE model_usage (
  token_id          text NOT NULL,
  day               text NOT NULL,
  model             text NOT NULL,
  requests          bigint NOT NULL DEFAULT 0,
  prompt_tokens     bigint NOT NULL DEFAULT 0,
  completion_tokens bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (token_id, day, model)
);

-- Chat memory: the turns of each conversation (a bot and its counterpart, or a front-door
-- conversation id), in order, with their token counts so pruning need not tokenize them again.
CREATE TABLE chat_turns (
  conversation text NOT NULL,
  seq          bigint NOT NULL,
  role         text NOT NULL,
  content      text NOT NULL,
  tokens       bigint NOT NULL,
  created_at   bigint NOT NULL,
  PRIMARY KEY (conversation, seq)
);
