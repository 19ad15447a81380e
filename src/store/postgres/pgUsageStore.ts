import { ADD, LIST, toUsageRow, type ModelUsageRow, type UsageStore } from '../usageStore.js';
import type { PgCore } from './core.js';

/** The front door's usage on the PostgreSQL store's pool; each call is one statement, committed. */
export function pgUsageStore({ pool }: PgCore): UsageStore {
  return {
    add: async (...args) => void (await pool.query(ADD, args)),
    list: async ({ tokenId, since }) =>
      (await pool.query<ModelUsageRow>(LIST, [since, tokenId ?? null])).rows.map(toUsageRow),
  };
}
