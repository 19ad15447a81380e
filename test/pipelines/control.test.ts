import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { HubClient } from '../../src/client/hubClient.js';
import { HubError } from '../../src/client/hubClient.js';
import type { Handler } from '../../src/worker/handler.js';
import { WorkerAgent } from '../../src/worker/workerAgent.js';
import { roost } from '../cli/roostCli.js';
import { quietLog, startTestHub, type TestHub } from '../helpers/inProcessHub.js';

// roost pipeline list, status and cancel against a hub; the API refuses a bad definition naming the field.

const KIND = 'pl.hold';
let h: TestHub;
let client: HubClient & { token: string };
let worker: WorkerAgent;
let loop: Promise<void>;
let started!: () => void;
const running = new Promise<void>((resolve) => (started = resolve));
const scratch = mkdtempSync(join(tmpdir(), 'roost-pipeline-control-'));

/** Holds its task until the worker aborts it (the job is cancelled). */
const hold: Handler = {
  kind: KIND,
  run: (_input, ctx) =>
    new Promise((_, reject) => {
      started();
      ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
    }),
};

before(async () => {
  h = await startTestHub({ kinds: [KIND], sweepIntervalMs: 0 });
  client = await h.as('client');
  worker = new WorkerAgent({
    hub: h.url,
    token: (await h.as('worker')).token,
    workerId: 'hold-w1',
    handlers: [hold],
    concurrency: 1,
    waitMs: 5000,
    graceMs: 200,
    log: quietLog,
    artifactCacheDir: join(scratch, 'cache'),
  });
  loop = worker.start();
});
after(async () => {
  await worker?.stop();
  await loop;
  await h?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const cli = async (...args: string[]) => {
  const r = await roost(['pipeline', ...args, '--hub', h.url, '--token', client.token]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
};

test('a running run is listed and shown; cancel ends it, its job and its steps', async () => {
  const run = await client.post<{ id: string }>('/v1/pipelines', {
    name: 'held',
    steps: {
      a: { kind: KIND, outputs: ['out'] },
      b: { kind: KIND, inputs: { x: { from: 'a.out' } }, outputs: ['out'] },
    },
  });
  await running;
  const listed = JSON.parse(await cli('list', '--json')) as {
    runs: Array<{ id: string; state: string; steps: number }>;
  };
  assert.deepEqual(
    listed.runs.map((r) => [r.id, r.state, r.steps]),
    [[run.id, 'running', 2]],
  );
  const status = await cli('status', run.id);
  assert.match(status, /^a\s+running\s+-\s+1\s+job_\w+\s+no earlier run of this pipeline ran it$/m);
  assert.match(status, /^b\s+pending\s+-\s+0\s+-\s*$/m);

  const jobId = (JSON.parse(await cli('status', run.id, '--json')) as { steps: Array<{ jobId: string }> }).steps[0]!
    .jobId;
  const cancelled = JSON.parse(await cli('cancel', run.id, '--json')) as {
    state: string;
    steps: Array<{ state: string }>;
  };
  assert.equal(cancelled.state, 'cancelled');
  assert.deepEqual(
    cancelled.steps.map((s) => s.state),
    ['cancelled', 'cancelled'],
  );
  assert.equal((await client.get<{ state: string }>(`/v1/jobs/${jobId}`)).state, 'cancelled');
});

test('POST /v1/pipelines refuses a bad reference or an artifact the hub lacks, naming the field', async () => {
  const refused = async (body: unknown) => {
    const e = await client.post('/v1/pipelines', body).then(
      () => assert.fail('accepted'),
      (err: unknown) => err,
    );
    assert.ok(e instanceof HubError);
    return [e.status, e.field];
  };
  assert.deepEqual(
    await refused({ name: 'x', steps: { a: { kind: KIND, inputs: { i: { from: 'a.nope' } }, outputs: ['out'] } } }),
    [400, 'steps.a.inputs.i.from'],
  );
  assert.deepEqual(
    await refused({
      name: 'x',
      steps: { a: { kind: KIND, inputs: { i: { artifact: `sha256:${'0'.repeat(64)}` } }, outputs: ['out'] } },
    }),
    [400, 'steps.a.inputs.i.artifact'],
  );
  assert.deepEqual(
    await refused({ name: 'x', steps: { a: { kind: KIND, inputs: { i: { file: 'a.txt' } }, outputs: ['out'] } } }),
    [400, 'steps.a.inputs.i'],
  );
  assert.deepEqual(await client.get('/v1/pipelines/run_nothing').catch((e: HubError) => [e.status]), [404]);
});
