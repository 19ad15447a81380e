import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HubClient } from '../../src/client/hubClient.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { assertErrorBody, refused, send } from '../fixtures/apiHandlers.js';

// Who may call what: 401 without a valid token, 403 with a token of the wrong scope, and tokens
// whose secret is shown once and never again.

let h: TestHub;
let client: HubClient;
let worker: HubClient;
const claimBody = { workerId: 'auth-w', capabilities: [{ kind: 'auth.only' }], max: 1, waitMs: 0 };

before(async () => {
  h = await startTestHub({ kinds: ['auth.only'] });
  client = await h.as('client');
  worker = await h.as('worker');
});
after(() => h.close());

test('/v1/health answers without a token', async () => {
  const r = await send(h.url, 'GET', '/v1/health');
  assert.equal(r.status, 200);
  assert.equal(r.json.ok, true);
});

test('no Authorization header: 401 with a message saying what to send', async () => {
  const anonymous = new HubClient(h.url, undefined);
  const calls = [
    () => anonymous.get('/v1/jobs'),
    () => anonymous.post('/v1/jobs', { kind: 'auth.only', input: 1 }),
    () => anonymous.post('/v1/worker/claim', claimBody),
    () => anonymous.get('/v1/tokens'),
  ];
  for (const call of calls) {
    const e = await refused(call(), 401, { code: 'unauthorized' });
    assert.match(e.message, /Authorization/);
  }
});

test('a header that is not "Bearer <token>" is 401', async () => {
  const r = await send(h.url, 'GET', '/v1/jobs', { authorization: `Token ${client.token}` });
  assert.equal(r.status, 401);
  assertErrorBody(r.json);
});

test('unknown or mistyped tokens are 401', async () => {
  const good = client.token!;
  // Same id, wrong secret; a token of the right shape that does not exist; garbage.
  const wrongSecret = good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  const unknownId = 'roost_000000000000_' + good.split('_').slice(2).join('_');
  for (const token of [wrongSecret, unknownId, 'roost_nope', 'not-a-token']) {
    const e = await refused(new HubClient(h.url, token).get('/v1/jobs'), 401, { code: 'unauthorized' });
    assert.ok(e.message.length > 0);
  }
});

test('a revoked token is refused with 401 at once', async () => {
  const created = await h.admin.post<any>('/v1/tokens', { name: 'to revoke', scope: 'client' });
  const c = new HubClient(h.url, created.token);
  await c.get('/v1/jobs');
  assert.deepEqual(await h.admin.request('DELETE', `/v1/tokens/${created.id}`), { revoked: created.id });
  await refused(c.get('/v1/jobs'), 401, { code: 'unauthorized' });
  // Revoking twice: the token is no longer active.
  await refused(h.admin.request('DELETE', `/v1/tokens/${created.id}`), 404, { code: 'not_found' });
  const listed = (await h.admin.get<any>('/v1/tokens')).tokens.find((t: any) => t.id === created.id);
  assert.equal(typeof listed.revokedAt, 'number');
});

test('a worker token cannot submit jobs: 403 naming the scope needed', async () => {
  const e = await refused(worker.post('/v1/jobs', { kind: 'auth.only', input: 1 }), 403, { code: 'forbidden' });
  assert.match(e.message, /\bclient\b/);
  assert.match(e.message, /\bworker\b/, 'says which scope the token has');
});

test('a client token cannot claim tasks or list tokens: 403', async () => {
  const e1 = await refused(client.post('/v1/worker/claim', claimBody), 403, { code: 'forbidden' });
  assert.match(e1.message, /\bworker\b/);
  const e2 = await refused(client.get('/v1/tokens'), 403, { code: 'forbidden' });
  assert.match(e2.message, /\badmin\b/);
  await refused(client.post('/v1/tokens', { name: 'x', scope: 'admin' }), 403, { code: 'forbidden' });
  await refused(worker.get('/v1/tokens'), 403, { code: 'forbidden' });
});

test('an admin token may submit, claim and manage tokens', async () => {
  const r = await send(h.url, 'POST', '/v1/jobs', { token: h.adminToken, body: { kind: 'auth.only', input: 'admin' } });
  assert.equal(r.status, 201);
  const tasks = (await h.admin.post<any>('/v1/worker/claim', { ...claimBody, workerId: 'auth-admin' })).tasks;
  assert.equal(tasks.length, 1);
  assert.equal(tasks[0].jobId, r.json.id);
  assert.ok(Array.isArray((await h.admin.get<any>('/v1/tokens')).tokens));
});

test('a bot token may submit jobs but not claim', async () => {
  const bot = await h.as('bot');
  const r = await send(h.url, 'POST', '/v1/jobs', { token: bot.token, body: { kind: 'auth.only', input: 'bot' } });
  assert.equal(r.status, 201);
  await refused(bot.post('/v1/worker/claim', claimBody), 403, { code: 'forbidden' });
});

test('creating a token shows its secret once; listing never shows secrets or hashes', async () => {
  const r = await send(h.url, 'POST', '/v1/tokens', {
    token: h.adminToken,
    body: { name: 'ci runner', scope: 'worker' },
  });
  assert.equal(r.status, 201);
  assert.equal(typeof r.json.token, 'string');
  assert.ok(r.json.token.startsWith('roost_'), r.json.token);
  assert.equal(r.json.name, 'ci runner');
  assert.equal(r.json.scope, 'worker');
  assert.equal(typeof r.json.id, 'string');
  // The new token works, with its scope.
  const w = new HubClient(h.url, r.json.token);
  assert.deepEqual(await w.post('/v1/worker/heartbeat', { leaseIds: [] }), { extended: [], cancelled: [], lost: [] });

  const listing = await send(h.url, 'GET', '/v1/tokens', { token: h.adminToken });
  assert.equal(listing.status, 200);
  const mine = listing.json.tokens.find((t: any) => t.id === r.json.id);
  assert.ok(mine, 'the new token is listed');
  assert.equal(mine.name, 'ci runner');
  for (const t of listing.json.tokens) {
    assert.equal(t.token, undefined);
    assert.equal(t.hash, undefined);
    assert.equal(t.secret, undefined);
  }
  const secret = r.json.token.split('_').slice(2).join('_');
  assert.ok(!listing.text.includes(secret), 'the secret appears nowhere in the listing');
  assert.ok(!listing.text.includes(h.adminToken.split('_').slice(2).join('_')), 'nor the admin secret');
});

test('a token with an unknown scope is refused with 400 naming scope', async () => {
  await refused(h.admin.post('/v1/tokens', { name: 'x', scope: 'root' }), 400, { field: 'scope' });
});

test('the token is checked before the body: no token and a bad body is 401, wrong scope is 403', async () => {
  // A caller without a valid token must learn nothing about the body and cost no parsing.
  const anonymous = await send(h.url, 'POST', '/v1/jobs', { body: { kind: 5, input: 1 } });
  assert.equal(anonymous.status, 401, `got ${anonymous.status}: ${anonymous.text}`);
  const malformed = await send(h.url, 'POST', '/v1/worker/claim', { raw: '{not json' });
  assert.equal(malformed.status, 401, `got ${malformed.status}: ${malformed.text}`);
  const wrongScope = await send(h.url, 'POST', '/v1/jobs', { token: worker.token!, body: { variants: 'x' } });
  assert.equal(wrongScope.status, 403, `got ${wrongScope.status}: ${wrongScope.text}`);
});
