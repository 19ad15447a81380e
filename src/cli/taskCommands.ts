import type { Command } from 'commander';
import type { DeadTask } from '../store/store.js';
import type { Task } from '../types.js';
import { integer, UsageError } from './flags.js';
import { confirm } from './input.js';
import {
  clientCommand,
  connect,
  fields,
  iso,
  nextPage,
  out,
  printJson,
  query,
  seg,
  table,
  type ClientFlags,
} from './shared.js';

function printTask(t: Task): void {
  fields([
    ['Task', t.id],
    ['Job', t.jobId],
    ['Kind', t.kind],
    ['Variant', String(t.index)],
    ['Seed', String(t.seed)],
    ['State', t.state],
    ['Attempts', `${t.attempt} of ${t.maxAttempts}`],
    ['Priority', String(t.priority)],
    ['Run at', iso(t.runAt)],
    ['Worker', t.workerId ?? '-'],
    ['Lease expires', iso(t.leaseExpiresAt)],
    ['Finished', iso(t.finishedAt)],
    ['Error', t.error ?? '-'],
  ]);
}

/** The first line of an error, cut to fit a table. */
function brief(error: string): string {
  const line = error.split('\n')[0]!;
  return line.length > 80 ? line.slice(0, 79) + '…' : line;
}

interface PurgeFlags extends ClientFlags {
  allDead?: boolean;
  yes?: boolean;
}

/** Deletes the job of one dead task, or (--all-dead) of every dead task, after confirmation. */
async function purge(id: string | undefined, f: PurgeFlags): Promise<void> {
  if (id !== undefined && f.allDead)
    throw new UsageError('--all-dead and a TASK_ID cannot be combined: give one or the other');
  if (id === undefined && !f.allDead)
    throw new UsageError("missing the TASK_ID argument: give a dead task's id, or --all-dead to purge every dead task");
  if (f.yes && !f.allDead) throw new UsageError('--yes applies only with --all-dead');
  const ask = f.allDead && !f.yes;
  if (ask && !process.stdin.isTTY)
    throw new UsageError(
      '--all-dead deletes every job that holds a dead task: pass --yes to confirm (stdin is not a terminal to ask on)',
    );
  const client = connect(f);
  if (id !== undefined) return report(await client.post<{ purgedJobs: number }>(`/v1/tasks/${seg(id)}/purge`), f);
  if (ask && !(await confirm('Delete every job that holds a dead task, with all its tasks and results?')))
    throw new Error('not confirmed; nothing was purged');
  return report(await client.post<{ purgedJobs: number }>('/v1/tasks/dead/purge'), f);
}

function report(r: { purgedJobs: number }, f: ClientFlags): void {
  if (f.json) printJson(r);
  else out(`Purged ${r.purgedJobs} job${r.purgedJobs === 1 ? '' : 's'}`);
}

export function registerTaskCommands(program: Command): void {
  const task = program.command('task').description('Inspect tasks; redrive or purge dead ones');

  clientCommand(task, 'redrive', 'Give a dead task fresh attempts: it is queued again')
    .argument('<taskId>', 'the id of a dead task')
    .action(async (id: string, f: ClientFlags) => {
      const t = await connect(f).post<Task>(`/v1/tasks/${seg(id)}/redrive`);
      if (f.json) printJson(t);
      else out(`Task ${t.id} redriven: now ${t.state} (job ${t.jobId})`);
    });

  clientCommand(task, 'get', 'Show a task: state, attempts, worker, lease and error')
    .argument('<taskId>', 'the task id')
    .action(async (id: string, f: ClientFlags) => {
      const t = await connect(f).get<Task>(`/v1/tasks/${seg(id)}`);
      if (f.json) printJson(t);
      else printTask(t);
    });

  clientCommand(task, 'dead', 'List dead tasks (used up their attempts or failed for good), newest first')
    .option('--limit <n>', 'tasks per page, 1 to 500 (default 50)', integer('--limit', 1, 500))
    .option('--cursor <cursor>', 'continue after this cursor (printed under the previous page)')
    .action(async (f: ClientFlags & { limit?: number; cursor?: string }) => {
      const page = await connect(f).get<{ tasks: DeadTask[]; nextCursor: string | null }>(
        `/v1/tasks/dead${query({ limit: f.limit, cursor: f.cursor })}`,
      );
      if (f.json) return printJson(page);
      if (page.tasks.length === 0) return out('No dead tasks.');
      table(
        ['TASK', 'JOB', 'KIND', 'VARIANT', 'ATTEMPTS', 'DIED', 'ERROR'],
        page.tasks.map((t) => [
          t.id,
          t.jobId,
          t.kind,
          String(t.index),
          String(t.attempt),
          iso(t.finishedAt),
          brief(t.error),
        ]),
      );
      nextPage(page.nextCursor, `roost task dead${f.limit ? ` --limit ${f.limit}` : ''}`);
    });

  clientCommand(
    task,
    'purge',
    "Delete a dead task's job, with all its tasks and results; or with --all-dead, every job holding a dead task",
  )
    .argument('[taskId]', 'the id of a dead task (see `roost task dead`)')
    .option('--all-dead', 'purge the job of every dead task (needs an admin token)')
    .option('--yes', 'with --all-dead: do not ask for confirmation (required when stdin is not a terminal)')
    .action(purge);
}
