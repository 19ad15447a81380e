import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { cleanupProcesses, dumpOnFailure, freePort, makeTempDir } from '../helpers/processes.js';
import { soakAndCheck } from './soakChecks.js';

after(cleanupProcesses);

// Issue 15, proof of durability: five rounds of kill -9 of the hub (and of a worker) under a
// producer at full speed. "Acknowledged" means committed, idempotency keys make resending what was
// cut off safe, and fencing keeps a task's result single however often its lease was lost.
test(
  'soak on SQLite: 5 rounds of kill -9 of the hub and of a worker under a producer with keys',
  { timeout: 120_000 },
  () =>
    dumpOnFailure(async () => {
      const dataDir = makeTempDir();
      await soakAndCheck('SQLite', { dataDir, port: await freePort(), rounds: 5, segment: 500, lanes: 8 }, async () => {
        const db = new Database(join(dataDir, 'roost.db'), { readonly: true, fileMustExist: true });
        return {
          query: async (sql) => db.prepare(sql).all() as Array<Record<string, unknown>>,
          close: async () => db.close(),
        };
      });
    }),
);
