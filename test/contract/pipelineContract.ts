import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  openPipelineStore,
  type PipelineStore,
  type RunRecord,
  type StepRecord,
} from '../../src/pipelines/pipelineStore.js';
import type { Store } from '../../src/store/store.js';
import type { StoreFactory } from './storeContract.js';

const def = {
  name: 'doc',
  maxRounds: 10,
  steps: {
    a: { kind: 'k.a', inputs: {}, outputs: ['out'] },
    b: { kind: 'k.b', inputs: { x: { from: 'a.out' } }, outputs: ['n'] },
  },
};

function run(id: string, over: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    name: 'doc',
    state: 'running',
    definition: def,
    error: null,
    createdBy: null,
    createdAt: 1,
    updatedAt: 1,
    finishedAt: null,
    ...over,
  };
}
function step(name: string, over: Partial<StepRecord> = {}): StepRecord {
  return {
    step: name,
    state: 'pending',
    identity: null,
    reused: false,
    reason: null,
    rounds: 0,
    jobId: null,
    inputHashes: null,
    outputs: null,
    outputHashes: null,
    error: null,
    updatedAt: 1,
    ...over,
  };
}

/** The pipeline tables (runs, their steps, results by identity) on every store adapter. */
export function pipelineContract(factory: StoreFactory): void {
  describe(`pipeline store contract: ${factory.name}`, () => {
    let store: Store;
    let p: PipelineStore;
    before(async () => {
      store = await factory.open();
      p = openPipelineStore(store);
    });
    after(() => store.close());

    test('a run and its steps are read back as written; a step is replaced by its next record', async () => {
      await p.createRun(run('run_1'), [step('b'), step('a')]);
      const done = step('a', {
        state: 'succeeded',
        identity: 'i'.repeat(64),
        reused: true,
        reason: 'its identity already succeeded',
        rounds: 3,
        jobId: 'job_1',
        inputHashes: { x: 'h' },
        outputs: { out: { $artifact: `sha256:${'a'.repeat(64)}`, size: 1, type: 'text/plain' }, big: 2 ** 53 - 1 },
        outputHashes: { out: 'a'.repeat(64) },
        updatedAt: 5,
      });
      await p.saveStep('run_1', done);
      const got = await p.getRun('run_1');
      assert.deepEqual(got?.run, run('run_1'));
      assert.deepEqual(got?.steps, [done, step('b')], 'steps in declaration order');
      assert.equal(await p.getRun('run_none'), null);
    });

    test('finishing a run sets its end once; running runs are listed to resume; runs list newest first', async () => {
      await p.createRun(run('run_2'), []);
      await p.createRun(run('run_3'), []);
      assert.deepEqual(await p.runningRuns(), ['run_1', 'run_2', 'run_3']);
      await p.finishRun('run_2', 'cancelled', 'cancelled', 7);
      await p.finishRun('run_2', 'succeeded', null, 8);
      const two = (await p.getRun('run_2'))!.run;
      assert.deepEqual([two.state, two.error, two.finishedAt], ['cancelled', 'cancelled', 7]);
      assert.deepEqual(await p.runningRuns(), ['run_1', 'run_3']);
      assert.deepEqual(
        (await p.listRuns(2, null)).map((r) => r.id),
        ['run_3', 'run_2'],
      );
      assert.deepEqual(
        (await p.listRuns(2, 'run_2')).map((r) => r.id),
        ['run_1'],
      );
    });

    test('the previous run of the same name gives its steps; a result is kept by identity, the first one stays', async () => {
      assert.deepEqual((await p.previousSteps('doc', 'run_2')).map((s) => s.step).sort(), ['a', 'b']);
      assert.deepEqual(await p.previousSteps('doc', 'run_1'), []);
      assert.deepEqual(await p.previousSteps('other', 'run_9'), []);
      const result = { outputs: { n: 1 }, outputHashes: { n: 'h1' }, jobId: 'job_9' };
      await p.saveResult('id1', 'k.b', result, 1);
      await p.saveResult('id1', 'k.b', { ...result, jobId: 'job_10' }, 2);
      assert.deepEqual(await p.findResult('id1'), result);
      assert.equal(await p.findResult('id2'), null);
    });
  });
}
