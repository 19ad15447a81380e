import { APPEND, DROP, TURNS, toTurn, type ChatStore, type TurnRow } from '../chatStore.js';
import type { PgCore } from './core.js';

/** Conversations' turns on the PostgreSQL store's pool; each call commits before it resolves. */
export function pgChatStore({ pool }: PgCore): ChatStore {
  return {
    // One transaction, under a lock per conversation, so two appends never take the same seq.
    append: async (c, list, now) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('roost.chat:' || $1, 0))`, [c]);
        for (const t of list) await client.query(APPEND, [c, t.role, t.content, t.tokens, now]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    turns: async (c) => (await pool.query<TurnRow>(TURNS, [c])).rows.map(toTurn),
    dropBefore: async (c, seq) => void (await pool.query(DROP, [c, seq])),
  };
}
