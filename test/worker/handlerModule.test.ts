import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import type { Job, Task } from '../../src/types.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { cleanupProcesses, dumpOnFailure, makeTempDir, startWorkerProcess } from '../helpers/processes.js';
import { until } from '../bots/botHelpers.js';

// A handler module kept outside the checkout imports the public entry `roost/worker`, as
// docs/protocol.md tells it to, and a `roost worker` process serves it.

let h: TestHub;
before(async () => {
  h = await startTestHub({ kinds: ['ext.check'] });
});
after(async () => {
  await cleanupProcesses();
  await h.close();
});

test('a handler module outside the checkout imports roost/worker and is served; its NonRetryableError is recognised', async () => {
  await dumpOnFailure(async () => {
    const dir = makeTempDir('roost-handlers-');
    const file = join(dir, 'handlers.mjs');
    writeFileSync(
      file,
      `import { NonRetryableError } from 'roost/worker';
export default {
  'ext.check': (input) => {
    if (input.bad) throw new NonRetryableError('bad input: ' + input.bad);
    return { ok: true };
  },
};
`,
    );
    const worker = await h.as('worker');
    await startWorkerProcess({ url: h.url, token: worker.token, handlers: file });
    const good = await h.admin.post<Job>('/v1/jobs', { kind: 'ext.check', input: {} });
    const bad = await h.admin.post<Job>('/v1/jobs', { kind: 'ext.check', input: { bad: 'x' }, maxAttempts: 3 });
    const finished = (id: string) =>
      until(`job ${id} finished`, async () => {
        const job = await h.admin.get<Job>(`/v1/jobs/${id}`);
        return job.state === 'succeeded' || job.state === 'failed' ? job : undefined;
      });
    assert.equal((await finished(good.id)).state, 'succeeded');
    assert.equal((await finished(bad.id)).state, 'failed');
    const { tasks } = await h.admin.get<{ tasks: Task[] }>(`/v1/jobs/${bad.id}/tasks`);
    assert.deepEqual(
      tasks.map((t) => [t.state, t.attempt]),
      [['dead', 1]],
      'dead after one attempt: not retried',
    );
    assert.match(tasks[0]!.error!, /bad input: x/);
  });
});

test('roost/worker carries types: a TypeScript handler module type-checks against it, and a wrong one does not', () => {
  // As a project that installed Roost sees it: node_modules/roost is the package.
  const dir = makeTempDir('roost-handlers-ts-');
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(packageRoot, join(dir, 'node_modules', 'roost'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const check = (body: string) => {
    writeFileSync(
      join(dir, 'handlers.ts'),
      `import { NonRetryableError, type Handler } from 'roost/worker';\n${body}\n`,
    );
    const tsc = join(packageRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck'];
    return spawnSync(process.execPath, [tsc, ...args, join(dir, 'handlers.ts')], { cwd: dir, encoding: 'utf8' });
  };
  const good = check(
    `export const h: Handler = { kind: 'ext.ts', run: (input, ctx) => { if (ctx.attempt > 1) throw new NonRetryableError('x'); return input; } };`,
  );
  assert.equal(good.status, 0, good.stdout + good.stderr);
  const wrong = check(`export const h: Handler = { kind: 'ext.ts', run: (input, ctx) => ctx.attemptz };`);
  assert.notEqual(wrong.status, 0, 'a misspelt context field must not type-check');
  assert.match(wrong.stdout, /attemptz/);
});
