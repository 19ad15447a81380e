import type { Flag } from './rowTypes.js';
import type { Store } from './store.js';

/**
 * Pipeline runs, their steps, and the results found again by a step's identity
 * (docs/pipelines.md): tables `pipeline_runs`, `pipeline_steps`, `pipeline_results`, written the
 * same on both adapters; each adapter runs the statements on its own connection (companions).
 */
export type RunState = 'running' | 'succeeded' | 'failed' | 'cancelled';
export type StepState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** What a run's stored definition has for the store: its steps, whose order the store keeps. */
export interface StoredDefinition {
  steps: Record<string, unknown>;
}

export interface RunRecord<D extends StoredDefinition = StoredDefinition> {
  id: string;
  name: string;
  state: RunState;
  definition: D;
  error: string | null;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

export interface StepRecord {
  step: string;
  state: StepState;
  identity: string | null;
  /** True when its outputs came from an earlier success of the same identity, without a job. */
  reused: boolean;
  /** Why it was re-used or re-run (or skipped, or failed). */
  reason: string | null;
  /** Rounds run so far (a step of a cycle runs several; any other one). */
  rounds: number;
  jobId: string | null;
  inputHashes: Record<string, string> | null;
  outputs: Record<string, unknown> | null;
  outputHashes: Record<string, string> | null;
  error: string | null;
  updatedAt: number;
}

export interface StepResult {
  outputs: Record<string, unknown>;
  outputHashes: Record<string, string>;
  jobId: string | null;
}

export interface PipelineStore<D extends StoredDefinition = StoredDefinition> {
  createRun(run: RunRecord<D>, steps: StepRecord[]): Promise<void>;
  finishRun(id: string, state: RunState, error: string | null, now: number): Promise<void>;
  saveStep(runId: string, step: StepRecord): Promise<void>;
  getRun(id: string): Promise<{ run: RunRecord<D>; steps: StepRecord[] } | null>;
  /** Runs newest first, before the cursor (a run id) when given. */
  listRuns(limit: number, before: string | null): Promise<RunRecord<D>[]>;
  /** Ids of the runs still running (to resume after a restart). */
  runningRuns(): Promise<string[]>;
  /** The steps of the latest run of `name` before run `runId`. */
  previousSteps(name: string, runId: string): Promise<StepRecord[]>;
  findResult(identity: string): Promise<StepResult | null>;
  saveResult(identity: string, kind: string, result: StepResult, now: number): Promise<void>;
}

const RUN_COLUMNS = 'id, name, state, definition, error, created_by, created_at, updated_at, finished_at';
const STEP_COLUMNS =
  'step, state, identity, reused, reason, rounds, job_id, input_hashes, outputs, output_hashes, error, updated_at';
// Statements shared by both adapters ($N parameters; SQLite binds them by name: sqlite/dollarParams.ts).
const SQL = {
  // ($1..$9 the run's columns) -> nothing
  insertRun: `INSERT INTO pipeline_runs (${RUN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
  // ($1 id, $2 state, $3 error, $4 now) -> nothing; a run that already ended keeps its end
  finishRun: `UPDATE pipeline_runs SET state = $2, error = $3, updated_at = $4, finished_at = $4
    WHERE id = $1 AND state = 'running'`,
  // ($1 run id, $2..$13 the step's columns) -> nothing; replaces the step's row
  saveStep: `INSERT INTO pipeline_steps (run_id, ${STEP_COLUMNS})
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
    ON CONFLICT (run_id, step) DO UPDATE SET state = excluded.state, identity = excluded.identity,
      reused = excluded.reused, reason = excluded.reason, rounds = excluded.rounds, job_id = excluded.job_id,
      input_hashes = excluded.input_hashes, outputs = excluded.outputs, output_hashes = excluded.output_hashes,
      error = excluded.error, updated_at = excluded.updated_at`,
  // ($1 run id) -> the run's row
  getRun: `SELECT ${RUN_COLUMNS} FROM pipeline_runs WHERE id = $1`,
  // ($1 run id) -> its steps' rows
  getSteps: `SELECT ${STEP_COLUMNS} FROM pipeline_steps WHERE run_id = $1`,
  // ($1 limit, $2 cursor id or null) -> run rows newest first (ids sort by time)
  listRuns: `SELECT ${RUN_COLUMNS} FROM pipeline_runs WHERE ($2::text IS NULL OR id < $2::text) ORDER BY id DESC LIMIT $1`,
  // () -> ids of running runs
  running: `SELECT id FROM pipeline_runs WHERE state = 'running' ORDER BY id`,
  // ($1 name, $2 run id) -> the steps of the latest run of that name before it
  previous: `SELECT ${STEP_COLUMNS} FROM pipeline_steps WHERE run_id =
    (SELECT id FROM pipeline_runs WHERE name = $1 AND id < $2 ORDER BY id DESC LIMIT 1)`,
  // ($1 identity) -> its result row, if any
  findResult: `SELECT outputs, output_hashes, job_id FROM pipeline_results WHERE identity = $1`,
  // ($1 identity, $2 kind, $3 outputs, $4 output hashes, $5 job id, $6 now) -> nothing; the first stays
  saveResult: `INSERT INTO pipeline_results (identity, kind, outputs, output_hashes, job_id, created_at)
    VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (identity) DO NOTHING`,
};

/** A row of `pipeline_runs`: the definition is JSON text. */
interface RunRow {
  id: string;
  name: string;
  state: RunState;
  definition: string;
  error: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

/** A row of `pipeline_steps` as read (STEP_COLUMNS): the hashes and outputs are JSON text. */
interface StepRow {
  step: string;
  state: StepState;
  identity: string | null;
  reused: Flag;
  reason: string | null;
  rounds: number;
  job_id: string | null;
  input_hashes: string | null;
  outputs: string | null;
  output_hashes: string | null;
  error: string | null;
  updated_at: number;
}

/** A row of `pipeline_results` as `findResult` reads it: JSON texts. */
interface ResultRow {
  outputs: string;
  output_hashes: string;
  job_id: string | null;
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
const parse = <T>(v: string | null): T | null => (v === null ? null : (JSON.parse(v) as T));

const toRun = (r: RunRow): RunRecord => ({
  id: r.id,
  name: r.name,
  state: r.state,
  definition: JSON.parse(r.definition) as StoredDefinition,
  error: r.error,
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  finishedAt: r.finished_at === null ? null : Number(r.finished_at),
});
const toStep = (r: StepRow): StepRecord => ({
  step: r.step,
  state: r.state,
  identity: r.identity,
  reused: Boolean(r.reused),
  reason: r.reason,
  rounds: Number(r.rounds),
  jobId: r.job_id,
  inputHashes: parse(r.input_hashes),
  outputs: parse(r.outputs),
  outputHashes: parse(r.output_hashes),
  error: r.error,
  updatedAt: Number(r.updated_at),
});
const runArgs = (r: RunRecord) => [
  r.id,
  r.name,
  r.state,
  JSON.stringify(r.definition),
  r.error,
  r.createdBy,
  r.createdAt,
  r.updatedAt,
  r.finishedAt,
];
const stepArgs = (runId: string, s: StepRecord) => [
  runId,
  s.step,
  s.state,
  s.identity,
  s.reused,
  s.reason,
  s.rounds,
  s.jobId,
  json(s.inputHashes),
  json(s.outputs),
  json(s.outputHashes),
  s.error,
  s.updatedAt,
];

/**
 * How an adapter runs the statements above: a write of one or more argument lists in one
 * transaction, a read (`R`: the shape of its rows, as the statement's header says).
 */
export interface PipelineExec {
  write(sql: string, args: unknown[][]): Promise<void>;
  rows<R extends object>(sql: string, args: unknown[]): Promise<R[]>;
}

/** The pipeline tables over an adapter's way of running statements. */
export function pipelineStoreOver(x: PipelineExec): PipelineStore {
  return {
    async createRun(run, steps) {
      await x.write(SQL.insertRun, [runArgs(run)]);
      if (steps.length > 0)
        await x.write(
          SQL.saveStep,
          steps.map((s) => stepArgs(run.id, s)),
        );
    },
    finishRun: (id, state, error, now) => x.write(SQL.finishRun, [[id, state, error, now]]),
    saveStep: (runId, step) => x.write(SQL.saveStep, [stepArgs(runId, step)]),
    async getRun(id) {
      const [row] = await x.rows<RunRow>(SQL.getRun, [id]);
      if (!row) return null;
      const order = Object.keys(toRun(row).definition.steps);
      const steps = (await x.rows<StepRow>(SQL.getSteps, [id])).map(toStep);
      steps.sort((a, b) => order.indexOf(a.step) - order.indexOf(b.step));
      return { run: toRun(row), steps };
    },
    listRuns: async (limit, before) => (await x.rows<RunRow>(SQL.listRuns, [limit, before])).map(toRun),
    runningRuns: async () => (await x.rows<Pick<RunRow, 'id'>>(SQL.running, [])).map((r) => r.id),
    previousSteps: async (name, runId) => (await x.rows<StepRow>(SQL.previous, [name, runId])).map(toStep),
    async findResult(identity) {
      const [r] = await x.rows<ResultRow>(SQL.findResult, [identity]);
      if (!r) return null;
      return {
        outputs: JSON.parse(r.outputs) as StepResult['outputs'],
        outputHashes: JSON.parse(r.output_hashes) as StepResult['outputHashes'],
        jobId: r.job_id,
      };
    },
    saveResult: (identity, kind, r, now) =>
      x.write(SQL.saveResult, [[identity, kind, json(r.outputs), json(r.outputHashes), r.jobId, now]]),
  };
}

/** The pipeline tables on the main store's connection. */
export function openPipelineStore(store: Store): PipelineStore {
  return store.companions.pipelines();
}
