import type Database from 'better-sqlite3';
import { prepareAll } from './prepareAll.js';
import { creationSql } from './jobCreation.js';
import { jobSql } from './jobStatements.js';
import { leaseSql, RAW_ROWS } from './leaseStatements.js';
import { dueSql } from './dueStatements.js';
import { deadSql } from './deadStatements.js';
import { limitSql } from './limitStatements.js';
import { tokenSql } from './tokenStatements.js';
import { workerSql } from './workerStatements.js';

/**
 * Every statement of the SQLite store, by concern (bots and sandbox have their own), prepared once. Each carries a header: its parameters
 * and what it returns. Internal task states: queued (ready), delayed (queued until run_at),
 * leased, succeeded, dead, cancelled.
 */
export function prepareStatements(db: Database.Database) {
  const st = prepareAll(db, {
    ...creationSql,
    ...jobSql,
    ...leaseSql,
    ...dueSql,
    ...deadSql,
    ...limitSql,
    ...tokenSql,
    ...workerSql,
  });
  for (const name of RAW_ROWS) st[name].raw(true);
  return st;
}

export type Statements = ReturnType<typeof prepareStatements>;
