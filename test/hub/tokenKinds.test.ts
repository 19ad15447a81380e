import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HubClient, HubError } from '../../src/client/hubClient.js';
import { roost } from '../cli/roostCli.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

// Isolation between tokens: a worker token created with `kinds` may offer (and so claim) only those
// kinds; a token created without stays as before, serving any kind. Both stores, by the test pass.

let h: TestHub;
before(async () => {
  h = await startTestHub();
});
after(() => h.close());

const claim = (w: HubClient, kinds: string[]) =>
  w.post<{ tasks: Array<{ kind: string }> }>('/v1/worker/claim', {
    workerId: `w-${kinds.join('-')}`,
    capabilities: kinds.map((kind) => ({ kind })),
    max: 10,
    waitMs: 0,
  });

test('a worker token confined to kinds claims those and is refused others, naming capabilities', async () => {
  const created = await h.admin.post<{ token: string; kinds: string[] | null; id: string }>('/v1/tokens', {
    name: 'partner gpu',
    scope: 'worker',
    kinds: ['test.echo'],
  });
  assert.deepEqual(created.kinds, ['test.echo']);
  const listed = (await h.admin.get<{ tokens: Array<{ id: string; kinds: string[] | null }> }>('/v1/tokens')).tokens;
  assert.deepEqual(listed.find((t) => t.id === created.id)!.kinds, ['test.echo']);

  const client = await h.as('client');
  await client.post('/v1/jobs', { kind: 'test.echo', input: 1 });
  await client.post('/v1/jobs', { kind: 'test.sleep', input: { ms: 1 } });
  const confined = new HubClient(h.url, created.token);
  await assert.rejects(
    claim(confined, ['test.echo', 'test.sleep']),
    (e: HubError) => e.status === 403 && e.field === 'capabilities' && /test\.sleep/.test(e.message),
  );
  const { tasks } = await claim(confined, ['test.echo']);
  assert.deepEqual(
    tasks.map((t) => t.kind),
    ['test.echo'],
  );
  // The default is unchanged: a worker token made without kinds serves any.
  const open = await h.as('worker');
  assert.deepEqual(
    (await claim(open, ['test.sleep'])).tasks.map((t) => t.kind),
    ['test.sleep'],
  );
});

test('only a worker token may be confined to kinds: 400 naming kinds, and the CLI names --kinds', async () => {
  await assert.rejects(
    h.admin.post('/v1/tokens', { name: 'c', scope: 'client', kinds: ['test.echo'] }),
    (e: HubError) => e.status === 400 && e.field === 'kinds',
  );
  await assert.rejects(
    h.admin.post('/v1/tokens', { name: 'w', scope: 'worker', kinds: ['bad kind!'] }),
    (e: HubError) => e.status === 400 && /^kinds/.test(e.field ?? ''),
  );
  const ok = await roost([
    'token',
    'create',
    'cli gpu',
    '--scope',
    'worker',
    '--kinds',
    'test.echo,test.sleep',
    '--hub',
    h.url,
    '--token',
    h.adminToken,
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /confined to kinds test\.echo, test\.sleep/);
  const bad = await roost([
    'token',
    'create',
    'x',
    '--scope',
    'client',
    '--kinds',
    'a',
    '--hub',
    h.url,
    '--token',
    h.adminToken,
  ]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--kinds/);
});
