import type { Store } from './store.js';

/** One row of the front door's usage: a key's requests and tokens on one UTC day for one model. */
export interface UsageRow {
  tokenId: string;
  day: string;
  model: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

export interface UsageStore {
  /** Adds one request's tokens to its key's row of the day. */
  add(tokenId: string, day: string, model: string, promptTokens: number, completionTokens: number): Promise<void>;
  /** Rows of days from `since` on (YYYY-MM-DD), of one key or all, newest day first. */
  list(filter: { tokenId?: string; since: string }): Promise<UsageRow[]>;
}

// ($1 token_id, $2 day, $3 model, $4 prompt tokens, $5 completion tokens) -> nothing; both dialects
export const ADD = `INSERT INTO model_usage (token_id, day, model, requests, prompt_tokens, completion_tokens)
  VALUES ($1, $2, $3, 1, $4, $5)
  ON CONFLICT (token_id, day, model) DO UPDATE SET requests = model_usage.requests + 1,
    prompt_tokens = model_usage.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = model_usage.completion_tokens + excluded.completion_tokens`;
// ($1 since day, $2 token_id or null for all) -> usage rows, newest day first, then by key and model
export const LIST = `SELECT token_id, day, model, requests, prompt_tokens, completion_tokens FROM model_usage
  WHERE day >= $1 AND ($2::text IS NULL OR token_id = $2::text) ORDER BY day DESC, token_id, model`;

/** A row of `model_usage` as LIST reads it. */
export interface ModelUsageRow {
  token_id: string;
  day: string;
  model: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
}

export function toUsageRow(r: ModelUsageRow): UsageRow {
  return {
    tokenId: r.token_id,
    day: r.day,
    model: r.model,
    requests: Number(r.requests),
    promptTokens: Number(r.prompt_tokens),
    completionTokens: Number(r.completion_tokens),
  };
}

/** The usage store on the main store's connection. */
export function openUsageStore(store: Store): UsageStore {
  return store.companions.usage();
}
