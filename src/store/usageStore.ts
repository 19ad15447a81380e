import { PostgresStore } from './postgres/PostgresStore.js';
import type { Row } from './rows.js';
import { SqliteStore } from './sqlite/SqliteStore.js';
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
const ADD = `INSERT INTO model_usage (token_id, day, model, requests, prompt_tokens, completion_tokens)
  VALUES ($1, $2, $3, 1, $4, $5)
  ON CONFLICT (token_id, day, model) DO UPDATE SET requests = model_usage.requests + 1,
    prompt_tokens = model_usage.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = model_usage.completion_tokens + excluded.completion_tokens`;
// ($1 since day, $2 token_id or null for all) -> usage rows, newest day first, then by key and model
const LIST = `SELECT token_id, day, model, requests, prompt_tokens, completion_tokens FROM model_usage
  WHERE day >= $1 AND ($2::text IS NULL OR token_id = $2::text) ORDER BY day DESC, token_id, model`;

function toRow(r: Row): UsageRow {
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
  if (store instanceof SqliteStore) {
    const { db, batch } = store.core;
    // The same SQL, its $N parameters named @pN (bound from an object) and without ::text casts.
    const add = db.prepare(ADD.replace(/\$(\d)/g, '@p$1'));
    const list = db.prepare(LIST.replace(/\$(\d)/g, '@p$1').replaceAll('::text', ''));
    const named = (args: unknown[]) => Object.fromEntries(args.map((v, i) => [`p${i + 1}`, v]));
    return {
      add: (...args) => batch.run(() => void add.run(named(args))),
      list: async ({ tokenId, since }) => (list.all(named([since, tokenId ?? null])) as Row[]).map(toRow),
    };
  }
  if (store instanceof PostgresStore) {
    const { pool } = store.core;
    return {
      add: async (...args) => void (await pool.query(ADD, args)),
      list: async ({ tokenId, since }) => (await pool.query(LIST, [since, tokenId ?? null])).rows.map(toRow),
    };
  }
  throw new Error(`no usage store for a ${store.dialect} store`);
}
