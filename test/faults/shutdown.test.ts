import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { HubClient } from '../../src/client/hubClient.js';
import {
  cleanupProcesses,
  createToken,
  dumpOnFailure,
  makeTempDir,
  startHubProcess,
  startWorkerProcess,
} from '../helpers/processes.js';
import { JsonHttp, pollUntil, watchJob } from './support.js';

after(cleanupProcesses);

/** A hub process with a `test.sleep` kind and a worker token. */
async function hubWithWorkerToken() {
  const hub = await startHubProcess({ dataDir: makeTempDir(), kinds: ['test.sleep'] });
  const admin = new HubClient(hub.url, hub.adminToken);
  const { token: workerToken } = await createToken(hub.url, hub.adminToken, 'worker');
  return { hub, admin, workerToken };
}

test('SIGTERM to a worker: running tasks finish and are reported, then it exits 0', { timeout: 120_000 }, () =>
  dumpOnFailure(async () => {
    const { hub, admin, workerToken } = await hubWithWorkerToken();
    const job = await admin.post<any>('/v1/jobs', { kind: 'test.sleep', input: { ms: 300 }, variants: 3 });
    const watch = watchJob(admin, job.id);
    let signalledAt: number;
    let worker;
    try {
      await watch.opened;
      worker = await startWorkerProcess({ url: hub.url, token: workerToken, concurrency: 4, name: 'worker-term' });
      await watch.progressOf(3);
      signalledAt = Date.now();
      assert.ok(worker.kill('SIGTERM'));
      const exit = await worker.handle.waitForExit(15_000);
      assert.deepEqual(exit, { code: 0, signal: null }, 'the worker exits 0 after finishing its tasks');
    } finally {
      watch.close();
    }
    assert.ok(worker.handle.logLines.some((l) => l.msg === 'worker stopped'));
    assert.ok(!worker.handle.logLines.some((l) => l.msg === 'released unfinished tasks'), 'nothing was released');

    // The results were delivered before the exit: the job is done, not waiting on a lease.
    const done = await admin.get<any>(`/v1/jobs/${job.id}`);
    assert.equal(done.state, 'succeeded', JSON.stringify(done));
    assert.equal(done.results.length, 3);
    for (const r of done.results) assert.deepEqual(r.output, { slept: 300, ran: worker.pid });
    const tasks = (await admin.get<any>(`/v1/jobs/${job.id}/tasks`)).tasks;
    for (const t of tasks) {
      assert.equal(t.state, 'succeeded');
      assert.equal(t.attempt, 1, 'finished on the first attempt');
      // Each task was still running when the signal came, so the worker really waited for it.
      assert.ok(
        t.finishedAt >= signalledAt,
        `task ${t.id} finished at ${t.finishedAt}, before the SIGTERM at ${signalledAt}`,
      );
    }
  }),
);

test(
  'SIGTERM to a worker with --grace 200ms: a long task is released (no attempt counted), exit 0',
  { timeout: 120_000 },
  () =>
    dumpOnFailure(async () => {
      const { hub, admin, workerToken } = await hubWithWorkerToken();
      const job = await admin.post<any>('/v1/jobs', { kind: 'test.sleep', input: { ms: 30_000 } });
      const watch = watchJob(admin, job.id);
      let elapsed: number;
      let worker;
      try {
        await watch.opened;
        worker = await startWorkerProcess({
          url: hub.url,
          token: workerToken,
          concurrency: 2,
          grace: '200ms',
          name: 'worker-grace',
        });
        const [taskId] = await watch.progressOf(1);
        assert.equal(taskId, `${job.id}.0`);
        const signalledAt = Date.now();
        assert.ok(worker.kill('SIGTERM'));
        const exit = await worker.handle.waitForExit(15_000);
        elapsed = Date.now() - signalledAt;
        assert.deepEqual(exit, { code: 0, signal: null });
      } finally {
        watch.close();
      }
      assert.ok(elapsed < 3000, `the worker took ${elapsed} ms to exit with a 200 ms grace period`);
      const released = worker.handle.logLines.find((l) => l.msg === 'released unfinished tasks');
      assert.equal(released?.released, 1, 'the worker says it released the task');

      const task = await admin.get<any>(`/v1/tasks/${job.id}.0`);
      assert.equal(task.state, 'queued', JSON.stringify(task));
      assert.equal(task.attempt, 0, 'a released task has no attempt counted');
      assert.equal(task.workerId, null);
      const after = await admin.get<any>(`/v1/jobs/${job.id}`);
      assert.equal(after.state, 'queued');
      assert.equal(after.results.length, 0);
    }),
);

test(
  'SIGTERM to the hub: open long-polls (job wait, worker claim) are answered; exit 0 within 5 s',
  { timeout: 120_000 },
  () =>
    dumpOnFailure(async () => {
      const { hub, admin, workerToken } = await hubWithWorkerToken();
      const job = await admin.post<any>('/v1/jobs', { kind: 'test.sleep', input: { ms: 1 } });
      // A token used by the job wait only: its first use is recorded (lastUsedAt) after the wait has
      // subscribed, which tells us the long-poll is open at the hub.
      const waiter = await createToken(hub.url, hub.adminToken, 'client', 'shutdown waiter');
      const waitClient = new JsonHttp(hub.url, waiter.token);
      const claimClient = new JsonHttp(hub.url, workerToken);
      try {
        const jobWait = waitClient
          .request('GET', `/v1/jobs/${job.id}?wait=60s`, undefined, 90_000)
          .then((r) => ({ ...r, at: Date.now() }));
        await pollUntil('the job long-poll is open', async () => {
          const { tokens } = await admin.get<any>('/v1/tokens');
          return tokens.some((t: any) => t.id === waiter.id && t.lastUsedAt !== null);
        });
        // A claim for a kind with no work waits at the hub.
        const claim = claimClient
          .request(
            'POST',
            '/v1/worker/claim',
            { workerId: 'shutdown-test', capabilities: [{ kind: 'test.idle' }], max: 1, waitMs: 60_000 },
            90_000,
          )
          .then((r) => ({ ...r, at: Date.now() }));
        await pollUntil(
          'the claim long-poll is open',
          async () => (await admin.get<any>('/v1/stats')).waitingClaims >= 1,
        );

        const signalledAt = Date.now();
        assert.ok(hub.kill('SIGTERM'));
        const [waited, claimed] = await Promise.all([jobWait, claim]);
        const exit = await hub.handle.waitForExit(10_000);
        const exitedIn = Date.now() - signalledAt;

        assert.equal(waited.status, 200, `job wait answered ${waited.status} ${JSON.stringify(waited.body)}`);
        assert.equal(waited.body.id, job.id);
        assert.equal(waited.body.state, 'queued', 'answered with the job as it is, not finished');
        assert.ok(waited.at - signalledAt < 5000, `job wait answered ${waited.at - signalledAt} ms after SIGTERM`);
        assert.equal(claimed.status, 200, `claim answered ${claimed.status} ${JSON.stringify(claimed.body)}`);
        assert.deepEqual(claimed.body.tasks, []);
        assert.ok(claimed.at - signalledAt < 5000, `claim answered ${claimed.at - signalledAt} ms after SIGTERM`);

        assert.deepEqual(exit, { code: 0, signal: null }, 'the hub exits 0 on SIGTERM');
        assert.ok(exitedIn < 5000, `the hub took ${exitedIn} ms to exit after SIGTERM`);
        process.stderr.write(
          `# hub shutdown: long-polls answered in ${waited.at - signalledAt} / ${claimed.at - signalledAt} ms, exited in ${exitedIn} ms\n`,
        );
      } finally {
        waitClient.close();
        claimClient.close();
      }
    }),
);

test(
  'SIGTERM to the hub with a worker process connected and an event stream open: exit 0 within 5 s',
  { timeout: 120_000 },
  () =>
    dumpOnFailure(async () => {
      const { hub, admin, workerToken } = await hubWithWorkerToken();
      const job = await admin.post<any>('/v1/jobs', { kind: 'test.sleep', input: { ms: 60_000 } });
      const watch = watchJob(admin, job.id);
      try {
        await watch.opened;
        const worker = await startWorkerProcess({
          url: hub.url,
          token: workerToken,
          concurrency: 2,
          name: 'worker-of-stopping-hub',
        });
        // The worker runs the task (and heartbeats it) and holds a claim open for its second slot.
        await watch.progressOf(1);
        await pollUntil(
          'the worker waits in a claim',
          async () => (await admin.get<any>('/v1/stats')).waitingClaims >= 1,
        );

        const signalledAt = Date.now();
        assert.ok(hub.kill('SIGTERM'));
        const exit = await hub.handle.waitForExit(10_000);
        const exitedIn = Date.now() - signalledAt;
        assert.deepEqual(exit, { code: 0, signal: null }, 'the hub exits 0 on SIGTERM');
        assert.ok(exitedIn < 5000, `the hub took ${exitedIn} ms to exit after SIGTERM`);
        assert.equal(worker.handle.exit, null, 'the worker keeps running (it will reconnect)');
        process.stderr.write(`# hub shutdown with a worker and a stream: exited in ${exitedIn} ms\n`);
      } finally {
        watch.close();
      }
    }),
);
