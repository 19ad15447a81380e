import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { HubClient, HubError } from '../../src/client/hubClient.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

// Isolation between tokens: a lease is reported on (complete, fail, progress, heartbeat, release)
// only by the worker token that claimed it; another worker token that learns the lease id is
// refused with 403 naming the leases, and the lease stays as it was. Both stores, by the test pass.

let h: TestHub;
let owner: HubClient;
let stranger: HubClient;
before(async () => {
  h = await startTestHub();
  owner = await h.as('worker');
  stranger = await h.as('worker');
});
after(() => h.close());

interface Claimed {
  leaseId: string;
  jobId: string;
}

async function claimOne(w: HubClient, workerId: string): Promise<Claimed> {
  const { tasks } = await w.post<{ tasks: Claimed[] }>('/v1/worker/claim', {
    workerId,
    capabilities: [{ kind: 'test.echo' }],
    max: 1,
    waitMs: 0,
  });
  assert.equal(tasks.length, 1);
  return tasks[0]!;
}

async function refusal(p: Promise<unknown>): Promise<HubError> {
  try {
    await p;
  } catch (e) {
    return e as HubError;
  }
  assert.fail('the request succeeded');
}

test("another worker token is refused every report on a lease it did not claim; the claimer's go through", async () => {
  const client = await h.as('client');
  const job = await client.post<{ id: string }>('/v1/jobs', { kind: 'test.echo', input: 1 });
  const lease = await claimOne(owner, 'w-owner');
  assert.equal(lease.jobId, job.id);
  const { leaseId } = lease;
  const asks: Array<[string, () => Promise<unknown>]> = [
    ['results', () => stranger.post('/v1/worker/complete', { results: [{ leaseId, output: 'stolen' }] })],
    ['leaseId', () => stranger.post('/v1/worker/fail', { leaseId, error: 'x', retryable: false })],
    ['leaseId', () => stranger.post('/v1/worker/progress', { leaseId, progress: 0.5 })],
    ['leaseIds', () => stranger.post('/v1/worker/heartbeat', { workerId: 'w-stranger', leaseIds: [leaseId] })],
    ['leaseIds', () => stranger.post('/v1/worker/release', { leaseIds: [leaseId] })],
  ];
  for (const [field, ask] of asks) {
    const e = await refusal(ask());
    assert.deepEqual([e.status, e.code, e.field], [403, 'forbidden', field]);
    assert.match(e.message, new RegExp(`another worker token claimed this lease \\(${leaseId.replace('.', '\\.')}\\)`));
  }
  const after1 = await client.get<{ state: string; counts: { leased: number } }>(`/v1/jobs/${job.id}`);
  assert.deepEqual([after1.state, after1.counts.leased], ['running', 1], 'the lease is untouched');

  const beat = await owner.post<{ extended: string[] }>('/v1/worker/heartbeat', {
    workerId: 'w-owner',
    leaseIds: [leaseId],
  });
  assert.deepEqual(beat.extended, [leaseId]);
  await owner.post('/v1/worker/progress', { leaseId, progress: 0.5 });
  await owner.post('/v1/worker/complete', { results: [{ leaseId, output: 'mine' }] });
  const done = await client.get<{ state: string; results: Array<{ output: unknown }> }>(`/v1/jobs/${job.id}`);
  assert.deepEqual([done.state, done.results.map((r) => r.output)], ['succeeded', ['mine']]);
});

test('a batch with one foreign lease is refused whole, naming only that lease', async () => {
  const client = await h.as('client');
  await client.post('/v1/jobs/batch', {
    jobs: [
      { kind: 'test.echo', input: 1 },
      { kind: 'test.echo', input: 2 },
    ],
  });
  const mine = await claimOne(stranger, 'w-stranger');
  const theirs = await claimOne(owner, 'w-owner');
  const e = await refusal(
    stranger.post('/v1/worker/complete', {
      results: [
        { leaseId: mine.leaseId, output: 1 },
        { leaseId: theirs.leaseId, output: 2 },
      ],
    }),
  );
  assert.equal(e.status, 403);
  assert.deepEqual((e.body as { error: { leaseIds: string[] } }).error.leaseIds, [theirs.leaseId]);
  const released = await stranger.post<{ released: string[] }>('/v1/worker/release', { leaseIds: [mine.leaseId] });
  assert.deepEqual(released.released, [mine.leaseId], 'its own lease is still its to give back');
  // A lease no longer current is not refused here: the operation itself says it is lost, as before.
  const lost = await refusal(stranger.post('/v1/worker/fail', { leaseId: mine.leaseId, error: 'x' }));
  assert.deepEqual([lost.status, lost.code], [409, 'lease_lost']);
});
