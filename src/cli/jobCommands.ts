import type { Command } from 'commander';
import type { JobView } from '../broker/jobViews.js';
import { JOB_STATES, TERMINAL_JOB_STATES, type JobState, type Result } from '../types.js';
import { outputText, printJob, printJobTable, printResult, showJob, type JobWithResults } from './jobOutput.js';
import { registerSubmitCommand } from './jobSubmit.js';
import { choice, duration, integer } from './flags.js';
import {
  clientCommand,
  connect,
  nextPage,
  out,
  printJson,
  printJsonLine,
  query,
  seg,
  type ClientFlags,
} from './shared.js';

/** The hub holds a long-poll at most this long. */
const MAX_WAIT_MS = 300_000;

interface ListFlags extends ClientFlags {
  state?: JobState;
  kind?: string;
  limit?: number;
  cursor?: string;
}

async function watch(id: string, f: ClientFlags): Promise<number> {
  const client = connect(f);
  let state: JobState | undefined;
  let variants = 0;
  let results = 0;
  await client.events(`/v1/jobs/${seg(id)}/events`, (event, data) => {
    if (event === 'job') ({ state, variants } = data as JobView);
    else if (event === 'state') state = (data as { state: JobState }).state;
    else if (event === 'result') results++;
    if (f.json) return printJsonLine({ event, data });
    if (event === 'job') printJob(data as JobView);
    else if (event === 'result') printResult(data as Result, false);
    else if (event === 'state') out(`state: ${state}`);
    else if (event === 'progress') {
      const p = data as { taskId: string; progress: number; partial?: unknown };
      out(
        `progress: task ${p.taskId} ${Math.round(p.progress * 100)}%${p.partial === undefined ? '' : ' ' + outputText(p.partial)}`,
      );
    }
  });
  if (!f.json) {
    if (state && TERMINAL_JOB_STATES.has(state)) out(`Job ${id} ${state}: ${results} of ${variants} results`);
    else out(`the event stream ended before the job finished (last state: ${state ?? 'unknown'})`);
  }
  return state === 'succeeded' ? 0 : 1;
}

export function registerJobCommands(program: Command): void {
  const job = program.command('job').description('Submit, inspect, watch, cancel and stop jobs early');
  registerSubmitCommand(job);

  clientCommand(job, 'get', 'Show a job: its state, task counts and results')
    .argument('<id>', 'the job id')
    .option(
      '--wait <duration>',
      'long-poll up to this long (at most 5m) for the job to finish',
      duration('--wait', MAX_WAIT_MS),
    )
    .action(async (id: string, f: ClientFlags & { wait?: number }) => {
      const wait = f.wait === undefined ? undefined : `${f.wait}ms`;
      const found = await connect(f).get<JobWithResults>(`/v1/jobs/${seg(id)}${query({ wait })}`, {
        timeoutMs: (f.wait ?? 0) + 30_000,
      });
      showJob(found, f.json);
    });

  clientCommand(job, 'list', 'List jobs, newest first')
    .option('--state <state>', `only jobs in this state: ${JOB_STATES.join(', ')}`, choice('--state', JOB_STATES))
    .option('--kind <kind>', 'only jobs of this kind')
    .option('--limit <n>', 'jobs per page, 1 to 500 (default 50)', integer('--limit', 1, 500))
    .option('--cursor <cursor>', 'continue after this cursor (printed under the previous page)')
    .action(async (f: ListFlags) => {
      const page = await connect(f).get<{ jobs: JobView[]; nextCursor: string | null }>(
        `/v1/jobs${query({ state: f.state, kind: f.kind, limit: f.limit, cursor: f.cursor })}`,
      );
      if (f.json) return printJson(page);
      if (page.jobs.length === 0) return out('No jobs.');
      printJobTable(page.jobs);
      const filters =
        (f.state ? ` --state ${f.state}` : '') +
        (f.kind ? ` --kind ${f.kind}` : '') +
        (f.limit ? ` --limit ${f.limit}` : '');
      nextPage(page.nextCursor, `roost job list${filters}`);
    });

  clientCommand(job, 'watch', 'Stream a job: its results, progress and state changes as they happen, until it finishes')
    .argument('<id>', 'the job id')
    .action(async (id: string, f: ClientFlags) => {
      process.exitCode = await watch(id, f);
    });

  // Both stop a job; they differ in what happens to the results it has.
  const stops = [
    ['cancel', "Cancel a job's queued and running tasks"],
    [
      'enough',
      'Early stop: cancel the tasks still to run; the job succeeds with the results it has (cancelled if it has none)',
    ],
  ] as const;
  for (const [action, description] of stops) {
    clientCommand(job, action, description)
      .argument('<id>', 'the job id')
      .action(async (id: string, f: ClientFlags) => {
        const stopped = await connect(f).post<JobView>(`/v1/jobs/${seg(id)}/${action}`);
        if (f.json) printJson(stopped);
        else
          out(`Job ${stopped.id} is now ${stopped.state}: ${stopped.counts.succeeded} of ${stopped.variants} results`);
      });
  }
}
