import type Database from 'better-sqlite3';
import type { Job, JobState } from '../../types.js';
import type { Changes, StoreOptions } from '../store.js';
import { TxBatcher } from './txBatcher.js';
import { openDatabase } from './openDatabase.js';
import { countTasks, toJob } from '../rows.js';
import type { JobRow, StateCountRow, TaskRow } from '../rowTypes.js';
import { prepareStatements, type Statements } from './statements.js';
import { WalCheckpointer } from './walCheckpointer.js';

/** How many jobs a delete of task rows removed: a job is its first task's row (migration 017). */
export function jobsDeleted(rows: unknown[]): number {
  return (rows as Array<Pick<TaskRow, 'idx'>>).filter((r) => r.idx === 0).length;
}

export interface SqliteOptions extends StoreOptions {
  /** `full` fsyncs every commit (survives power loss); `normal` survives a process crash. */
  synchronous?: 'normal' | 'full';
}

/** What the parts of the SQLite store share: the connection, its statements, the write batcher. */
export class SqliteCore {
  readonly db: Database.Database;
  readonly st: Statements;
  readonly batch: TxBatcher;
  readonly checkpointer: WalCheckpointer;
  /** The last completion sequence number handed out; results sort by it. */
  seq: number;

  constructor(
    file: string,
    readonly options: SqliteOptions,
  ) {
    this.db = openDatabase(file, options.synchronous);
    // The WalCheckpointer's thread checkpoints instead, off the event loop.
    this.db.pragma('wal_autocheckpoint = 0');
    this.st = prepareStatements(this.db);
    this.batch = new TxBatcher(this.db);
    this.checkpointer = new WalCheckpointer(file, (done) => this.batch.holdUntil(done));
    this.seq = (this.st.maxSeq.get() as { m: number }).m;
  }

  /** The job of a row, with its task counts. */
  toJob(r: JobRow): Job {
    return toJob(r, countTasks(this.st.taskCounts.all(r.id) as StateCountRow[]));
  }

  /** Recomputes the states of these jobs from their tasks, noting the ones that moved. */
  refresh(jobIds: Iterable<string>, now: number, changes: Changes): void {
    const ids = [...new Set(jobIds)];
    if (ids.length === 0) return;
    for (const r of this.st.refreshJobs.all({ ids: JSON.stringify(ids), now }) as Array<Pick<JobRow, 'id' | 'state'>>) {
      changes.jobs.push({ jobId: r.id, state: r.state as JobState });
    }
  }

  /** Cancels a job's unfinished tasks; the limited keys among its leases have a slot free again. */
  cancelRest(jobId: string, error: string, now: number, changes: Changes): void {
    for (const r of this.st.keyedLeases.all({ jobId }) as Array<Pick<TaskRow, 'route'>>) changes.routes.push(r.route);
    this.st.cancelRest.run({ error, now, jobId });
  }
}
