import type { Command } from 'commander';
import type { JobView } from '../broker/jobViews.js';
import type { HubClient } from '../client/hubClient.js';
import { TERMINAL_JOB_STATES } from '../types.js';
import { finishJob, jobNotes, printResult, type JobWithResults } from './jobOutput.js';
import { submitFile } from './jobFile.js';
import { duration, integer, keyValue, text, UsageError } from './flags.js';
import { parseJson, readSource } from './input.js';
import { clientCommand, connect, out, printJson, seg, type ClientFlags } from './shared.js';

/** Each long-poll asks the hub to hold the request at most this long. */
const POLL_MS = 30_000;

interface SubmitFlags extends ClientFlags {
  inputFile?: string;
  variants?: number;
  priority?: number;
  delay?: number;
  runAt?: number;
  maxAttempts?: number;
  lease?: number;
  backoff?: number;
  key?: string;
  require?: Record<string, string>;
  seed?: number;
  concurrencyKey?: string;
  cache?: boolean;
  cacheTtl?: number;
  file?: string;
  wait?: boolean;
  timeout?: number;
}

/** The job input: the INPUT argument, or the file (`-`: stdin) --input-file names, or {}. */
async function readInput(arg: string | undefined, file: string | undefined): Promise<unknown> {
  if (arg !== undefined && file !== undefined)
    throw new UsageError('give the input either as the INPUT argument or with --input-file, not both');
  if (file === undefined) return arg === undefined ? {} : parseJson(arg, 'the INPUT argument');
  return parseJson(await readSource(file, '--input-file'), `--input-file ${file}`);
}

function isoDate(flag: string): (value: string) => number {
  return (value) => {
    const at = Date.parse(value);
    if (!Number.isFinite(at))
      throw new UsageError(`${flag} must be an ISO 8601 date such as 2030-01-01T09:00:00Z, got '${value}'`);
    return at;
  };
}

/**
 * Long-polls the job until it is finished, printing each result once as it lands.
 * Gives up (an error, exit 1) after `timeoutMs` when one is set.
 */
async function waitForJob(
  client: HubClient,
  id: string,
  json: boolean,
  timeoutMs: number | undefined,
): Promise<JobWithResults> {
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  let seen = 0;
  let state = 'queued';
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0)
      throw new Error(`gave up waiting after ${timeoutMs! / 1000}s (--timeout); job ${id} is still ${state}`);
    const waitMs = Math.min(POLL_MS, left);
    const job = await client.get<JobWithResults>(`/v1/jobs/${seg(id)}?results=${seen + 1}&wait=${waitMs}ms`, {
      timeoutMs: waitMs + 15_000,
    });
    for (const r of job.results.slice(seen)) printResult(r, json);
    seen = Math.max(seen, job.results.length);
    state = job.state;
    if (TERMINAL_JOB_STATES.has(job.state)) return job;
  }
}

/** The job options the flags set, as fields of the API body (undefined where not given). */
function jobOptions(f: SubmitFlags): Record<string, unknown> {
  return {
    variants: f.variants,
    priority: f.priority,
    delayMs: f.delay,
    runAt: f.runAt,
    maxAttempts: f.maxAttempts,
    leaseMs: f.lease,
    backoff: f.backoff === undefined ? undefined : { delayMs: f.backoff },
    key: f.key,
    requires: f.require,
    seed: f.seed,
    concurrencyKey: f.concurrencyKey,
    cache: f.cacheTtl !== undefined ? { ttlMs: f.cacheTtl } : f.cache ? true : undefined,
  };
}

/** With --file each line is a whole job: these say what the file already does, or apply to one job only. */
function checkFileMode(kind: string | undefined, input: string | undefined, f: SubmitFlags): void {
  const clash: Array<[unknown, string]> = [
    [kind, 'the KIND argument'],
    [input, 'the INPUT argument'],
    [f.inputFile, '--input-file'],
    [f.key, '--key'],
    [f.wait, '--wait'],
  ];
  const given = clash.filter(([v]) => v !== undefined).map(([, name]) => name);
  if (given.length > 0) {
    throw new UsageError(
      `--file cannot be combined with ${given.join(', ')}: each line of the file gives its own kind, input and key`,
    );
  }
}

async function submit(kind: string | undefined, inputArg: string | undefined, f: SubmitFlags): Promise<number> {
  if (f.delay !== undefined && f.runAt !== undefined) throw new UsageError('give --delay or --run-at, not both');
  if (f.timeout !== undefined && !f.wait) throw new UsageError('--timeout applies only with --wait');
  if (f.file !== undefined) {
    checkFileMode(kind, inputArg, f);
    await submitFile(f.file, jobOptions(f), f);
    return 0;
  }
  if (kind === undefined)
    throw new UsageError('missing the KIND argument: give a kind such as text.markov, or --file with one job per line');
  const input = await readInput(inputArg, f.inputFile);
  const client = connect(f);
  const { status, body: job } = await client.send<JobView>('POST', '/v1/jobs', { kind, input, ...jobOptions(f) });
  // With --json --wait the output is the stream of results and then the finished job.
  if (f.json && !f.wait) printJson(job);
  if (!f.json) {
    const created = status === 201;
    out(`Job ${job.id} (${job.state}) ${created ? 'created' : 'existing (same key)'}`);
    for (const note of jobNotes(job)) out(note);
  }
  if (!f.wait) return 0;
  const done = await waitForJob(client, job.id, !!f.json, f.timeout);
  return finishJob(client, done, done.results.length, !!f.json);
}

export function registerSubmitCommand(job: Command): void {
  clientCommand(job, 'submit', 'Submit a job; with --wait, print its results as they arrive')
    .argument('[kind]', 'the kind of work, e.g. text.markov (not with --file)')
    .argument('[input]', 'the job input as JSON (default {}); or use --input-file (not with --file)')
    .option('--input-file <file>', 'read the input JSON from this file (- for stdin)')
    .option(
      '--file <file>',
      'submit many jobs from a JSON Lines file (- for stdin): one API job body per line, e.g. {"kind":"text.markov","input":{}}; ' +
        'sent 1000 at a time, each 1000 all or none; the job flags below fill in what a line does not set',
    )
    .option('--variants <n>', 'number of tasks to run; task i gets seed + i (default 1)', integer('--variants', 1))
    .option('--priority <n>', 'higher runs first, -1000 to 1000 (default 0)', integer('--priority', -1000, 1000))
    .option('--delay <duration>', 'run no sooner than this long from now, e.g. 30s, 5m', duration('--delay'))
    .option('--run-at <iso>', 'run no sooner than this time (ISO 8601)', isoDate('--run-at'))
    .option(
      '--max-attempts <n>',
      'leases a task may have before it is dead, 1 to 100',
      integer('--max-attempts', 1, 100),
    )
    .option('--lease <duration>', 'how long a worker holds a task between heartbeats, e.g. 30s', duration('--lease'))
    .option('--backoff <duration>', 'first retry delay after a failure (doubles per attempt)', duration('--backoff'))
    .option('--key <key>', 'idempotency key: submitting the same key again returns the existing job')
    .option(
      '--require <label=value>',
      'a label the worker must offer, e.g. model=gpt2; repeatable',
      keyValue('--require'),
    )
    .option('--seed <n>', 'seed of the first task, 0 to 2147483647', integer('--seed', 0, 2 ** 31 - 1))
    .option(
      '--concurrency-key <key>',
      'the key whose limits the tasks obey, e.g. bot:frank (see `roost limit`)',
      text('--concurrency-key', 200),
    )
    .option(
      '--cache',
      'reuse the results of an identical job that succeeded (same kind, input, seed, variants, requires); the seed defaults to 0',
    )
    .option(
      '--cache-ttl <duration>',
      'like --cache, but reuse only results at most this old, e.g. 1h',
      duration('--cache-ttl'),
    )
    .option('--wait', 'wait for the job to finish, printing each result as it arrives; exit 1 unless it succeeds')
    .option(
      '--timeout <duration>',
      'with --wait: give up after this long (default: wait forever)',
      duration('--timeout'),
    )
    .action(async (kind: string | undefined, input: string | undefined, f: SubmitFlags) => {
      process.exitCode = await submit(kind, input, f);
    });
}
