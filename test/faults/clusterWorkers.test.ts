import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { HubClient } from '../../src/client/hubClient.js';
import { NO_DATABASE } from '../helpers/postgres.js';
import { cleanupProcesses, createToken, dumpOnFailure, startWorkerProcess } from '../helpers/processes.js';
import { dropDatabases, pairDatabase, startHubPair } from './hubPair.js';
import { pollUntil } from './support.js';

// Two hub processes on one PostgreSQL schema, a worker on hub A only: hub B answers whether a job
// waits for a worker from the cluster's view, not from the workers that talk to B (issue 16, item 26).

after(async () => {
  await cleanupProcesses();
  await dropDatabases();
});

test(
  'hub B says a job is not waiting for a worker when a worker on hub A serves it',
  { timeout: 60_000 },
  async (t) => {
    const db = await pairDatabase();
    if (!db) return t.skip(NO_DATABASE);
    await dumpOnFailure(async () => {
      const { a, b } = await startHubPair(db, { kinds: ['test.hold'] });
      const { token } = await createToken(b.url, b.adminToken, 'worker');
      const onB = new HubClient(b.url, b.adminToken);
      const worker = await startWorkerProcess({
        url: a.url,
        token,
        concurrency: 1,
        env: { HOLD: '1' },
        name: 'holder-on-a',
      });

      // The worker on A holds one task of the first job (its only slot); the other task stays queued.
      const first = await onB.post<any>('/v1/jobs', { kind: 'test.hold', input: {}, variants: 2 });
      await pollUntil(
        'the worker on A holds a task of the job submitted on B',
        async () => (await onB.get<any>(`/v1/jobs/${first.id}`)).counts.leased === 1,
        20_000,
        50,
      );
      const held = await onB.get<any>(`/v1/jobs/${first.id}`);
      assert.equal(held.waitingForWorker, false, `B on a job whose task A's worker holds: ${JSON.stringify(held)}`);

      // Nothing of this one is leased (the worker is busy), yet a worker of the cluster serves its kind.
      const second = await onB.post<any>('/v1/jobs', { kind: 'test.hold', input: {} });
      assert.equal(second.counts.leased, 0);
      assert.equal(second.waitingForWorker, false, 'the submit on B: a worker on A serves the kind');
      assert.equal((await onB.get<any>(`/v1/jobs/${second.id}`)).waitingForWorker, false);
      const listed = (await onB.get<any>('/v1/jobs?kind=test.hold')).jobs;
      assert.ok(
        listed.every((j: any) => j.waitingForWorker === false),
        `B's list: ${JSON.stringify(listed.map((j: any) => [j.id, j.waitingForWorker]))}`,
      );

      // A label no worker anywhere offers: waiting, on both hubs.
      const nobody = await onB.post<any>('/v1/jobs', { kind: 'test.hold', input: {}, requires: { gpu: 'h100' } });
      assert.equal(nobody.waitingForWorker, true);
      const onA = new HubClient(a.url, a.adminToken);
      assert.equal((await onA.get<any>(`/v1/jobs/${nobody.id}`)).waitingForWorker, true);

      // A cancel on B reaches the handler on A's worker through A's held heartbeat (issue 16, item 10).
      const sent = Date.now();
      assert.equal((await onB.post<any>(`/v1/jobs/${first.id}/cancel`)).state, 'cancelled');
      const line = await worker.handle.waitForLog((l) => l.msg === 'task cancelled', 10_000);
      const tookMs = Number(line.time) - sent;
      assert.ok(tookMs < 1500, `the worker on A heard of the cancel on B ${tookMs} ms after it`);
    });
  },
);
