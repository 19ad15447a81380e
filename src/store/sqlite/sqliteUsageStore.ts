import { ADD, LIST, toUsageRow, type ModelUsageRow, type UsageStore } from '../usageStore.js';
import type { SqliteCore } from './core.js';
import { named, prepareDollar } from './dollarParams.js';

/** The front door's usage on the SQLite store's connection; writes join its batched transactions. */
export function sqliteUsageStore({ db, batch }: SqliteCore): UsageStore {
  const [add, list] = [prepareDollar(db, ADD), prepareDollar(db, LIST)];
  return {
    add: (...args) => batch.run(() => void add.run(named(args))),
    list: async ({ tokenId, since }) => (list.all(named([since, tokenId ?? null])) as ModelUsageRow[]).map(toUsageRow),
  };
}
