import assert from 'node:assert/strict';
import { after, before, mock, test } from 'node:test';
import { pino } from 'pino';
import { HubError, HubClient } from '../../src/client/hubClient.js';
import { LogSink } from '../../src/hub/logSink.js';
import { createLogger } from '../../src/log.js';
import { LogShipper } from '../../src/worker/logShipper.js';
import { roost } from '../cli/roostCli.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { pollUntil } from '../faults/support.js';

// The kept log (`roost logs`, GET /v1/logs): the hub's warn and error lines, the requests it
// answered 4xx/5xx, and the lines its workers send, in the store (either, by the test pass).

interface Kept {
  id: string;
  at: number;
  level: string;
  source: string;
  msg: string;
  data: Record<string, any> | null;
}

let h: TestHub;
before(async () => {
  const logs = new LogSink();
  h = await startTestHub({ logRetentionMs: 20_000 }, pino({ level: 'warn' }, logs), logs);
});
after(() => h.close());

const kept = async (query = '') => (await h.admin.get<{ logs: Kept[] }>(`/v1/logs${query}`)).logs;

test("a 500's reply carries an id that finds its log line, over HTTP and with roost logs", async () => {
  const client = await h.as('client');
  const { id: jobId } = await client.post<{ id: string }>('/v1/jobs', { kind: 'test.echo', input: 1 });
  // A fault of the hub's own (a bug), injected where the route calls the broker.
  const wait = mock.method(h.hub.broker.jobs, 'wait', async () => {
    throw new Error('an injected fault');
  });
  const e = await client.get(`/v1/jobs/${jobId}`).catch((x: unknown) => x);
  wait.mock.restore();
  assert.ok(e instanceof HubError && e.status === 500, String(e));
  const { id } = (e.body as { error: { id: string; message: string } }).error;
  assert.match(id, /^[0-9a-f]{24}$/);
  assert.match(e.message, new RegExp(id));

  const [line, ...more] = await kept(`?id=${id}`);
  assert.equal(more.length, 0);
  assert.equal(line!.level, 'error');
  assert.equal(line!.msg, 'request failed');
  assert.equal(line!.data!.err.message, 'an injected fault');
  assert.equal(line!.data!.route, '/v1/jobs/:id');

  const cli = await roost(['logs', '--hub', h.url, '--token', h.adminToken, '--id', id, '--json']);
  assert.equal(cli.code, 0, cli.stderr);
  const printed = cli.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Kept);
  assert.deepEqual(
    printed.map((l) => [l.id, l.msg]),
    [[id, 'request failed']],
  );
  const text = await roost(['logs', '--hub', h.url, '--token', h.adminToken, '--level', 'error']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`error hub request failed .*an injected fault.*\\[${id}\\]`));
});

test('requests answered 4xx and 5xx are kept with route, status, token id and duration', async () => {
  const client = await h.as('client');
  const me = (await h.admin.get<{ tokens: Array<{ id: string; name: string }> }>('/v1/tokens')).tokens.at(-1)!;
  await assert.rejects(client.get('/v1/jobs/no-such-job'), (e: HubError) => e.status === 404);
  const lines = await kept('?level=info');
  const line = lines.find((l) => l.msg === 'GET /v1/jobs/:id 404');
  assert.ok(line, JSON.stringify(lines.map((l) => l.msg)));
  assert.equal(line.level, 'info');
  assert.equal(line.data!.status, 404);
  assert.equal(line.data!.route, '/v1/jobs/:id');
  assert.equal(line.data!.tokenId, me.id);
  assert.equal(typeof line.data!.durationMs, 'number');
  // Answered 2xx: not kept. Filtered by level: the 404 is info, below warn.
  assert.equal(lines.filter((l) => l.msg.startsWith('POST /v1/jobs ')).length, 0);
  assert.equal((await kept('?level=warn')).filter((l) => l.msg === 'GET /v1/jobs/:id 404').length, 0);
  await assert.rejects(h.admin.get('/v1/logs?level=loud'), (e: HubError) => e.status === 400 && e.field === 'level');
  await assert.rejects(client.get('/v1/logs'), (e: HubError) => e.status === 403);
});

test("a worker's warn and error lines reach the kept log in batches", async () => {
  const worker = await h.as('worker');
  const shipper = new LogShipper('gpu-box');
  const log = createLogger('silent', 'roost-worker', shipper);
  shipper.start(new HubClient(h.url, worker.token));
  log.info('not kept');
  log.warn({ kind: 'img.gen' }, 'slow handler');
  log.error({ err: new Error('out of memory') }, 'handler failed');
  await pollUntil(
    'the lines arrive',
    async () => (await kept('?level=warn')).some((l) => l.msg === 'handler failed'),
    10_000,
    50,
  );
  await shipper.close();
  const lines = (await kept('?level=info')).filter((l) => l.source === 'worker gpu-box');
  assert.deepEqual(
    lines.map((l) => [l.level, l.msg]),
    [
      ['warn', 'slow handler'],
      ['error', 'handler failed'],
    ],
  );
  assert.equal(lines[1]!.data!.err.message, 'out of memory');
  await assert.rejects(
    worker.post('/v1/logs', { lines: [{ at: Date.now(), level: 'loud', msg: 'x' }] }),
    (e: HubError) => e.status === 400 && /lines/.test(e.field ?? ''),
  );
});

test('lines of one millisecond come back in the order they were sent', async () => {
  const worker = await h.as('worker');
  const at = Date.now();
  const msgs = Array.from({ length: 20 }, (_, i) => `step ${i}`);
  await worker.post('/v1/logs', { source: 'ordered', lines: msgs.map((msg) => ({ at, level: 'warn', msg })) });
  await pollUntil(
    'the lines are written',
    async () => (await kept('?level=warn')).filter((l) => l.source === 'worker ordered').length === 20,
    10_000,
    50,
  );
  const lines = (await kept('?level=warn')).filter((l) => l.source === 'worker ordered');
  assert.deepEqual(
    lines.map((l) => l.msg),
    msgs,
  );
});

test('lines older than logRetentionMs are deleted', async () => {
  const worker = await h.as('worker');
  const now = Date.now();
  await worker.post('/v1/logs', {
    source: 'old',
    lines: [
      { at: now - 60_000, level: 'error', msg: 'from a minute ago' },
      { at: now, level: 'error', msg: 'fresh' },
    ],
  });
  await pollUntil(
    'the old line is pruned',
    async () => {
      const msgs = (await kept('?level=error')).filter((l) => l.source === 'worker old').map((l) => l.msg);
      assert.ok(msgs.includes('fresh'), 'the fresh line is kept');
      return !msgs.includes('from a minute ago');
    },
    10_000,
    100,
  );
});
