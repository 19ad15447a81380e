/**
 * A store holding something of everything an archive carries, written through the store
 * interfaces as the hub writes it: jobs in every state, results, tokens, workers, limits and rate
 * buckets, rollups, bots with state, feeds, ledgers and logs, and sandbox posts, replies, asks,
 * mentions and likes, artifact metadata, a pipeline run with its steps and a result.
 */
import { routeOf } from '../../../src/broker/taskRoutes.js';
import { Tokens } from '../../../src/hub/tokens.js';
import type { PlatformStore } from '../../../src/store/platformStore.js';
import type { BotStore, SandboxStore } from '../../../src/store/botStore.js';
import type { Store } from '../../../src/store/store.js';
import type { RouteClaim } from '../../../src/types.js';
import { newJob } from '../../contract/storeContract.js';
import { openLogStore } from '../../../src/store/logStore.js';
import { openUsageStore } from '../../../src/store/usageStore.js';
import { openChatStore } from '../../../src/store/chatStore.js';
import { openPipelineStore } from '../../../src/pipelines/pipelineStore.js';

const T0 = 1_700_000_000_000;
/** A worker claiming this kind after an import finds the fixture's queued job. */
export const READY_KIND = 'archive.ready';

const plain = (route: string): RouteClaim[] => [{ route, key: null, concurrency: null, rate: null }];

export interface Filled {
  /** Whole tokens made before the export; `revoked` was revoked. */
  tokens: { admin: string; client: string; worker: string; revoked: string };
  /** The queued job of READY_KIND: one task, no one holds it. */
  queuedJobId: string;
  /** The lease a worker still holds on a task. */
  heldLeaseId: string;
}

async function claimOne(store: Store, route: string, worker = 'w1', owner: string | null = null): Promise<string> {
  const { tasks } = await store.claim(worker, plain(route), 1, T0 + 10, owner);
  if (tasks.length !== 1) throw new Error(`fixture: nothing to claim on ${route}`);
  return tasks[0]!.leaseId;
}

export async function fillJobs(store: Store): Promise<Filled> {
  const tokens = new Tokens(store);
  const producer = await tokens.create('producer', 'client');
  const gpuBox = await tokens.create('gpu box', 'worker');
  const made = {
    admin: (await tokens.create('admin (first start)', 'admin')).token,
    client: producer.token,
    worker: gpuBox.token,
    revoked: (await tokens.create('old laptop', 'client')).token,
  };
  // Confined tokens (docs/protocol.md, isolation between tokens).
  await tokens.create('api key', 'client', { ownJobs: true });
  await tokens.create('frank in go', 'bot', { bot: 'frank' });
  const queued = await store.createJob(
    newJob({ kind: READY_KIND, input: { prompt: 'the sea, ☂ and "quotes"', big: 2 ** 52 } }),
  );
  await store.createJob(newJob({ kind: 'archive.delayed', runAt: T0 + 10 ** 12, priority: 5, variants: 2, seed: 40 }));
  await store.createJob(
    newJob({
      kind: 'archive.labels',
      requires: { model: 'gpt2', vram: '24' },
      route: routeOf('archive.labels', { model: 'gpt2', vram: '24' }),
      key: 'idem-1',
    }),
  );

  // Leased, with progress, and its lease kept for after the import; made and claimed by tokens.
  await store.createJob(newJob({ kind: 'archive.lease', leaseMs: 10 ** 12, createdBy: producer.info.id }));
  const heldLeaseId = await claimOne(store, 'archive.lease', 'w1', gpuBox.info.id);
  await store.progress(heldLeaseId, { pct: 40, note: 'halfway' }, T0 + 11);

  // Succeeded with results in completion order.
  await store.createJob(newJob({ kind: 'archive.done', variants: 3, seed: 7 }));
  const done = await store.claim('w2', plain('archive.done'), 3, T0 + 20);
  await store.complete(
    done.tasks.map((t, i) => ({ leaseId: t.leaseId, output: { text: `variant ${i} é 🦜`, n: i / 3 } })).reverse(),
    T0 + 21,
  );

  // Dead (a non-retryable failure) and the job failed; another waiting out its backoff.
  await store.createJob(newJob({ kind: 'archive.dead', variants: 2, maxAttempts: 1 }));
  await store.fail(await claimOne(store, 'archive.dead'), 'boom: the GPU fell over', false, T0 + 30);
  await store.createJob(newJob({ kind: 'archive.retry', maxAttempts: 3 }));
  await store.fail(await claimOne(store, 'archive.retry'), 'try again', true, T0 + 31);

  // Cancelled while queued, and while leased (the lease token stays so the worker hears of it).
  const cancelled = await store.createJob(newJob({ kind: 'archive.cancel', variants: 2 }));
  await store.cancelJob(cancelled.job.id, T0 + 40);
  const cancelledLeased = await store.createJob(newJob({ kind: 'archive.cancel-leased' }));
  await claimOne(store, 'archive.cancel-leased');
  await store.cancelJob(cancelledLeased.job.id, T0 + 41);

  // Enough after one result of three.
  const enough = await store.createJob(newJob({ kind: 'archive.enough', variants: 3 }));
  const some = await store.claim('w1', plain('archive.enough'), 3, T0 + 50);
  await store.complete([{ leaseId: some.tasks[0]!.leaseId, output: 'first' }], T0 + 51);
  await store.enough(enough.job.id, T0 + 52);

  // A cached result and the job that reused it.
  await store.createJob(newJob({ kind: 'archive.cache', cacheKey: 'c1', cacheTtlMs: null }));
  await store.complete([{ leaseId: await claimOne(store, 'archive.cache'), output: [1, 2, 3] }], T0 + 60);
  await store.createJob(newJob({ kind: 'archive.cache', cacheKey: 'c1', cacheTtlMs: null, createdAt: T0 + 61 }));

  // Two hubs' counts of one minute, as the dashboard's rollup recorder writes them.
  await store.writeRollups([
    {
      minute: T0 - 60_000,
      hub: 'hub-a',
      kind: '',
      jobsCreated: 7,
      jobsSucceeded: 5,
      jobsFailed: 1,
      claims: 0,
      latency: {},
    },
    {
      minute: T0 - 60_000,
      hub: 'hub-b',
      kind: 'archive.plain',
      jobsCreated: 0,
      jobsSucceeded: 0,
      jobsFailed: 0,
      claims: 3,
      latency: { '2': 2, '10': 1 },
    },
  ]);

  // A limited key: its rule, a leased task on its route, and the rate bucket the claim drew on.
  const key = 'bot:frank';
  const rate = { count: 5, intervalMs: 60_000 };
  await store.setLimit({ key: 'bot:*', concurrency: 2, rate }, T0 + 70);
  await store.setLimit({ key: 'model:gpt2', concurrency: 1, rate: null }, T0 + 71);
  const limitedRoute = routeOf('archive.limited', null, key);
  await store.createJob(newJob({ kind: 'archive.limited', concurrencyKey: key, route: limitedRoute, variants: 2 }));
  await store.claim('w1', [{ route: limitedRoute, key, concurrency: 2, rate }], 1, T0 + 72);

  await store.upsertWorker({
    workerId: 'w1',
    name: 'gpu-1',
    concurrency: 4,
    version: '0.1.0',
    firstSeen: T0,
    lastSeen: T0 + 80,
    capabilities: [
      { kind: READY_KIND, labels: { model: 'gpt2' } },
      { kind: 'archive.done', labels: {} },
    ],
  });
  await store.upsertWorker({
    workerId: 'w2',
    name: 'cpu',
    concurrency: 1,
    version: '0.1.0',
    firstSeen: T0,
    lastSeen: T0 + 81,
    capabilities: [{ kind: 'archive.lease', labels: {} }],
  });

  await tokens.verify(made.client);
  await tokens.revoke((await tokens.list()).find((t) => t.name === 'old laptop')!.id);
  await openLogStore(store).append([
    {
      id: '00000000000000a1',
      at: T0 + 30,
      level: 50,
      source: 'hub',
      msg: 'request failed',
      data: { route: '/v1/jobs' },
    },
    { id: '00000000000000a2', at: T0 + 31, level: 40, source: 'worker gpu box', msg: 'slow ☂', data: null },
  ]);

  // The front door's usage and a remembered conversation (migration 011).
  const usage = openUsageStore(store);
  await usage.add('a1b2c3d4e5f6', '2026-11-20', 'tiny-chat', 12, 30);
  await usage.add('a1b2c3d4e5f6', '2026-11-20', 'tiny-chat', 8, 2);
  await openChatStore(store).append(
    'openai:a1b2c3d4e5f6:c1',
    [
      { role: 'user', content: 'is the sea deep?', tokens: 9 },
      { role: 'assistant', content: 'very', tokens: 5 },
    ],
    T0,
  );

  // Artifact metadata (the bytes stay in the artifact store): one held by a pipeline, one loose.
  const artifacts = store.companions.artifactMeta();
  await artifacts.record({ sha256: 'a'.repeat(64), size: 2 ** 40, type: 'image/png' }, T0 + 90);
  await artifacts.record({ sha256: 'b'.repeat(64), size: 0, type: 'text/plain; charset=utf-8' }, T0 + 91);
  await artifacts.hold('a'.repeat(64), 'pipeline:p1', T0 + 92);

  // A pipeline run, one step re-used and one failed, and the result the re-use found.
  const pipelines = openPipelineStore(store);
  const definition = { name: 'doc', maxRounds: 10, steps: { a: { kind: 'k.a', inputs: {}, outputs: ['out'] } } };
  const outputs = { out: { $artifact: `sha256:${'a'.repeat(64)}`, size: 2 ** 40, type: 'image/png' } };
  const base = { identity: 'c'.repeat(64), rounds: 1, jobId: 'job_p', inputHashes: {}, updatedAt: T0 + 95 };
  await pipelines.createRun(
    {
      id: 'run_1',
      name: 'doc',
      state: 'running',
      definition,
      error: null,
      createdBy: null,
      createdAt: T0 + 93,
      updatedAt: T0 + 93,
      finishedAt: null,
    },
    [
      {
        ...base,
        step: 'a',
        state: 'succeeded',
        reused: true,
        reason: 'its identity already succeeded',
        outputs,
        outputHashes: { out: 'a'.repeat(64) },
        error: null,
      },
      {
        ...base,
        step: 'b',
        state: 'failed',
        reused: false,
        reason: 'input changed: x',
        outputs: null,
        outputHashes: null,
        error: 'job job_p failed',
      },
    ],
  );
  await pipelines.finishRun('run_1', 'failed', 'step b: job job_p failed', T0 + 96);
  await pipelines.saveResult(
    'c'.repeat(64),
    'k.a',
    { outputs, outputHashes: { out: 'a'.repeat(64) }, jobId: 'job_p' },
    T0 + 94,
  );
  return { tokens: made, queuedJobId: queued.job.id, heldLeaseId };
}

/** The bot of these names that is deleted at the end took the highest log line ids with it. */
export async function fillBots(bots: BotStore, sandbox: SandboxStore): Promise<void> {
  await bots.createBot('frank', '/srv/bots/frank.js', T0);
  await bots.createBot('ada', '/srv/bots/ada.js', T0 + 1);
  await bots.createBot('gone', '/srv/bots/gone.js', T0 + 2);
  await bots.setPaused('ada', true);
  await bots.recordBotEvent('frank', { type: 'start', restart: false });
  await bots.recordBotEvent('frank', { type: 'run', at: T0 + 10, scheduledAt: T0 + 9 });
  await bots.recordBotEvent('frank', { type: 'error', at: T0 + 11, message: 'the sandbox said no' });
  await bots.setState('frank', 'count', 3, T0 + 12);
  await bots.setState('frank', 'seen', { ids: [1, 2], last: 'é' }, T0 + 13);
  await bots.setCursor('frank', 'sandbox', '17');
  await bots.publish('frank-out', 'frank', [{ a: 1 }, { b: 2 }, 'three'], T0 + 14);
  await bots.publish('open', null, [1, 2], T0 + 15);
  await bots.ack('frank-out', 'ada', 2);
  await bots.beginLedger({ bot: 'frank', key: 'k1', hash: 'h1', platform: 'sandbox', createdAt: T0 + 16 });
  await bots.confirmLedger('frank', 'k1', '42', T0 + 17);
  await bots.beginLedger({ bot: 'frank', key: 'k2', hash: 'h2', platform: 'sandbox', createdAt: T0 + 18 });
  await bots.appendLogs([
    { bot: 'frank', at: T0 + 19, level: 'info', msg: 'posted', data: { postId: 42 } },
    { bot: 'ada', at: T0 + 20, level: 'warn', msg: 'paused', data: undefined },
  ]);
  await bots.appendLogs([{ bot: 'gone', at: T0 + 21, level: 'error', msg: 'about to go', data: null }]);
  await bots.deleteBot('gone');

  const { post: first } = await sandbox.insertPost({
    type: 'post',
    author: 'alice',
    recipient: null,
    replyTo: null,
    text: 'hello @bob',
    mentions: ['bob'],
    key: 'p1',
    createdAt: T0 + 30,
  });
  await sandbox.insertPost({
    type: 'post',
    author: 'bob',
    recipient: null,
    replyTo: first.id,
    text: 'hi alice',
    mentions: [],
    key: null,
    createdAt: T0 + 31,
  });
  await sandbox.insertPost({
    type: 'ask',
    author: 'carol',
    recipient: 'frank',
    replyTo: null,
    text: 'what is new?',
    mentions: [],
    key: null,
    createdAt: T0 + 32,
  });
  await sandbox.ensureAccount('dave', T0 + 33);
  await sandbox.like(first.id, 'bob', T0 + 34);
}

/** An account with sealed credentials (stand-in bytes: sealing is secretBox's test), and a paused reason. */
export async function fillPlatforms(platforms: PlatformStore): Promise<void> {
  await platforms.addAccount({
    name: 'news',
    platform: 'rss',
    instance: 'https://example.org/feed.xml',
    sealed: 'v1:c2VhbGVk',
    createdAt: T0 + 40,
    updatedAt: T0 + 41,
  });
  await platforms.setPauseReason('ada', "account 'news': the feed answers HTTP 404");
}
