import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { STREAM_CHECK_MS } from '../../src/hub/sse.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { within } from '../fixtures/apiHandlers.js';

// An event stream lasts only as long as what it was opened with: revoking its token, or logging
// out of its dashboard session, closes it (issue 16, item 19).

let h: TestHub;
before(async () => {
  h = await startTestHub();
});
after(() => h.close());

async function newToken(scope: 'client' | 'admin'): Promise<{ token: string; id: string }> {
  return h.admin.post<{ token: string; id: string }>('/v1/tokens', { name: `stream ${scope}`, scope });
}

/** Opens an event stream and resolves once its first event has arrived; `ended` resolves when the hub closes it. */
async function open(
  path: string,
  headers: Record<string, string>,
): Promise<{ ended: Promise<void>; events: string[] }> {
  const res = await fetch(h.url + path, { headers: { accept: 'text/event-stream', ...headers } });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  const events: string[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let firstSeen = () => {};
  const first = new Promise<void>((resolve) => (firstSeen = resolve));
  const ended = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      for (const m of decoder.decode(value, { stream: true }).matchAll(/^event: (\S+)$/gm)) events.push(m[1]!);
      if (events.length > 0) firstSeen();
    }
  })();
  ended.catch(() => undefined);
  await within(first, 5000, `the first event of ${path}`);
  return { ended, events };
}

async function login(token: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${h.url}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  assert.equal(res.status, 201);
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: ((await res.json()) as any).csrf };
}

test('revoking a token closes its job event streams and stats streams at once', async () => {
  const { token, id } = await newToken('client');
  const auth = { authorization: `Bearer ${token}` };
  const job = await (
    await fetch(`${h.url}/v1/jobs`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'test.echo', input: 1 }),
    })
  ).json();
  const jobStream = await open(`/v1/jobs/${(job as any).id}/events`, auth);
  const stats = await open('/v1/stats/events', auth);
  // Another token's stream is not touched.
  const other = await open('/v1/stats/events', { authorization: `Bearer ${h.adminToken}` });
  await h.admin.request('DELETE', `/v1/tokens/${id}`);
  await within(jobStream.ended, 2000, 'the job stream to close after the revoke');
  await within(stats.ended, 2000, 'the stats stream to close after the revoke');
  const stillOpen = await Promise.race([
    other.ended.then(() => 'ended'),
    new Promise((r) => setTimeout(r, 300, 'open')),
  ]);
  assert.equal(stillOpen, 'open', "the admin's stream stays open");
});

test('logging out closes the streams opened with that session, not those of other sessions', async () => {
  const { token } = await newToken('client');
  const a = await login(token);
  const b = await login(token);
  const streamA = await open('/v1/stats/events', { cookie: a.cookie });
  const streamB = await open('/v1/stats/events', { cookie: b.cookie });
  const out = await fetch(`${h.url}/v1/session`, {
    method: 'DELETE',
    headers: { cookie: a.cookie, 'x-roost-csrf': a.csrf },
  });
  assert.equal(out.status, 200);
  await within(streamA.ended, 2000, "the logged-out session's stream to close");
  const stillOpen = await Promise.race([
    streamB.ended.then(() => 'ended'),
    new Promise((r) => setTimeout(r, 300, 'open')),
  ]);
  assert.equal(stillOpen, 'open', "the other session's stream stays open");
});

test(
  'a token revoked in the store by another hub closes its streams here within the check and the token cache',
  { timeout: 30_000 },
  async () => {
    const { token, id } = await newToken('client');
    const session = await login(token);
    const bearer = await open('/v1/stats/events', { authorization: `Bearer ${token}` });
    const cookie = await open('/v1/stats/events', { cookie: session.cookie });
    // Written straight to the store, as another hub sharing it would: this hub's Tokens hears nothing.
    assert.equal(await h.hub.broker.store.revokeToken(id, Date.now()), true);
    const deadline = 10_000 + 2 * STREAM_CHECK_MS + 2000;
    await within(bearer.ended, deadline, 'the bearer stream to close');
    await within(cookie.ended, deadline, 'the session stream to close');
  },
);
