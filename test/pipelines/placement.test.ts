import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ArtifactRef } from '../../src/artifacts/ref.js';
import type { HubClient } from '../../src/client/hubClient.js';
import type { Handler } from '../../src/worker/handler.js';
import { WorkerAgent } from '../../src/worker/workerAgent.js';
import { quietLog, startTestHub, type TestHub } from '../helpers/inProcessHub.js';

// Placement: a step is offered first to the worker that holds its input bytes. Worker A makes
// files; worker B (more slots) can only read them. Bytes downloaded from the hub are counted with
// placement and without.

const SIZE = 256 * 1024;
const CHAINS = 6;
const scratch = mkdtempSync(join(tmpdir(), 'roost-placement-'));
let h: TestHub;
let client: HubClient;
const agents: WorkerAgent[] = [];
const loops: Array<Promise<void>> = [];
let downloaded = 0;

const make: Handler = {
  kind: 'pl.make',
  run: async (input, ctx) => {
    const { i, round } = (input as { params: { i: number; round: number } }).params;
    return { out: await ctx.artifacts.put(Buffer.alloc(SIZE, `${round}:${i}`), { type: 'application/octet-stream' }) };
  },
};
const size: Handler = {
  kind: 'pl.size',
  run: async (input, ctx) => ({
    n: (await ctx.artifacts.read((input as { inputs: { f: ArtifactRef } }).inputs.f)).length,
  }),
};

/** Holds the maker's one slot until the test lets it go. */
let release!: () => void;
let started!: () => void;
const blocking = new Promise<void>((resolve) => (started = resolve));
const block: Handler = {
  kind: 'pl.block',
  run: () => {
    started();
    return new Promise((resolve) => (release = () => resolve({})));
  },
};

function worker(id: string, handlers: Handler[], concurrency: number): void {
  const agent = new WorkerAgent({
    hub: h.url,
    token: workerToken,
    workerId: id,
    handlers,
    concurrency,
    waitMs: 5000,
    graceMs: 200,
    log: quietLog,
    artifactCacheDir: join(scratch, id),
  });
  agents.push(agent);
  loops.push(agent.start());
}
let workerToken: string;

before(async () => {
  h = await startTestHub({ kinds: ['pl.make', 'pl.size', 'pl.block'], sweepIntervalMs: 0 });
  client = await h.as('client');
  workerToken = (await h.as('worker')).token;
  worker('maker', [make, size, block], 1);
  worker('reader', [size], 4);
  // Every byte a worker downloads from the hub is read through open().
  const artifacts = h.hub.artifacts;
  const open = artifacts.open.bind(artifacts);
  artifacts.open = async (sha256, range) => {
    downloaded += (await artifacts.get(sha256))!.size;
    return open(sha256, range);
  };
});
after(async () => {
  for (const a of agents) await a.stop();
  await Promise.all(loops);
  await h?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs CHAINS make -> size chains; returns the bytes downloaded and which worker ran each size job. */
async function chains(round: number): Promise<{ bytes: number; readers: string[] }> {
  const steps: Record<string, unknown> = {};
  for (let i = 0; i < CHAINS; i++) {
    steps[`make${i}`] = { kind: 'pl.make', params: { i, round }, outputs: ['out'] };
    steps[`size${i}`] = { kind: 'pl.size', inputs: { f: { from: `make${i}.out` } }, outputs: ['n'] };
  }
  const before = downloaded;
  const run = await client.post<{ id: string }>('/v1/pipelines', { name: `placement-${round}`, steps });
  await h.hub.pipelines.settled(run.id);
  const done = await client.get<{
    state: string;
    steps: Array<{ step: string; jobId: string; outputs: { n: number } }>;
  }>(`/v1/pipelines/${run.id}`);
  assert.equal(done.state, 'succeeded', JSON.stringify(done));
  const readers: string[] = [];
  for (const s of done.steps.filter((s) => s.step.startsWith('size'))) {
    assert.equal(s.outputs.n, SIZE);
    readers.push(h.hub.broker.workers.claimedBy(s.jobId)!);
  }
  return { bytes: downloaded - before, readers };
}

test('with placement every read runs where its file was made and nothing is downloaded; without, bytes move', async (t) => {
  const placed = await chains(1);
  assert.deepEqual(placed.readers, Array(CHAINS).fill('maker'));
  assert.equal(placed.bytes, 0);

  h.hub.pipelines.placementMs = 0;
  const unplaced = await chains(2);
  t.diagnostic(
    `bytes downloaded for ${CHAINS} reads of ${SIZE} B: ${placed.bytes} with placement, ${unplaced.bytes} without ` +
      `(readers without: ${unplaced.readers.join(', ')})`,
  );
  assert.equal(unplaced.bytes, SIZE * unplaced.readers.filter((r) => r === 'reader').length);
  assert.ok(unplaced.bytes > 0, 'without placement the idle reader takes some reads and downloads their files');
});

test('a step whose holder stays busy is offered to any worker after the placement time', async () => {
  h.hub.pipelines.placementMs = 300;
  const def = (reader: string) => ({
    name: 'busy-holder',
    steps: {
      make: { kind: 'pl.make', params: { i: 0, round: 3 }, outputs: ['out'] },
      size: { kind: 'pl.size', params: { reader }, inputs: { f: { from: 'make.out' } }, outputs: ['n'] },
    },
  });
  const first = await client.post<{ id: string }>('/v1/pipelines', def('first'));
  await h.hub.pipelines.settled(first.id);
  // The maker made the file and holds it; now its only slot is taken.
  await client.post('/v1/jobs', { kind: 'pl.block', input: {} });
  await blocking;

  const before = downloaded;
  const second = await client.post<{ id: string }>('/v1/pipelines', def('second'));
  await h.hub.pipelines.settled(second.id);
  const run = await client.get<{ state: string; steps: Array<{ step: string; jobId: string; reused: boolean }> }>(
    `/v1/pipelines/${second.id}`,
  );
  release();
  assert.equal(run.state, 'succeeded');
  assert.equal(run.steps[0]!.reused, true, 'make is re-used');
  const size = run.steps[1]!;
  assert.equal(h.hub.broker.workers.claimedBy(size.jobId), 'reader');
  assert.equal(downloaded - before, SIZE, 'the reader downloaded the file');
  const jobs = await client.get<{ jobs: Array<{ key: string | null; state: string }> }>(
    '/v1/jobs?kind=pl.size&limit=50',
  );
  const placed = jobs.jobs.filter((j) => j.key?.endsWith('@maker') && j.key.includes(second.id));
  assert.deepEqual(
    placed.map((j) => j.state),
    ['cancelled'],
    'the offer to the busy maker was withdrawn',
  );
});
