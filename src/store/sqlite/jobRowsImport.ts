import type Database from 'better-sqlite3';
import type { RowValues } from '../archive/records.js';
import { fieldList, ident } from '../archive/schema.js';
import type { Section } from '../archive/sections.js';

/** The job's columns that its first task's row holds, each with the jobs section's field it holds. */
export const JOB_COLUMNS: ReadonlyArray<[column: string, field: string]> = [
  ['input', 'input'],
  ['job_state', 'state'],
  ['variants', 'variants'],
  ['backoff', 'backoff'],
  ['requires', 'requires'],
  ['key', 'key'],
  ['job_run_at', 'run_at'],
  ['created_at', 'created_at'],
  ['updated_at', 'updated_at'],
  ['job_finished_at', 'finished_at'],
  ['enough', 'enough'],
  ['cache_key', 'cache_key'],
  ['cached_from', 'cached_from'],
  ['created_by', 'created_by'],
];

/**
 * An archive's jobs and tasks written into the SQLite layout, where a job lives in its first task's
 * row (migration 017). The jobs section, which comes first, waits in a temporary table; each first
 * task takes its job's columns as it is written. An archive with a job but no first task is refused:
 * Roost never makes one, so the archive was damaged.
 */
export class JobRowsImport {
  private readonly insertJob: Database.Statement;
  private readonly insertTask: Database.Statement;
  private readonly jobIdAt: number;
  private readonly idxAt: number;

  constructor(
    private readonly db: Database.Database,
    jobs: Section,
    tasks: Section,
  ) {
    db.exec(`CREATE TEMP TABLE import_jobs AS SELECT ${fieldList(jobs)} FROM jobs WHERE 0;
      CREATE UNIQUE INDEX temp.import_jobs_by_id ON import_jobs (id)`);
    const jobFields = Object.keys(jobs.fields);
    // (each jobs field in order) -> nothing
    this.insertJob = db.prepare(
      `INSERT INTO temp.import_jobs (${fieldList(jobs)}) VALUES (${jobFields.map(() => '?').join(', ')})`,
    );
    const taskFields = Object.keys(tasks.fields);
    this.jobIdAt = taskFields.indexOf('job_id');
    this.idxAt = taskFields.indexOf('idx');
    // (each tasks field in order, job_id, idx) -> nothing: the task, with its job's columns when first
    this.insertTask = db.prepare(
      `INSERT INTO tasks (${fieldList(tasks)}, ${JOB_COLUMNS.map(([c]) => ident(c)).join(', ')})
       SELECT ${taskFields.map(() => '?').join(', ')}, ${JOB_COLUMNS.map(([, f]) => `j.${ident(f)}`).join(', ')}
       FROM (SELECT ? AS job_id, ? AS idx) AS k LEFT JOIN temp.import_jobs j ON k.idx = 0 AND j.id = k.job_id`,
    );
  }

  job(values: RowValues): void {
    this.insertJob.run(values);
  }

  task(values: RowValues): void {
    this.insertTask.run([...values, values[this.jobIdAt], values[this.idxAt]]);
  }

  /** Refuses a job whose first task never came, drops the waiting jobs, and counts what came. */
  finish(): void {
    // () -> { id } of a job the archive gave no first task
    const orphan = this.db
      .prepare(
        'SELECT id FROM temp.import_jobs j WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.job_id = j.id AND t.idx = 0) LIMIT 1',
      )
      .get() as { id: string } | undefined;
    if (orphan)
      throw new Error(
        `the archive's job ${orphan.id} has no first task (index 0), which Roost never writes: the archive is damaged`,
      );
    // The triggers count no insert (migration 017): the store was empty, so count what came.
    this.db.exec(`DROP TABLE temp.import_jobs;
      DELETE FROM state_counts WHERE tbl = 'tasks' OR tbl = 'jobs';
      INSERT INTO state_counts (tbl, kind, state, n) SELECT 'tasks', kind, state, count(*) FROM tasks GROUP BY kind, state;
      INSERT INTO state_counts (tbl, kind, state, n)
        SELECT 'jobs', '', job_state, count(*) FROM tasks WHERE idx = 0 GROUP BY job_state`);
  }
}
