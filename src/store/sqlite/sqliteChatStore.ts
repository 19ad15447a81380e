import { APPEND, DROP, TURNS, toTurn, type ChatStore, type TurnRow } from '../chatStore.js';
import type { SqliteCore } from './core.js';
import { named, prepareDollar } from './dollarParams.js';

/** Conversations' turns on the SQLite store's connection; writes join its batched transactions. */
export function sqliteChatStore({ db, batch }: SqliteCore): ChatStore {
  const [append, turns, drop] = [prepareDollar(db, APPEND), prepareDollar(db, TURNS), prepareDollar(db, DROP)];
  return {
    append: (c, list, now) =>
      batch.run(() => {
        for (const t of list) append.run(named([c, t.role, t.content, t.tokens, now]));
      }),
    turns: async (c) => (turns.all(named([c])) as TurnRow[]).map(toTurn),
    dropBefore: (c, seq) => batch.run(() => void drop.run(named([c, seq]))),
  };
}
