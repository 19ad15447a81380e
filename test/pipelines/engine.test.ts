import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { HubClient } from '../../src/client/hubClient.js';
import type { WorkerAgent } from '../../src/worker/workerAgent.js';
import { PIPELINE_KINDS, pipelineWorker, ran, uploadText } from '../fixtures/pipelineHandlers.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

// Pipelines on a real hub with a real worker: what re-runs when an input changes, early cutoff,
// and cycles that reach a fixed point or fail naming what kept changing.

let h: TestHub;
let client: HubClient;
let worker: WorkerAgent;
let loop: Promise<void>;
const scratch = mkdtempSync(join(tmpdir(), 'roost-pipelines-'));

before(async () => {
  h = await startTestHub({ kinds: PIPELINE_KINDS, sweepIntervalMs: 0 });
  client = await h.as('client');
  worker = pipelineWorker(h.url, (await h.as('worker')).token, 'pl-w1', join(scratch, 'cache'));
  loop = worker.start();
});
after(async () => {
  await worker?.stop();
  await loop;
  await h?.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface StepView {
  step: string;
  state: string;
  reused: boolean;
  reason: string | null;
  rounds: number;
  error: string | null;
  outputs: Record<string, unknown> | null;
}
interface RunView {
  id: string;
  state: string;
  error: string | null;
  steps: StepView[];
}

/** Runs a pipeline to its end; returns the run and how many jobs each kind ran meanwhile. */
async function runPipeline(def: unknown): Promise<{ run: RunView; jobs: Record<string, number> }> {
  const before = { ...ran };
  const started = await client.post<RunView>('/v1/pipelines', def);
  await h.hub.pipelines.settled(started.id);
  const run = await client.get<RunView>(`/v1/pipelines/${started.id}`);
  const jobs: Record<string, number> = {};
  for (const [k, n] of Object.entries(ran)) if (n !== (before[k] ?? 0)) jobs[k] = n - (before[k] ?? 0);
  return { run, jobs };
}
const step = (run: RunView, name: string) => run.steps.find((s) => s.step === name)!;

test('a second run re-uses every step; after one input changes, only the steps it reaches run', async () => {
  const a = await uploadText(client, 'alpha');
  const b = await uploadText(client, 'bravo');
  const def = (first: unknown, second: unknown) => ({
    name: 'incremental',
    steps: {
      upA: { kind: 'pl.upper', inputs: { text: { artifact: first, file: 'a.txt' } }, outputs: ['out'] },
      lenA: { kind: 'pl.length', inputs: { text: { from: 'upA.out' } }, outputs: ['n'] },
      upB: { kind: 'pl.upper', inputs: { text: { artifact: second, file: 'b.txt' } }, outputs: ['out'] },
    },
  });
  const one = await runPipeline(def(a, b));
  assert.equal(one.run.state, 'succeeded', JSON.stringify(one.run));
  assert.deepEqual(one.jobs, { 'pl.upper': 2, 'pl.length': 1 });
  assert.deepEqual(step(one.run, 'lenA').outputs, { n: 5 });

  const two = await runPipeline(def(a, b));
  assert.equal(two.run.state, 'succeeded');
  assert.deepEqual(two.jobs, {}, 'nothing changed, so no job ran');
  assert.ok(two.run.steps.every((s) => s.reused));

  const b2 = await uploadText(client, 'bravissimo');
  const three = await runPipeline(def(a, b2));
  assert.equal(three.run.state, 'succeeded');
  assert.deepEqual(three.jobs, { 'pl.upper': 1 }, 'only upB reads the changed file');
  assert.equal(step(three.run, 'upB').reused, false);
  assert.equal(step(three.run, 'upB').reason, 'input changed: text (file b.txt)');
  assert.equal(step(three.run, 'upA').reused, true);
  assert.equal(step(three.run, 'lenA').reused, true);
});

test('early cutoff: a step that re-runs to the same output hash leaves its dependants alone', async () => {
  const def = (text: unknown, stampParams = {}) => ({
    name: 'cutoff',
    steps: {
      len: { kind: 'pl.length', inputs: { text: { artifact: text } }, outputs: ['n'] },
      // Its builtAt changes every run and does not count as a change.
      stamp: {
        kind: 'pl.stamp',
        params: stampParams,
        inputs: { n: { from: 'len.n' } },
        outputs: ['out'],
        ignore: ['out.builtAt'],
      },
      pick: { kind: 'pl.pick', inputs: { x: { from: 'stamp.out' } }, outputs: ['v'] },
    },
  });
  const one = await runPipeline(def((await uploadText(client, 'four')).$artifact));
  assert.equal(one.run.state, 'succeeded', JSON.stringify(one.run));
  assert.deepEqual(one.jobs, { 'pl.length': 1, 'pl.stamp': 1, 'pl.pick': 1 });
  assert.deepEqual(step(one.run, 'pick').outputs, { v: 4 });

  // Another text of the same length: len re-runs and gives 4 again, so stamp and pick do not run.
  const five = (await uploadText(client, 'five')).$artifact;
  const two = await runPipeline(def(five));
  assert.deepEqual(two.jobs, { 'pl.length': 1 });
  assert.equal(step(two.run, 'len').reused, false);
  assert.equal(step(two.run, 'stamp').reused, true);
  assert.match(step(two.run, 'stamp').reason!, /^early cutoff: len re-ran but gave the same output/);

  // New parameters re-run stamp; its new builtAt is declared no change, so pick is not run.
  const three = await runPipeline(def(five, { note: 'v2' }));
  assert.deepEqual(three.jobs, { 'pl.stamp': 1 });
  assert.equal(step(three.run, 'stamp').reason, 'its kind or parameters changed');
  assert.notDeepEqual(step(three.run, 'stamp').outputs, step(two.run, 'stamp').outputs, 'a new builtAt');
  assert.equal(step(three.run, 'pick').reused, true);
  assert.match(step(three.run, 'pick').reason!, /^early cutoff: stamp re-ran/);
});

test('a cycle runs to its fixed point: the table of contents needs a second pass, the third is re-used', async () => {
  const source = await uploadText(client, '# Intro\nhello\n# Method\nworld\n');
  const def = {
    name: 'document',
    steps: {
      typeset: {
        kind: 'pl.toc',
        inputs: { source: { artifact: source }, aux: { from: 'typeset.aux', initial: null } },
        outputs: ['doc', 'aux'],
      },
      length: { kind: 'pl.length', inputs: { text: { from: 'typeset.doc' } }, outputs: ['n'] },
    },
  };
  const { run, jobs } = await runPipeline(def);
  assert.equal(run.state, 'succeeded', JSON.stringify(run));
  // Pass 1 writes the aux, pass 2 reads it; pass 3 has pass 2's identity, so it is re-used.
  assert.deepEqual(jobs, { 'pl.toc': 2, 'pl.length': 1 });
  const typeset = step(run, 'typeset');
  assert.equal(typeset.rounds, 3);
  assert.equal((typeset.outputs!.doc as string).split('\n\n')[0], '# Intro\n# Method');

  assert.equal(typeset.reused, false);
  assert.equal(typeset.reason, 'reached its fixed point: round 3 reads what round 2 read');

  const again = await runPipeline(def);
  assert.deepEqual(again.jobs, {}, 'every round of the cycle is found by its identity');
  assert.equal(step(again.run, 'typeset').reused, true);
});

test('a cycle that never reaches a fixed point fails after maxRounds, naming the outputs still changing', async () => {
  const { run, jobs } = await runPipeline({
    name: 'runaway',
    maxRounds: 4,
    steps: {
      count: { kind: 'pl.count', inputs: { n: { from: 'count.n', initial: 0 } }, outputs: ['n'] },
      after: { kind: 'pl.pick', inputs: { x: { from: 'count.n' } }, outputs: ['v'] },
    },
  });
  assert.equal(run.state, 'failed');
  assert.equal(run.error, 'the cycle count did not converge in 4 rounds; outputs still changing: count.n');
  assert.deepEqual(jobs, { 'pl.count': 4 });
  assert.equal(step(run, 'count').state, 'failed');
  assert.equal(step(run, 'after').state, 'skipped');
  assert.equal(step(run, 'after').reason, 'not run: count did not succeed');
});
