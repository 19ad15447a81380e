import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { HubClient } from '../../src/client/hubClient.js';
import { NO_DATABASE, type TestDatabase } from '../helpers/postgres.js';
import { cleanupProcesses, createToken, dumpOnFailure, startWorkerProcess } from '../helpers/processes.js';
import { dropDatabases, pairDatabase as database, startHubPair } from './hubPair.js';
import { watchJob } from './support.js';

// Two hub processes on one PostgreSQL schema: workers on one, clients on the other, and the leader
// (the hub running the reaper) killed with kill -9.

after(async () => {
  await cleanupProcesses();
  await dropDatabases();
});

const KINDS = ['test.hold', 'test.quick'];
const twoHubs = (db: TestDatabase) => startHubPair(db, { kinds: KINDS });

test('workers on hub A, a client on hub B: variants stream to B as A records them', { timeout: 60_000 }, async (t) => {
  const db = await database();
  if (!db) return t.skip(NO_DATABASE);
  await dumpOnFailure(async () => {
    const { a, b } = await twoHubs(db);
    const { token } = await createToken(b.url, b.adminToken, 'worker');
    const client = new HubClient(b.url, b.adminToken);
    // Submitted on B before any worker exists: the worker that connects to A must still get it.
    const job = await client.post<any>('/v1/jobs', { kind: 'test.quick', input: { n: 7 }, variants: 3 });
    const watch = watchJob(client, job.id);
    try {
      await watch.opened;
      await startWorkerProcess({ url: a.url, token, concurrency: 2, name: 'worker-on-a' });
      const done = await client.get<any>(`/v1/jobs/${job.id}?wait=30s`, { timeoutMs: 40_000 });
      assert.equal(done.state, 'succeeded');
      assert.deepEqual(
        done.results.map((r: any) => r.output),
        [{ n: 7 }, { n: 7 }, { n: 7 }],
      );
      // B's event stream saw each result, then the final state.
      const seen = await waitFor(
        () => watch.events.some((e) => e.event === 'state' && e.data.state === 'succeeded'),
        10_000,
      );
      assert.ok(seen, `B's stream ended with the job's state; events: ${JSON.stringify(watch.events)}`);
      assert.equal(watch.events.filter((e) => e.event === 'result').length, 3);

      // A second job while the worker long-polls on A: created on B, it is dispatched at once.
      const second = await client.post<any>('/v1/jobs', { kind: 'test.quick', input: { n: 8 } });
      const r = await client.get<any>(`/v1/jobs/${second.id}?wait=10s`, { timeoutMs: 20_000 });
      assert.equal(r.state, 'succeeded', 'a long-poll on A woke for a job created on B');
    } finally {
      watch.close();
    }
  });
});

test(
  'kill -9 of the leading hub: the other hub takes over the reaper within a lease period',
  { timeout: 90_000 },
  async (t) => {
    const db = await database();
    if (!db) return t.skip(NO_DATABASE);
    await dumpOnFailure(async () => {
      const { a, b } = await twoHubs(db);
      await a.handle.waitForLog((l) => l.msg === 'this hub now leads: it runs the reaper and retention');
      const { token } = await createToken(b.url, b.adminToken, 'worker');
      const client = new HubClient(b.url, b.adminToken);
      const leaseMs = 3000;
      const job = await client.post<any>('/v1/jobs', { kind: 'test.hold', input: {}, variants: 2, leaseMs });
      // Progress is streamed by the hub the worker reports to (it is not sent between hubs).
      const watch = watchJob(new HubClient(a.url, a.adminToken), job.id);
      try {
        await watch.opened;
        // A worker on A holds both tasks; then A (the leader) and that worker die together.
        const held = await startWorkerProcess({
          url: a.url,
          token,
          concurrency: 2,
          env: { HOLD: '1' },
          name: 'holder-on-a',
        });
        await watch.progressOf(2);
        assert.ok(a.kill('SIGKILL'));
        assert.ok(held.kill('SIGKILL'));
        const killedAt = Date.now();
        assert.equal((await a.exited).signal, 'SIGKILL');

        await b.handle.waitForLog((l) => l.msg === 'this hub now leads: it runs the reaper and retention', 10_000);
        await startWorkerProcess({ url: b.url, token, concurrency: 2, name: 'worker-on-b' });
        const done = await client.get<any>(`/v1/jobs/${job.id}?wait=30s`, { timeoutMs: 40_000 });
        const tookMs = Date.now() - killedAt;
        assert.equal(done.state, 'succeeded', JSON.stringify(done));
        const tasks = (await client.get<any>(`/v1/jobs/${job.id}/tasks`)).tasks;
        assert.deepEqual(
          tasks.map((x: any) => x.attempt),
          [2, 2],
          'each task: one lease lost with A, one run from B',
        );
        // The leases ran out at most leaseMs after the kill; B reaped them within the next lease period.
        assert.ok(tookMs < 2 * leaseMs + 2000, `the tasks ran again ${tookMs} ms after the kill`);
      } finally {
        watch.close();
      }
    });
  },
);

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
