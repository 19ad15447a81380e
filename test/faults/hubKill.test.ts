import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { HubClient } from '../../src/client/hubClient.js';
import {
  cleanupProcesses,
  createToken,
  dumpOnFailure,
  freePort,
  makeTempDir,
  startHubProcess,
  startWorkerProcess,
} from '../helpers/processes.js';
import { watchJob, workersConnected } from './support.js';

after(cleanupProcesses);

// kill -9 of the hub under a stream of submissions, round after round: soak.test.ts.

// Leases live in the store, not in the hub's memory: a task running on a worker while the hub is
// killed and restarted keeps its lease, and its result is accepted by the new hub process.
test(
  'kill -9 of the hub while a worker runs a task: the result lands after the restart, attempt 1',
  { timeout: 120_000 },
  () =>
    dumpOnFailure(async () => {
      const dataDir = makeTempDir();
      const port = await freePort();
      const kinds = ['test.sleep'];
      let hub = await startHubProcess({ dataDir, port, kinds, name: 'hub' });
      const admin = new HubClient(hub.url, hub.adminToken);
      const { token } = await createToken(hub.url, hub.adminToken, 'worker');
      const job = await admin.post<any>('/v1/jobs', {
        kind: 'test.sleep',
        input: { ms: 2000 },
        variants: 2,
        leaseMs: 10_000,
      });
      const watch = watchJob(admin, job.id);
      let worker;
      try {
        await watch.opened;
        worker = await startWorkerProcess({ url: hub.url, token, concurrency: 2, name: 'worker' });
        await watch.progressOf(2);
      } finally {
        watch.close();
      }
      assert.ok(hub.kill('SIGKILL'));
      assert.equal((await hub.handle.waitForExit(10_000)).signal, 'SIGKILL');
      hub = await startHubProcess({ dataDir, port, kinds, name: 'hub (restarted)' });

      const done = await admin.get<any>(`/v1/jobs/${job.id}?wait=30s`, { timeoutMs: 45_000 });
      assert.equal(done.state, 'succeeded', JSON.stringify(done));
      assert.equal(done.results.length, 2);
      for (const r of done.results) assert.deepEqual(r.output, { slept: 2000, ran: worker.pid });
      const tasks = (await admin.get<any>(`/v1/jobs/${job.id}/tasks`)).tasks;
      assert.deepEqual(
        tasks.map((t: any) => [t.state, t.attempt]),
        [
          ['succeeded', 1],
          ['succeeded', 1],
        ],
        'the tasks ran once: their leases survived the restart',
      );
      await workersConnected(hub, [worker.workerId]);
      assert.equal(worker.handle.exit, null);
    }),
);
