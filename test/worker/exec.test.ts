import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WorkerAgent } from '../../src/worker/workerAgent.js';
import { execHandlers } from '../../src/worker/backends/exec.js';
import type { JobEvent } from '../../src/types.js';
import { quietLog, startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { within } from '../fixtures/apiHandlers.js';
import { packageRoot } from '../../src/paths.js';

// `roost worker --exec 'python3 handler.py'` against a real Python 3 script (test/fixtures/pyHandler.py)
// that speaks the JSON Lines protocol of docs/python-handlers.md with no Roost library.

const SCRIPT = join(packageRoot, 'test/fixtures/pyHandler.py');

async function withPythonWorker(fn: (h: TestHub, pid: () => number | undefined) => Promise<void>): Promise<void> {
  const h = await startTestHub({ kinds: ['py.upper', 'py.fail', 'py.crash', 'py.sleep'] });
  const { handlers, process } = await execHandlers(`exec python3 ${SCRIPT}`, quietLog);
  const agent = new WorkerAgent({
    hub: h.url,
    token: (await h.as('worker')).token,
    handlers,
    concurrency: 4,
    waitMs: 2000,
    graceMs: 200,
    log: quietLog,
  });
  const loop = agent.start();
  try {
    await fn(h, () => process.pid);
  } finally {
    await agent.stop();
    await loop;
    await process.stop();
    await h.close();
  }
}

async function until<T>(read: () => Promise<T | undefined> | T | undefined, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a Python handler runs variants, streams partials and returns results', { timeout: 30_000 }, async () => {
  await withPythonWorker(async (h, pid) => {
    const { job } = await h.hub.broker.jobs.submit({ kind: 'py.upper', input: { text: 'ahoy' }, variants: 3, seed: 7 });
    const partials = new Map<string, string>();
    h.hub.broker.events.subscribe(job.id, {
      event: (e: JobEvent) => {
        if (e.type === 'progress') partials.set(e.taskId, (partials.get(e.taskId) ?? '') + String(e.partial));
      },
      close() {},
    });
    const done = await h.hub.broker.jobs.wait(job.id, undefined, 20_000);
    assert.equal(done.job.state, 'succeeded');
    assert.deepEqual(done.results.map((r) => (r.output as any).seed).sort(), [7, 8, 9]);
    for (const r of done.results) {
      assert.equal((r.output as any).text, 'AHOY');
      assert.equal((r.output as any).pid, pid(), 'every task ran in the one kept process');
    }
    // Progress lines become progress reports; partials reach watchers (one HTTP call each, so
    // the last may trail the result: wait for them).
    await until(() => ([...partials.values()].some((p) => p.length === 4) ? true : undefined), 'the partials');
    assert.ok([...partials.values()].some((p) => [...p].sort().join('') === 'AHOY'));
  });
});

test('an error line with retryable false fails the job at once', { timeout: 30_000 }, async () => {
  await withPythonWorker(async (h) => {
    const { job } = await h.hub.broker.jobs.submit({ kind: 'py.fail', input: {}, maxAttempts: 3 });
    const done = await h.hub.broker.jobs.wait(job.id, undefined, 20_000);
    assert.equal(done.job.state, 'failed');
    const [task] = await h.hub.broker.store.listTasks(job.id);
    assert.equal(task!.attempt, 1, 'not retried');
    assert.match(String(task!.error), /input.text must be a string/);
  });
});

test('the process dying fails its task retryably, and a new process runs the retry', { timeout: 30_000 }, async () => {
  await withPythonWorker(async (h, pid) => {
    const first = pid();
    const { job } = await h.hub.broker.jobs.submit({
      kind: 'py.crash',
      input: {},
      maxAttempts: 3,
      backoff: { delayMs: 10, jitter: false },
    });
    const done = await h.hub.broker.jobs.wait(job.id, undefined, 20_000);
    assert.equal(done.job.state, 'succeeded');
    const out = done.results[0]!.output as { attempt: number; pid: number };
    assert.equal(out.attempt, 2);
    assert.notEqual(out.pid, first, 'the retry ran in a restarted process');
  });
});

test('cancelling a job sends cancel lines to the process, for tasks running at once', { timeout: 30_000 }, async () => {
  await withPythonWorker(async (h) => {
    const dir = mkdtempSync(join(tmpdir(), 'roost-py-'));
    const { job } = await h.hub.broker.jobs.submit({
      kind: 'py.sleep',
      input: { marker: join(dir, 'cancelled') },
      variants: 2,
      leaseMs: 600,
    });
    await until(
      async () => ((await h.hub.broker.jobs.get(job.id)).counts.leased === 2 ? true : undefined),
      'both leased',
    );
    await h.hub.broker.jobs.cancel(job.id);
    // The worker hears of the cancel on its next heartbeat (every 200 ms here) and tells the script.
    const markers = [0, 1].map((i) => join(dir, `cancelled${i}`));
    await within(
      until(() => (markers.every((m) => existsSync(m)) ? true : undefined), 'both cancel markers'),
      10_000,
      'the script to see both cancels',
    );
    assert.equal(readFileSync(markers[0]!, 'utf8'), 'cancelled');
  });
});
