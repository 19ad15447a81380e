import type { JobView } from '../broker/jobViews.js';
import type { HubClient } from '../client/hubClient.js';
import type { Result, Task } from '../types.js';
import { fields, iso, out, printJson, printJsonLine, seg, table } from './shared.js';

/** A job as GET /v1/jobs/:id answers it. */
export type JobWithResults = JobView & { results: Result[] };

/** A handler's output as text: its `text` field when it has one, else JSON. */
export function outputText(output: unknown): string {
  const t = (output as { text?: unknown } | null)?.text;
  return typeof output === 'object' && typeof t === 'string' ? t : JSON.stringify(output);
}

export function resultLine(r: Result): string {
  return `[variant ${r.index}, seed ${r.seed}] ${outputText(r.output)}`;
}

/** Prints a result as it arrives: a JSON line, or the human line. */
export function printResult(r: Result, json: boolean): void {
  if (json) printJsonLine(r);
  else out(resultLine(r));
}

const WAITING_WARNING =
  'warning: no connected worker serves this kind (with these requires); the job waits until one connects';

/** Why a job's queued tasks wait for its concurrency key, as a sentence; '' when they do not. */
function blockedText(b: JobView['blockedBy']): string {
  if (!b) return '';
  if (b.reason === 'concurrency') return `waiting: key ${b.key} is at its concurrency limit`;
  return `waiting: key ${b.key} is at its rate limit${b.until === null ? '' : ` until ${iso(b.until)}`}`;
}

/** The lines worth saying about a job beyond its state: a cache hit, an early stop, a limit it waits for. */
export function jobNotes(job: JobView): string[] {
  const notes: string[] = [];
  if (job.cached) notes.push(`cached from ${job.cachedFrom}: its results were reused, nothing ran`);
  // The hub marks a finished job too when asked; only a job that had tasks left was stopped early.
  if (job.enough && job.counts.cancelled > 0)
    notes.push('enough: stopped early by a client; the tasks still to run were cancelled');
  if (job.blockedBy) notes.push(blockedText(job.blockedBy));
  if (job.waitingForWorker) notes.push(WAITING_WARNING);
  return notes;
}

export function printJob(job: JobView & { results?: Result[] }): void {
  const c = job.counts;
  fields([
    ['Job', job.id],
    ['Kind', job.kind],
    ['State', job.state],
    ['Variants', String(job.variants)],
    ['Concurrency key', job.concurrencyKey ?? '-'],
    [
      'Tasks',
      `queued ${c.queued}, leased ${c.leased}, succeeded ${c.succeeded}, dead ${c.dead}, cancelled ${c.cancelled}`,
    ],
    ['Created', iso(job.createdAt)],
    ['Finished', iso(job.finishedAt)],
    ['Waiting for worker', job.waitingForWorker ? 'yes' : 'no'],
  ]);
  for (const note of jobNotes(job)) out(note);
  if (!job.results) return;
  out(`Results (${job.results.length} of ${job.variants}):`);
  for (const r of job.results) out('  ' + resultLine(r));
}

export function printJobTable(jobs: JobView[]): void {
  table(
    ['ID', 'KIND', 'STATE', 'VARIANTS', 'CREATED'],
    jobs.map((j) => [j.id, j.kind, j.state, String(j.variants), iso(j.createdAt)]),
  );
}

/**
 * The closing report of a job that has finished: the job as a JSON line, or a state line (with
 * the errors of its dead tasks when it failed). Returns the exit code: 0 only when it succeeded.
 */
export async function finishJob(client: HubClient, job: JobView, resultCount: number, json: boolean): Promise<number> {
  if (json) printJsonLine(job);
  else {
    out(`Job ${job.id} ${job.state}: ${resultCount} of ${job.variants} results`);
    if (job.state === 'failed') {
      const { tasks } = await client.get<{ tasks: Task[] }>(`/v1/jobs/${seg(job.id)}/tasks`);
      for (const t of tasks.filter((t) => t.state === 'dead')) {
        out(
          `  task ${t.id} (variant ${t.index}) is dead after ${t.attempt} attempt(s): ${t.error ?? 'no error recorded'}`,
        );
      }
    }
  }
  return job.state === 'succeeded' ? 0 : 1;
}

/** Prints one job as JSON or text. */
export function showJob(job: JobView & { results?: Result[] }, json: boolean | undefined): void {
  if (json) printJson(job);
  else printJob(job);
}
