import { PostgresStore } from './postgres/PostgresStore.js';
import type { Row } from './rows.js';
import { SqliteStore } from './sqlite/SqliteStore.js';
import type { Store } from './store.js';

/** One stored turn of a conversation. */
export interface ChatTurn {
  seq: number;
  role: string;
  content: string;
  tokens: number;
}

/** Conversations' turns (migration 011), on the main store's connection. */
export interface ChatStore {
  /** Appends turns after the conversation's last. */
  append(conversation: string, turns: Array<Omit<ChatTurn, 'seq'>>, now: number): Promise<void>;
  /** The conversation's turns, oldest first. */
  turns(conversation: string): Promise<ChatTurn[]>;
  /** Forgets the turns before `seq` (pruned: they no longer fit the budget). */
  dropBefore(conversation: string, seq: number): Promise<void>;
}

// ($1 conversation, $2 role, $3 content, $4 tokens, $5 now) -> nothing: the turn after the last
const APPEND = `INSERT INTO chat_turns (conversation, seq, role, content, tokens, created_at)
  SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5 FROM chat_turns WHERE conversation = $1`;
// ($1 conversation) -> { seq, role, content, tokens } oldest first
const TURNS = 'SELECT seq, role, content, tokens FROM chat_turns WHERE conversation = $1 ORDER BY seq';
// ($1 conversation, $2 seq) -> nothing
const DROP = 'DELETE FROM chat_turns WHERE conversation = $1 AND seq < $2';

const toTurn = (r: Row): ChatTurn => ({
  seq: Number(r.seq),
  role: r.role,
  content: r.content,
  tokens: Number(r.tokens),
});

export function openChatStore(store: Store): ChatStore {
  if (store instanceof SqliteStore) {
    const { db, batch } = store.core;
    // The same SQL with its $N parameters named @pN, bound from an object.
    const prep = (sql: string) => db.prepare(sql.replace(/\$(\d)/g, '@p$1'));
    const named = (args: unknown[]) => Object.fromEntries(args.map((v, i) => [`p${i + 1}`, v]));
    const [append, turns, drop] = [prep(APPEND), prep(TURNS), prep(DROP)];
    return {
      append: (c, list, now) =>
        batch.run(() => {
          for (const t of list) append.run(named([c, t.role, t.content, t.tokens, now]));
        }),
      turns: async (c) => (turns.all(named([c])) as Row[]).map(toTurn),
      dropBefore: (c, seq) => batch.run(() => void drop.run(named([c, seq]))),
    };
  }
  if (store instanceof PostgresStore) {
    const { pool } = store.core;
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
      turns: async (c) => (await pool.query(TURNS, [c])).rows.map(toTurn),
      dropBefore: async (c, seq) => void (await pool.query(DROP, [c, seq])),
    };
  }
  throw new Error(`no chat store for a ${store.dialect} store`);
}
