/**
 * The proxy against a real PDS's own rate limits (@atproto/dev-env with rateLimitsEnabled), where
 * createSession takes 30 logins of an identifier in 5 minutes. With one login of the window left,
 * three logins start at once through the proxy: before the account's first answer the proxy lets
 * one call out, and that answer's RateLimit-Remaining: 0 holds the other two until the window's
 * reset, at a time when the same login sent directly is answered 429.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { PlatformProxy } from '../../src/platforms/proxy/platformProxy.js';
import { openPlatformStore } from '../../src/store/openBotStores.js';
import { until } from '../bots/botHelpers.js';
import { BlueskyNetwork } from '../fixtures/blueskyNetwork.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

let t: TestHub;
let net: BlueskyNetwork;
before(async () => {
  t = await startTestHub();
  net = await new BlueskyNetwork().start({ rateLimits: true });
});
after(async () => {
  await net.close();
  await t.close();
});

test("the proxy holds logins the PDS's rate limit would answer 429, even when they start together", async () => {
  const u = await net.createUser('paced');
  const login = {
    method: 'POST',
    url: `${net.pds.url}/xrpc/com.atproto.server.createSession`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier: u.handle, password: u.password }),
  };
  const direct = () => fetch(login.url, login).then((r) => r.status);
  for (let i = 0; i < 29; i++) assert.equal(await direct(), 200, `direct login ${i + 1} of the window's 30`);

  let sent = 0;
  const store = openPlatformStore(t.hub.broker.store);
  const proxy = new PlatformProxy({
    store,
    budgets: () => undefined,
    retentionMs: 86_400_000,
    log: pino({ level: 'silent' }),
    fetch: (url, init) => {
      sent++;
      return fetch(url, init);
    },
  });
  const line = proxy.channel('bluesky', 'paced');
  const outcomes = [1, 2, 3].map(() =>
    line.fetch(login).then(
      (r) => r.status,
      (e: Error) => e.message,
    ),
  );
  const first = await until('the first login answered and recorded', async () => {
    const calls = await store.listCalls({ account: 'paced', limit: 10 });
    return calls.length > 0 && calls;
  });
  assert.deepEqual(
    first.map((c) => [c.status, c.remaining]),
    [[200, 0]],
    'one login went out, and the PDS said the window is spent',
  );
  assert.equal(await direct(), 429, 'the same login sent now, unpaced, is refused');
  assert.equal(sent, 1, 'the two others are held by the proxy, not sent');
  // Their wait is the PDS's window (minutes): closing the proxy ends it; the callers are told, nothing is lost silently.
  proxy.close();
  const settled = await Promise.all(outcomes);
  assert.equal(settled.filter((s) => s === 200).length, 1);
  assert.equal(settled.filter((s) => typeof s === 'string' && /shutting down/.test(s)).length, 2, String(settled));
  assert.equal((await store.listCalls({ account: 'paced', limit: 10 })).filter((c) => c.status === 429).length, 0);
});
