import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { retryDelay } from '../../src/util/backoff.js';
import { Broker } from '../../src/broker/broker.js';
import type { Cluster, HubNotice } from '../../src/store/cluster.js';
import { toNewJob } from '../../src/broker/defaults.js';
import { Limits } from '../../src/broker/limits.js';
import { DEFAULTS } from '../../src/config.js';
import { SqliteStore } from '../../src/store/sqlite/sqliteStore.js';
import { quietLog } from '../helpers/inProcessHub.js';

// The broker's side of several hubs on one store: what it tells the others after a commit, and
// what it does with what they tell it. The store is written behind the broker's back here, as
// another hub would write it; only the notice lets this broker know.

const dir = mkdtempSync(join(tmpdir(), 'roost-cluster-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

class TestCluster implements Cluster {
  readonly published: HubNotice[] = [];
  private noticeListener: ((n: HubNotice) => Promise<void>) | null = null;
  private leaderListener: ((l: boolean) => void) | null = null;
  constructor(public isLeader: boolean) {}
  publish(notice: HubNotice): void {
    this.published.push(notice);
  }
  onNotice(listener: (n: HubNotice) => Promise<void>): void {
    this.noticeListener = listener;
  }
  onLeadership(listener: (l: boolean) => void): void {
    this.leaderListener = listener;
  }
  deliver(notice: Partial<HubNotice>): Promise<void> {
    return this.noticeListener!({ routes: [], jobs: [], results: [], nextRunAt: null, limits: [], ...notice });
  }
  lead(leader: boolean): void {
    this.isLeader = leader;
    this.leaderListener!(leader);
  }
  async close(): Promise<void> {}
}

async function setup(leader = true, over: Partial<typeof DEFAULTS> = {}) {
  const store = new SqliteStore(join(dir, `c${++n}.db`), { retryDelay });
  const cluster = new TestCluster(leader);
  const options = { ...DEFAULTS, kinds: ['k'], ...over };
  const broker = new Broker(store, options, quietLog, cluster);
  await broker.start();
  const behindItsBack = (input: unknown, leaseMs?: number) =>
    store.createJob(toNewJob({ kind: 'k', input, leaseMs }, options, new Limits(), Date.now()));
  return {
    store,
    cluster,
    broker,
    behindItsBack,
    async close() {
      await broker.close();
      await store.close();
    },
  };
}

const hello = {
  workerId: 'w1',
  name: 'w1',
  capabilities: [{ kind: 'k', labels: {} }],
  concurrency: 1,
  version: 'test',
};

test("another hub's notice wakes a claim waiting here for the route it names", async () => {
  const t = await setup();
  try {
    const never = new AbortController();
    const waiting = t.broker.work.claim(hello, 1, 30_000, never.signal);
    const { job } = await t.behindItsBack('from hub B');
    await t.cluster.deliver({ routes: ['k'] });
    const tasks = await waiting;
    assert.deepEqual(
      tasks.map((x) => x.jobId),
      [job.id],
    );
  } finally {
    await t.close();
  }
});

test("another hub's results reach a long-poll here, before the final state", async () => {
  const t = await setup();
  try {
    const { job } = await t.behindItsBack('watched');
    const [task] = (await t.store.claim('w-b', [new Limits().claimFor('k')], 1, Date.now())).tasks;
    const polling = t.broker.jobs.wait(job.id, 1, 30_000);
    const done = await t.store.complete([{ leaseId: task!.leaseId, output: 'made on hub B' }], Date.now());
    await t.cluster.deliver({ results: [job.id], jobs: done.changes.jobs });
    const r = await polling;
    assert.equal(r.job.state, 'succeeded');
    assert.deepEqual(
      r.results.map((x) => x.output),
      ['made on hub B'],
    );
  } finally {
    await t.close();
  }
});

test('a commit here is told to the other hubs: routes, job states, results and limits', async () => {
  const t = await setup();
  try {
    const { job } = await t.broker.jobs.submit({ kind: 'k', input: 1 });
    assert.deepEqual(t.cluster.published.at(-1), { routes: ['k'], jobs: [], results: [], nextRunAt: null, limits: [] });
    const [task] = await t.broker.work.claim(hello, 1, 0, new AbortController().signal);
    await t.broker.work.complete([{ leaseId: task!.leaseId, output: 'x' }]);
    const last = t.cluster.published.at(-1)!;
    assert.deepEqual(last.results, [job.id]);
    assert.deepEqual(last.jobs, [{ jobId: job.id, state: 'succeeded' }]);
    await t.broker.jobs.setLimit({ key: 'bot:*', concurrency: 1, rate: null });
    assert.deepEqual(t.cluster.published.at(-1)!.limits, ['bot:*']);
  } finally {
    await t.close();
  }
});

test("a limit set on another hub applies to this hub's claims once its notice arrives", async () => {
  const t = await setup();
  try {
    await t.store.setLimit({ key: 'bot:*', concurrency: 1, rate: null }, Date.now());
    await t.cluster.deliver({ limits: ['bot:*'] });
    const { job } = await t.broker.jobs.submit({ kind: 'k', input: 1, concurrencyKey: 'bot:a' });
    await t.broker.jobs.submit({ kind: 'k', input: 2, concurrencyKey: 'bot:a' });
    const tasks = await t.broker.work.claim({ ...hello, concurrency: 2 }, 2, 0, new AbortController().signal);
    assert.deepEqual(
      tasks.map((x) => x.jobId),
      [job.id],
      'at most one running task for bot:a',
    );
  } finally {
    await t.close();
  }
});

test('only the leader reaps expired leases; a hub that becomes leader takes the reaper over', async () => {
  const t = await setup(false, { reapIntervalMs: 10 });
  try {
    const { job } = await t.behindItsBack('short lease', 1);
    await t.cluster.deliver({ routes: ['k'] });
    const [task] = await t.broker.work.claim(hello, 1, 0, new AbortController().signal);
    assert.equal(task!.jobId, job.id);
    // Time for many reaper intervals passes, measured by the delay timer (which every hub runs):
    // a job delayed by 100 ms becomes claimable, and the expired lease is still held.
    const { job: later } = await t.broker.jobs.submit({ kind: 'k', input: 'later', delayMs: 100 });
    const [promoted] = await t.broker.work.claim(hello, 1, 10_000, new AbortController().signal);
    assert.equal(promoted!.jobId, later.id);
    assert.equal((await t.store.getTask(task!.taskId))!.state, 'leased', 'a follower does not reap');

    t.cluster.lead(true);
    // Now this hub's reaper runs: the expired task comes back to a waiting claim.
    const [again] = await t.broker.work.claim(hello, 1, 10_000, new AbortController().signal);
    assert.equal(again!.taskId, task!.taskId);
    assert.equal(again!.attempt, 2);
  } finally {
    await t.close();
  }
});
