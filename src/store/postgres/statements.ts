import { jobSql } from './jobStatements.js';
import { leaseSql } from './leaseStatements.js';
import { dueSql } from './dueStatements.js';
import { deadSql } from './deadStatements.js';
import { limitSql } from './limitStatements.js';
import { tokenSql } from './tokenStatements.js';
import { workerSql } from './workerStatements.js';
import { rollupSql } from './rollupStatements.js';

/**
 * Every statement of the PostgreSQL store, by concern (bots and sandbox have their own), each run as a named prepared statement. Each
 * carries a header: its parameters and what it returns. Internal task states are SQLite's: queued
 * (ready), delayed (queued until run_at), leased, succeeded, dead, cancelled. Several hubs may share
 * the database, so writes that change a job's tasks lock the job row first (lockJobs) and recompute
 * its state after: a concurrent writer of the same job waits, then sees this one's commit.
 */
export const sql = {
  ...jobSql,
  ...leaseSql,
  ...dueSql,
  ...deadSql,
  ...limitSql,
  ...tokenSql,
  ...workerSql,
  ...rollupSql,
};
