import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import type { WorkerAgent } from '../../src/worker/workerAgent.js';
import { PIPELINE_KINDS, pipelineWorker, ran } from '../fixtures/pipelineHandlers.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { BIN } from './roostCli.js';

// `roost pipeline run --watch`: a change to one input file runs the pipeline again, and only the
// step that reads it runs a job.

const dir = mkdtempSync(join(tmpdir(), 'roost-pipeline-watch-'));
let h: TestHub;
let worker: WorkerAgent;
let loop: Promise<void>;

before(async () => {
  h = await startTestHub({ kinds: PIPELINE_KINDS, sweepIntervalMs: 0 });
  worker = pipelineWorker(h.url, (await h.as('worker')).token, 'watch-w1', join(dir, 'cache'));
  loop = worker.start();
});
after(async () => {
  await worker?.stop();
  await loop;
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  state: string;
  steps: Array<{ step: string; reused: boolean; reason: string }>;
}

test(
  '--watch runs again after an input file changes, and only the step reading it re-runs',
  { timeout: 60_000 },
  async () => {
    writeFileSync(join(dir, 'a.txt'), 'alpha');
    writeFileSync(join(dir, 'b.txt'), 'bravo');
    writeFileSync(
      join(dir, 'pipeline.json'),
      JSON.stringify({
        name: 'watched',
        steps: {
          upA: { kind: 'pl.upper', inputs: { text: { file: 'a.txt' } }, outputs: ['out'] },
          lenA: { kind: 'pl.length', inputs: { text: { from: 'upA.out' } }, outputs: ['n'] },
          upB: { kind: 'pl.upper', inputs: { text: { file: 'b.txt' } }, outputs: ['out'] },
        },
      }),
    );
    const { token } = await h.as('client');
    const child = spawn(
      process.execPath,
      [
        BIN,
        'pipeline',
        'run',
        join(dir, 'pipeline.json'),
        '--watch',
        '--json',
        '--debounce',
        '100ms',
        '--hub',
        h.url,
        '--token',
        token,
      ],
      { cwd: packageRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const next = async () => JSON.parse((await lines.next()).value as string) as Run;
      const first = await next();
      assert.equal(first.state, 'succeeded');
      const before = { ...ran };

      writeFileSync(join(dir, 'b.txt'), 'bravissimo');
      const second = await next();
      assert.equal(second.state, 'succeeded');
      assert.deepEqual(
        second.steps.map((s) => [s.step, s.reused]),
        [
          ['upA', true],
          ['lenA', true],
          ['upB', false],
        ],
      );
      assert.equal(second.steps[2]!.reason, 'input changed: text (file b.txt)');
      assert.equal(ran['pl.upper']! - before['pl.upper']!, 1, 'one job: upB');
      assert.equal(ran['pl.length'], before['pl.length']);
    } finally {
      child.kill();
    }
  },
);
