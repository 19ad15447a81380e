import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  cleanupProcesses,
  createToken,
  dumpOnFailure,
  freePort,
  makeTempDir,
  startHubProcess,
  startWorkerProcess,
  type HubProcess,
} from '../helpers/processes.js';
import { JsonHttp, pollUntil } from './support.js';

after(cleanupProcesses);

// The dashboard's per-minute charts after a crash: a hub killed with -9 never wrote the minutes it
// held in memory; the next start rebuilds their job counts from the jobs (issue 16, item 6).

interface Sums {
  created: number;
  succeeded: number;
}

async function minuteSums(http: JsonHttp, since: number): Promise<Sums> {
  const { status, body } = await http.request('GET', `/v1/stats/minutes?since=${since}`);
  assert.equal(status, 200);
  const sums = { created: 0, succeeded: 0 };
  for (const m of (body as { minutes: Array<{ jobsCreated: number; jobsSucceeded: number }> }).minutes) {
    sums.created += m.jobsCreated;
    sums.succeeded += m.jobsSucceeded;
  }
  return sums;
}

async function submitAndFinish(http: JsonHttp, count: number, from: number): Promise<void> {
  const jobs = Array.from({ length: count }, (_, i) => ({ kind: 'test.quick', input: { n: from + i } }));
  const { status, body } = await http.request('POST', '/v1/jobs/batch', { jobs });
  assert.equal(status, 200, JSON.stringify(body));
  await pollUntil(
    `${from + count} jobs succeeded`,
    async () => {
      const stats = (await http.request('GET', '/v1/stats')).body as { jobs: { succeeded?: number } };
      return stats.jobs.succeeded === from + count;
    },
    30_000,
    50,
  );
}

test(
  'kill -9 of the hub: after a restart /v1/stats/minutes still sums to the jobs created and completed',
  { timeout: 90_000 },
  () =>
    dumpOnFailure(async () => {
      const since = Date.now() - 60_000;
      const dataDir = makeTempDir();
      const port = await freePort();
      const kinds = ['test.quick'];
      let hub: HubProcess = await startHubProcess({ dataDir, port, kinds, name: 'hub' });
      const { token: workerToken } = await createToken(hub.url, hub.adminToken, 'worker');
      const { token: clientToken } = await createToken(hub.url, hub.adminToken, 'client');
      await startWorkerProcess({ url: hub.url, token: workerToken, concurrency: 8, name: 'worker' });
      const http = new JsonHttp(hub.url, clientToken);
      const restart = async (name: string) => {
        assert.ok(hub.kill('SIGKILL'));
        assert.equal((await hub.handle.waitForExit(10_000)).signal, 'SIGKILL');
        hub = await startHubProcess({ dataDir, port, kinds, name });
      };

      await submitAndFinish(http, 300, 0);
      assert.deepEqual(await minuteSums(http, since), { created: 300, succeeded: 300 }, 'counted while running');
      await restart('hub (restarted)');
      assert.deepEqual(await minuteSums(http, since), { created: 300, succeeded: 300 }, 'rebuilt after kill -9');

      // The restarted hub counts its own jobs on top, and a second rebuild adds nothing twice.
      await submitAndFinish(http, 100, 300);
      await restart('hub (restarted again)');
      assert.deepEqual(await minuteSums(http, since), { created: 400, succeeded: 400 }, 'after a second kill -9');
    }),
);
