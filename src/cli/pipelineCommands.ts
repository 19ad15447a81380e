import { watch as watchFile, type FSWatcher } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { HubClient } from '../client/hubClient.js';
import type { RunRecord, StepRecord } from '../pipelines/pipelineStore.js';
import { duration, integer } from './flags.js';
import { readPipelineFile, resolveFiles } from './pipelineFile.js';
import {
  clientCommand,
  connect,
  fields,
  iso,
  nextPage,
  out,
  printJson,
  printJsonLine,
  query,
  seg,
  table,
  type ClientFlags,
} from './shared.js';

type RunView = Omit<RunRecord, 'definition'> & { steps: StepRecord[] };
type Listed = Omit<RunRecord, 'definition'> & { steps: number };

/** How often `run` reads the run's state while it waits (the engine runs in the hub). */
const POLL_MS = 250;

function printRun(run: RunView): void {
  fields([
    ['Run', run.id],
    ['Pipeline', run.name],
    ['State', run.state],
    ['Started', iso(run.createdAt)],
    ['Finished', iso(run.finishedAt)],
    ...(run.error ? ([['Error', run.error]] as Array<[string, string]>) : []),
  ]);
  out();
  table(
    ['STEP', 'STATE', 'DONE', 'ROUNDS', 'JOB', 'WHY'],
    run.steps.map((s) => [
      s.step,
      s.state,
      s.state === 'succeeded' ? (s.reused ? 're-used' : 're-run') : '-',
      String(s.rounds),
      s.jobId ?? '-',
      s.error ?? s.reason ?? '',
    ]),
  );
}

async function finished(client: HubClient, id: string): Promise<RunView> {
  for (;;) {
    const run = await client.get<RunView>(`/v1/pipelines/${seg(id)}`);
    if (run.state !== 'running') return run;
    await sleep(POLL_MS);
  }
}

/** Reads, uploads and runs the file once; `reading` hears the files it reads before the run starts. */
async function runOnce(file: string, f: RunFlags, reading: (files: string[]) => void = () => {}): Promise<RunView> {
  const client = connect(f);
  const { def, files } = await resolveFiles(await readPipelineFile(file), file, client);
  reading(files);
  const started = await client.post<RunView>('/v1/pipelines', def);
  const run = f.wait ? await finished(client, started.id) : started;
  // Watching prints a stream: one JSON line per run.
  if (f.json) (f.watch ? printJsonLine : printJson)(run);
  else printRun(run);
  return run;
}

/**
 * Runs again `debounce` after the last change to the pipeline file or a file it reads. The files
 * are watched from before each run's upload, so a change made while a run goes on starts the next.
 */
async function watchRuns(file: string, f: RunFlags): Promise<never> {
  let watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let changed = () => {};
  const watch = (files: string[]) => {
    for (const w of watchers) w.close();
    watchers = [file, ...files].map((path) =>
      watchFile(path, () => {
        clearTimeout(timer);
        timer = setTimeout(() => changed(), f.debounce);
      }),
    );
  };
  watch([]);
  for (let first = true; ; first = false) {
    const next = new Promise<void>((resolve) => (changed = resolve));
    if (!first && !f.json) out(`\n${file}: a file changed; running again`);
    try {
      await runOnce(file, f, watch);
    } catch (e) {
      // A half-saved file is reported and the watch goes on.
      process.stderr.write(`roost: error: ${(e as Error).message}\n`);
    }
    await next;
  }
}

interface RunFlags extends ClientFlags {
  watch?: boolean;
  wait: boolean;
  debounce: number;
}

export function registerPipelineCommands(program: Command): void {
  const pipeline = program.command('pipeline').description('Run pipelines of steps (docs/pipelines.md)');

  clientCommand(pipeline, 'run', 'Upload the files a pipeline reads and run it; waits for its end')
    .argument('<file>', 'a .json pipeline, or a .js/.mjs module exporting definePipeline(...)')
    .option('--watch', 'run again when the file or an input file changes (only what the change reaches runs)')
    .option('--no-wait', 'print the run as started instead of waiting for its end')
    .option(
      '--debounce <duration>',
      'with --watch, how long files must be quiet before a run',
      duration('--debounce'),
      300,
    )
    .action(async (file: string, f: RunFlags) => {
      if (f.watch) await watchRuns(file, f);
      const run = await runOnce(file, f);
      process.exitCode = run.state === 'succeeded' || (!f.wait && run.state === 'running') ? 0 : 1;
    });

  clientCommand(pipeline, 'list', 'List pipeline runs, newest first')
    .option('--limit <n>', 'how many (1 to 500)', integer('--limit', 1, 500), 50)
    .option('--cursor <cursor>', 'the page after this one (printed under the last page)')
    .action(async (f: ClientFlags & { limit: number; cursor?: string }) => {
      const page = await connect(f).get<{ runs: Listed[]; nextCursor: string | null }>(
        `/v1/pipelines${query({ limit: f.limit, cursor: f.cursor })}`,
      );
      if (f.json) return printJson(page);
      if (page.runs.length === 0) return out('No pipeline runs.');
      table(
        ['RUN', 'PIPELINE', 'STATE', 'STEPS', 'STARTED', 'ERROR'],
        page.runs.map((r) => [r.id, r.name, r.state, String(r.steps), iso(r.createdAt), r.error ?? '']),
      );
      nextPage(page.nextCursor, 'roost pipeline list');
    });

  clientCommand(pipeline, 'status', 'Show a run: each step, whether it was re-used or re-run, and why')
    .argument('<run>', 'the run id (run_...)')
    .action(async (id: string, f: ClientFlags) => {
      const run = await connect(f).get<RunView>(`/v1/pipelines/${seg(id)}`);
      if (f.json) return printJson(run);
      printRun(run);
    });

  clientCommand(pipeline, 'cancel', 'Cancel a run and the jobs it has in flight')
    .argument('<run>', 'the run id (run_...)')
    .action(async (id: string, f: ClientFlags) => {
      const run = await connect(f).post<RunView>(`/v1/pipelines/${seg(id)}/cancel`);
      if (f.json) return printJson(run);
      out(`Run ${run.id}: ${run.state}`);
    });
}
