import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { PlatformProxy } from '../../src/platforms/proxy/platformProxy.js';
import { openPlatformStore } from '../../src/store/openBotStores.js';
import type { PlatformStore } from '../../src/store/platformStore.js';
import { MastodonFake } from '../fixtures/mastodonFake.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { until } from '../bots/botHelpers.js';

let t: TestHub;
let store: PlatformStore;
let fake: MastodonFake;
before(async () => {
  t = await startTestHub();
  store = openPlatformStore(t.hub.broker.store);
  fake = await new MastodonFake().start();
  fake.addAccount('paced', 'tok');
});
after(async () => {
  await fake.close();
  await t.close();
});

const proxyWith = (budgets: Record<string, { count: number; intervalMs: number }> = {}) =>
  new PlatformProxy({
    store,
    budgets: (k) => budgets[k],
    retentionMs: 86_400_000,
    log: pino({ level: 'silent' }),
    backoffMs: 20,
  });

const verify = { method: 'GET', url: '', headers: { authorization: 'Bearer tok' } };

test("the proxy paces calls by the platform's X-RateLimit headers, where the same calls unpaced are answered 429", async () => {
  fake.limit = { max: 10, windowMs: 1500 };
  const url = `${fake.url}/api/v1/accounts/verify_credentials`;
  // Unpaced: 25 calls in a row overrun the window.
  let unpaced429 = 0;
  for (let i = 0; i < 25; i++) if ((await fetch(url, { headers: verify.headers })).status === 429) unpaced429++;
  assert.ok(unpaced429 > 0, 'without pacing the platform answers 429');
  await new Promise((r) => setTimeout(r, 1600)); // the fake's window ends: a clean start for the paced run
  const proxy = proxyWith();
  const line = proxy.channel('mastodon', 'paced');
  const started = Date.now();
  for (let i = 0; i < 25; i++) assert.equal((await line.fetch({ ...verify, url })).status, 200);
  // Calls are recorded as they end, without holding the caller up.
  const calls = await until('every call recorded', async () => {
    const all = await store.listCalls({ account: 'paced', since: started, limit: 100 });
    return all.length === 25 && all;
  });
  assert.equal(calls.filter((c) => c.status === 429).length, 0, 'paced before the limit: no 429');
  assert.ok(
    calls.some((c) => c.waitMs > 0),
    'some calls waited',
  );
  assert.ok(Date.now() - started >= 1500, 'the 25 calls spread over more than one window');
  assert.ok(
    calls.every((c) => c.remaining !== null),
    'what the platform said is left is recorded',
  );
  proxy.close();
  fake.limit = { max: 300, windowMs: 300_000 };
});

test('calls started together before any answer go one at a time until the platform has said its limit', async () => {
  fake.addAccount('together', 'tok-together');
  fake.limit = { max: 3, windowMs: 1000 };
  const proxy = proxyWith();
  const line = proxy.channel('mastodon', 'together');
  const req = {
    method: 'GET',
    url: `${fake.url}/api/v1/accounts/verify_credentials`,
    headers: { authorization: 'Bearer tok-together' },
  };
  // Sent all at once, 6 calls would overrun the 3 the platform allows: the first answer says so.
  const statuses = await Promise.all([1, 2, 3, 4, 5, 6].map(() => line.fetch(req).then((r) => r.status)));
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200]);
  const calls = await until('every call recorded', async () => {
    const all = await store.listCalls({ account: 'together', limit: 20 });
    return all.length >= 6 && all;
  });
  assert.deepEqual(calls.filter((c) => c.status === 429).length, 0, 'no call went out past the limit');
  proxy.close();
  fake.limit = { max: 300, windowMs: 300_000 };
});

test('a configured budget paces an account below what the platform would allow', async () => {
  const proxy = proxyWith({ 'mastodon:budgeted': { count: 4, intervalMs: 1000 } });
  const line = proxy.channel('mastodon', 'budgeted');
  const started = Date.now();
  for (let i = 0; i < 8; i++) await line.fetch({ ...verify, url: `${fake.url}/api/v1/accounts/verify_credentials` });
  // 4 at once, then one every 250 ms.
  assert.ok(Date.now() - started >= 900, `8 calls at 4/s took ${Date.now() - started} ms`);
  proxy.close();
});

test('retries: 5xx and network errors with backoff, never another 4xx', async () => {
  const proxy = proxyWith();
  const line = proxy.channel('mastodon', 'retried');
  const url = `${fake.url}/api/v1/accounts/verify_credentials`;
  fake.failNext(503, 2);
  assert.equal((await line.fetch({ ...verify, url })).status, 200);
  fake.failNext(400);
  assert.equal((await line.fetch({ ...verify, url })).status, 400, 'a 400 is the answer, not retried');
  const calls = await until('four calls recorded', async () => {
    const all = await store.listCalls({ account: 'retried', limit: 10 });
    return all.length === 4 && all;
  });
  assert.deepEqual(
    calls.reverse().map((c) => [c.status, c.attempt]),
    [
      [503, 1],
      [503, 2],
      [200, 3],
      [400, 1],
    ],
  );
  await assert.rejects(
    proxy.channel('mastodon', 'offline').fetch({ ...verify, url: 'http://127.0.0.1:1/nothing-listens' }),
    /did not answer GET \/nothing-listens after 5 attempts/,
  );
  proxy.close();
});

test('platform calls are in roost calls (GET /v1/platform-calls), by account and time', async () => {
  const { calls } = await t.admin.get<{ calls: Array<{ account: string; status: number }> }>(
    '/v1/platform-calls?account=retried&limit=2',
  );
  assert.deepEqual(
    calls.map((c) => [c.account, c.status]),
    [
      ['retried', 400],
      ['retried', 200],
    ],
  );
  const bad = await t.admin.get('/v1/platform-calls?since=yesterday').catch((e: { field?: string }) => e);
  assert.equal((bad as { field?: string }).field, 'since');
});
