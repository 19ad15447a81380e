import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { HubClient } from '../../src/client/hubClient.js';
import { packageRoot } from '../../src/paths.js';
import {
  cleanupProcesses,
  createToken,
  dumpOnFailure,
  freePort,
  makeTempDir,
  startHubProcess,
  startWorkerProcess,
} from '../helpers/processes.js';
import { pollUntil } from './support.js';

after(cleanupProcesses);

interface Run {
  id: string;
  state: string;
  steps: Array<{ step: string; state: string; jobId: string | null; reused: boolean }>;
}

// The engine runs in the hub and keeps each step's state in the store: a hub killed with -9 while
// a step's job runs comes back, finds the run still running, re-uses the finished step by its
// identity, waits for the job in flight (its idempotency key finds it) and runs the rest.

/** a -> b -> c: b's handler waits at a gate (test/fixtures/pipelineFaultHandlers.js) so it can be caught running. */
const chain = (name: string) => ({
  name,
  steps: {
    a: { kind: 'pl.mark', params: { name: 'a' }, outputs: ['out'] },
    b: { kind: 'pl.gated', params: { name: 'b' }, inputs: { x: { from: 'a.out' } }, outputs: ['out'] },
    c: { kind: 'pl.mark', params: { name: 'c' }, inputs: { x: { from: 'b.out' } }, outputs: ['out'] },
  },
});

test(
  'kill -9 of the hub mid-pipeline: the restarted hub finishes the run, no step runs twice',
  { timeout: 90_000 },
  () =>
    dumpOnFailure(async () => {
      const dataDir = makeTempDir();
      const port = await freePort();
      const kinds = ['pl.mark', 'pl.gated'];
      const env = { RUN_LOG: join(dataDir, 'runs.log'), GATE: join(dataDir, 'gate') };
      writeFileSync(env.RUN_LOG, '');
      let hub = await startHubProcess({ dataDir, port, kinds, name: 'hub' });
      const { token: workerToken } = await createToken(hub.url, hub.adminToken, 'worker');
      const handlers = join(packageRoot, 'test/fixtures/pipelineFaultHandlers.js');
      await startWorkerProcess({ url: hub.url, token: workerToken, handlers, env, name: 'worker' });
      const client = new HubClient(hub.url, hub.adminToken);
      const started = await client.post<Run>('/v1/pipelines', chain('survivor'));
      const read = () => client.get<Run>(`/v1/pipelines/${started.id}`);
      let bJob: string | null = null;
      await pollUntil(
        'step b running with its job',
        async () => {
          const b = (await read()).steps.find((s) => s.step === 'b')!;
          bJob = b.state === 'running' ? b.jobId : null;
          return bJob !== null;
        },
        30_000,
        25,
      );

      assert.ok(hub.kill('SIGKILL'));
      assert.equal((await hub.handle.waitForExit(10_000)).signal, 'SIGKILL');
      hub = await startHubProcess({ dataDir, port, kinds, name: 'hub (restarted)' });
      writeFileSync(env.GATE, '');

      let done: Run | undefined;
      await pollUntil(
        'the run to end on the restarted hub',
        async () => (done = await read()).state !== 'running',
        60_000,
        50,
      );
      assert.equal(done!.state, 'succeeded', JSON.stringify(done));
      assert.equal(done!.steps.find((s) => s.step === 'b')!.jobId, bJob, 'b kept the job it had in flight');
      assert.deepEqual(
        done!.steps.map((s) => [s.step, s.reused]),
        [
          ['a', false],
          ['b', false],
          ['c', false],
        ],
        'each step ran once, in this run',
      );
      const ran = readFileSync(env.RUN_LOG, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0]);
      assert.deepEqual(ran, ['a', 'b', 'c'], 'one job per step, none redone');
    }),
);

// A worker killed with -9 while it runs a step: the task's lease runs out, the broker gives it to
// another worker, and the step's job (the same job) finishes there; the run goes on.
test(
  'kill -9 of the worker running a step: another worker finishes the same job, the run succeeds',
  { timeout: 90_000 },
  () =>
    dumpOnFailure(async () => {
      const dataDir = makeTempDir();
      const env = { RUN_LOG: join(dataDir, 'runs.log'), GATE: join(dataDir, 'gate') };
      writeFileSync(env.RUN_LOG, '');
      // Short leases, so the dead worker's task is given out again within the test.
      const config = join(dataDir, 'roost.config.json');
      writeFileSync(config, JSON.stringify({ defaultLeaseMs: 1500 }));
      const hub = await startHubProcess({ dataDir, kinds: ['pl.mark', 'pl.gated'], args: ['--config', config] });
      const { token } = await createToken(hub.url, hub.adminToken, 'worker');
      const handlers = join(packageRoot, 'test/fixtures/pipelineFaultHandlers.js');
      const first = await startWorkerProcess({ url: hub.url, token, handlers, env, name: 'worker-1' });
      const client = new HubClient(hub.url, hub.adminToken);
      const run = await client.post<Run>('/v1/pipelines', chain('worker-survivor'));
      const read = () => client.get<Run>(`/v1/pipelines/${run.id}`);
      let bJob: string | null = null;
      await pollUntil(
        'step b running with its job',
        async () => {
          const b = (await read()).steps.find((s) => s.step === 'b')!;
          bJob = b.state === 'running' ? b.jobId : null;
          return bJob !== null && (await client.get<{ state: string }>(`/v1/jobs/${bJob}`)).state === 'running';
        },
        30_000,
        25,
      );
      assert.ok(first.kill('SIGKILL'));
      assert.equal((await first.handle.waitForExit(10_000)).signal, 'SIGKILL');
      writeFileSync(env.GATE, '');
      await startWorkerProcess({ url: hub.url, token, handlers, env, name: 'worker-2' });

      let done: Run | undefined;
      await pollUntil('the run to end', async () => (done = await read()).state !== 'running', 60_000, 50);
      assert.equal(done!.state, 'succeeded', JSON.stringify(done));
      assert.equal(done!.steps.find((s) => s.step === 'b')!.jobId, bJob, 'b finished the job it had');
      const ran = readFileSync(env.RUN_LOG, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0]);
      assert.deepEqual(ran, ['a', 'b', 'c'], 'the killed attempt finished nothing; one finished job per step');
    }),
);
