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
export const APPEND = `INSERT INTO chat_turns (conversation, seq, role, content, tokens, created_at)
  SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5 FROM chat_turns WHERE conversation = $1`;
// ($1 conversation) -> { seq, role, content, tokens } oldest first
export const TURNS = 'SELECT seq, role, content, tokens FROM chat_turns WHERE conversation = $1 ORDER BY seq';
// ($1 conversation, $2 seq) -> nothing
export const DROP = 'DELETE FROM chat_turns WHERE conversation = $1 AND seq < $2';

/** A row of TURNS. */
export interface TurnRow {
  seq: number;
  role: string;
  content: string;
  tokens: number;
}

export const toTurn = (r: TurnRow): ChatTurn => ({
  seq: Number(r.seq),
  role: r.role,
  content: r.content,
  tokens: Number(r.tokens),
});

/** The chat store on the main store's connection. */
export function openChatStore(store: Store): ChatStore {
  return store.companions.chat();
}
