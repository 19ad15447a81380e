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
import { watchJob } from './support.js';

after(cleanupProcesses);

// A worker that dies with kill -9 holding leases: the leases run out, the reaper requeues the
// tasks (counting the attempt) and another worker runs them. No result is lost or doubled.
test('kill -9 of a worker holding 4 tasks: another worker runs them, attempt 2 each', { timeout: 120_000 }, () =>
  dumpOnFailure(async () => {
    const hub = await startHubProcess({ dataDir: makeTempDir(), kinds: ['test.hold'] });
    const admin = new HubClient(hub.url, hub.adminToken);
    const { token } = await createToken(hub.url, hub.adminToken, 'worker');

    const job = await admin.post<any>('/v1/jobs', { kind: 'test.hold', input: {}, variants: 4, leaseMs: 2000 });
    const watch = watchJob(admin, job.id);
    try {
      await watch.opened;
      // A holds every task until it is aborted (it never will be: it is killed).
      const a = await startWorkerProcess({ url: hub.url, token, concurrency: 4, env: { HOLD: '1' }, name: 'worker-a' });
      const running = await watch.progressOf(4);
      assert.equal(running.length, 4);

      const held = (await admin.get<any>(`/v1/jobs/${job.id}/tasks`)).tasks;
      assert.deepEqual(
        held.map((t: any) => [t.index, t.state, t.attempt, t.workerId]),
        [0, 1, 2, 3].map((i) => [i, 'leased', 1, a.workerId]),
      );

      assert.ok(a.kill('SIGKILL'));
      const exit = await a.handle.waitForExit(10_000);
      assert.equal(exit.signal, 'SIGKILL', 'worker A died of the kill, not of something else');

      const b = await startWorkerProcess({ url: hub.url, token, concurrency: 4, name: 'worker-b' });
      const done = await admin.get<any>(`/v1/jobs/${job.id}?wait=30s`, { timeoutMs: 45_000 });
      assert.equal(done.state, 'succeeded', `job state after the kill: ${JSON.stringify(done)}`);
      assert.equal(done.results.length, 4);
      assert.deepEqual(done.results.map((r: any) => r.index).sort(), [0, 1, 2, 3]);
      for (const r of done.results)
        assert.deepEqual(r.output, { ran: b.pid, index: r.index }, 'each result comes from worker B');

      const tasks = (await admin.get<any>(`/v1/jobs/${job.id}/tasks`)).tasks;
      assert.deepEqual(
        tasks.map((t: any) => [t.index, t.state, t.attempt]),
        [0, 1, 2, 3].map((i) => [i, 'succeeded', 2]),
        'one attempt on A (lease expired), one on B',
      );
      assert.equal(b.handle.exit, null, 'worker B still running');
    } finally {
      watch.close();
    }
  }),
);
