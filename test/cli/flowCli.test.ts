import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JobView } from '../../src/broker/jobViews.js';
import { rate } from '../../src/cli/flags.js';
import { jobNotes } from '../../src/cli/jobOutput.js';
import { startHub, type Hub } from './roostCli.js';

type Batch = { jobs: JobView[]; created: boolean[] };

/** A job view with only the fields jobNotes reads set to something else than their defaults. */
function view(over: Partial<JobView>): JobView {
  const counts = { queued: 0, leased: 0, succeeded: 0, dead: 0, cancelled: 0 };
  return {
    cached: false,
    cachedFrom: null,
    enough: false,
    blockedBy: null,
    waitingForWorker: false,
    counts,
    ...over,
  } as JobView;
}

describe('CLI output and parsers for limits, cache and early stop', () => {
  test('--rate takes COUNT/DURATION, a bare unit meaning one of it', () => {
    assert.deepEqual(rate('--rate')('10/1m'), { count: 10, intervalMs: 60_000 });
    assert.deepEqual(rate('--rate')('5/s'), { count: 5, intervalMs: 1000 });
    for (const bad of ['10', '/1m', '10/', 'x/1m', '10/1m/2', '0/1s', '10/0s'])
      assert.throws(() => rate('--rate')(bad), /^UsageError: --rate /, bad);
  });

  test('a job notes its cache hit, an early stop, and the limit it waits for', () => {
    assert.deepEqual(jobNotes(view({})), []);
    assert.match(jobNotes(view({ cached: true, cachedFrom: 'job_a' })).join('\n'), /^cached from job_a\b/);
    assert.match(
      jobNotes(view({ enough: true, counts: { queued: 0, leased: 0, succeeded: 1, dead: 0, cancelled: 2 } })).join(
        '\n',
      ),
      /^enough: /,
    );
    // A finished job that was told it had enough has nothing cancelled: nothing to say.
    assert.deepEqual(jobNotes(view({ enough: true })), []);
    const concurrency = jobNotes(view({ blockedBy: { reason: 'concurrency', key: 'bot:frank', until: null } }));
    assert.deepEqual(concurrency, ['waiting: key bot:frank is at its concurrency limit']);
    const until = Date.UTC(2030, 0, 1);
    const rated = jobNotes(view({ blockedBy: { reason: 'rate', key: 'bot:frank', until } }));
    assert.deepEqual(rated, ['waiting: key bot:frank is at its rate limit until 2030-01-01T00:00:00.000Z']);
  });
});

describe('roost CLI against a hub: batches, cache, early stop, limits, purge', () => {
  let hub: Hub;

  before(async () => {
    hub = await startHub();
  });

  after(() => hub?.stop());

  /** Runs a command that must succeed and returns its stdout. */
  async function ok(args: string[], input?: string): Promise<string> {
    const r = await hub.client(args, input);
    assert.equal(r.code, 0, `roost ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }
  const json = async <T>(...args: string[]): Promise<T> => JSON.parse(await ok([...args, '--json'])) as T;
  /** Submits a job with --wait --json and returns the finished job (the last of the JSON lines). */
  const finished = async (...args: string[]): Promise<JobView> =>
    JSON.parse((await ok(['job', 'submit', ...args, '--wait', '--json'])).trim().split('\n').at(-1)!) as JobView;

  test('limit set, list --json and delete', async () => {
    assert.match(await ok(['limit', 'set', 'bot:*', '--concurrency', '1']), /^Limit for bot:\*: at most 1 running/);
    const set = await json<{ key: string; rate: unknown }>(
      'limit',
      'set',
      'model:gpt2',
      '--rate',
      '10/1m',
      '--concurrency',
      '2',
    );
    assert.deepEqual(set, { key: 'model:gpt2', concurrency: 2, rate: { count: 10, intervalMs: 60_000 } });
    const { limits } = await json<{ limits: Array<{ key: string }> }>('limit', 'list');
    assert.deepEqual(
      limits.find((l) => l.key === 'bot:*'),
      { key: 'bot:*', concurrency: 1, rate: null },
    );
    assert.match(await ok(['limit', 'list']), /^KEY +CONCURRENCY +RATE\n(.*\n)*model:gpt2 +2 +10\/1m$/m);
    assert.deepEqual(await json('limit', 'delete', 'bot:*'), { deleted: 'bot:*' });
    await ok(['limit', 'delete', 'model:gpt2']);
    assert.equal(await ok(['limit', 'list']), 'No limits.\n');
    const again = await hub.client(['limit', 'delete', 'bot:*']);
    assert.equal(again.code, 1, 'deleting a limit that is not there is a hub error');
  });

  test('job submit --file submits each line through the batch endpoint', async () => {
    const file = join(hub.dataDir, 'jobs.jsonl');
    const line = (n: number, extra = '') => `{"kind":"text.markov","input":{"maxWords":${n}}${extra}}`;
    writeFileSync(file, [line(3), '', line(4, ',"key":"flow-k"'), line(5)].join('\n') + '\n');
    assert.equal(await ok(['job', 'submit', '--file', file]), 'Submitted 3 jobs (3 created, 0 existing)\n');
    // Again: the keyed line finds its job; flags fill in what lines leave out.
    const batch = await json<Batch>(
      'job',
      'submit',
      '--file',
      file,
      '--concurrency-key',
      'bot:flow',
      '--priority',
      '7',
    );
    assert.deepEqual(batch.created, [true, false, true]);
    assert.deepEqual(
      batch.jobs.map((j) => [j.concurrencyKey, j.priority]),
      [
        ['bot:flow', 7],
        [null, 0],
        ['bot:flow', 7],
      ],
    );
  });

  test('job submit --file splits a file asking for more tasks than one request may create', async () => {
    const file = join(hub.dataDir, 'many-variants.jsonl');
    // 11,000 tasks: past the 10,000 one batch may ask for. Delayed, so nothing runs them here.
    const line = `{"kind":"text.markov","input":{"maxWords":1},"variants":1000,"delayMs":3600000}`;
    writeFileSync(file, Array.from({ length: 11 }, () => line).join('\n') + '\n');
    assert.equal(await ok(['job', 'submit', '--file', file]), 'Submitted 11 jobs (11 created, 0 existing)\n');
  });

  test('job submit --file: a job the hub refuses is reported with its line, and none are submitted', async () => {
    const before = (await json<{ jobs: unknown[] }>('job', 'list', '--limit', '500')).jobs.length;
    const r = await hub.client(
      ['job', 'submit', '--file', '-'],
      '{"kind":"text.markov","input":{}}\n\n{"kind":"no.such.kind","input":{}}\n',
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^roost: error: line 3 of stdin: unknown kind 'no\.such\.kind'.*\(field: kind\)/);
    assert.equal((await json<{ jobs: unknown[] }>('job', 'list', '--limit', '500')).jobs.length, before);
  });

  test('job submit --cache: the second identical job is a cache hit, and job get says so', async () => {
    const args = ['job', 'submit', 'text.markov', '{"prompt":"a","maxWords":5}', '--cache', '--seed', '3', '--wait'];
    const first = await ok(args);
    assert.doesNotMatch(first, /cached/);
    const second = await ok(args);
    const source = /^Job (job_\S+) /.exec(first)![1]!;
    assert.match(second, new RegExp(`^cached from ${source}`, 'm'));
    const result = (out: string) => out.split('\n').find((l) => l.startsWith('[variant 0, seed 3] '));
    assert.equal(result(second), result(first), 'the cached job has the same result');
    const hit = /^Job (job_\S+) /.exec(second)![1]!;
    assert.match(await ok(['job', 'get', hit]), new RegExp(`^cached from ${source}`, 'm'));
    const viewed = await json<JobView>('job', 'get', hit);
    assert.equal(viewed.cached, true);
    assert.equal(viewed.cachedFrom, source);
    const ttl = await json<JobView>(
      'job',
      'submit',
      'text.markov',
      '{"prompt":"a","maxWords":5}',
      '--cache-ttl',
      '1h',
      '--seed',
      '3',
    );
    assert.equal(ttl.cachedFrom, source, '--cache-ttl implies --cache');
  });

  test('job enough on a finished job returns it unchanged', async () => {
    const done = await finished('text.markov', '{"maxWords":3}', '--variants', '2');
    const enough = await json<JobView>('job', 'enough', done.id);
    assert.equal(enough.id, done.id);
    assert.equal(enough.state, 'succeeded');
    assert.equal(enough.counts.succeeded, 2);
    assert.match(
      await ok(['job', 'enough', done.id]),
      new RegExp(`^Job ${done.id} is now succeeded: 2 of 2 results$`, 'm'),
    );
  });

  test('a job whose key is out of rate says what it waits for; job enough stops it early', async () => {
    await ok(['limit', 'set', 'bot:slow', '--rate', '1/1h']);
    const job = await json<JobView>(
      'job',
      'submit',
      'text.markov',
      '{"maxWords":3}',
      '--variants',
      '3',
      '--concurrency-key',
      'bot:slow',
    );
    assert.equal(job.concurrencyKey, 'bot:slow');
    // The first task runs; the next claim finds the key out of rate. Poll until job get says both.
    const blocked = /^waiting: key bot:slow is at its rate limit until /m;
    const oneDone = /^Tasks: +queued 2, leased 0, succeeded 1,/m;
    let shown = '';
    for (let i = 0; i < 100 && !(blocked.test(shown) && oneDone.test(shown)); i++)
      shown = await ok(['job', 'get', job.id]);
    assert.match(shown, blocked);
    assert.match(shown, oneDone);
    const stopped = await json<JobView>('job', 'enough', job.id);
    assert.equal(stopped.state, 'succeeded');
    assert.deepEqual([stopped.counts.succeeded, stopped.counts.cancelled], [1, 2]);
    assert.match(await ok(['job', 'get', job.id]), /^enough: /m);
    await ok(['limit', 'delete', 'bot:slow']);
  });

  test('task purge TASK_ID and task purge --all-dead --yes delete the jobs of dead tasks', async () => {
    const dead = async () => (await json<{ tasks: Array<{ id: string; jobId: string }> }>('task', 'dead')).tasks;
    const fail = () => hub.client(['job', 'submit', 'text.markov', '{"bogus":1}', '--wait']);
    assert.equal((await fail()).code, 1);
    const [task] = await dead();
    assert.ok(task, 'the job with bad input left a dead task');
    assert.equal(await ok(['task', 'purge', task.id]), 'Purged 1 job\n');
    assert.equal((await hub.client(['job', 'get', task.jobId])).code, 1, 'the job is gone');
    assert.equal((await fail()).code, 1);
    assert.equal((await fail()).code, 1);
    assert.equal((await hub.client(['task', 'purge', '--all-dead'])).code, 2, 'not without --yes');
    assert.equal((await dead()).length, 2);
    assert.deepEqual(await json('task', 'purge', '--all-dead', '--yes'), { purgedJobs: 2 });
    assert.deepEqual(await dead(), []);
  });

  test('task purge of a task that is not dead is a hub error', async () => {
    const done = await finished('text.markov', '{"maxWords":3}');
    const r = await hub.client(['task', 'purge', `${done.id}.0`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not dead/);
  });
});
