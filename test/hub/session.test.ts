import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

// The dashboard's login: a token exchanged for a session cookie the API accepts like the token,
// guarded against cross-site requests, and ended by logout or by revoking its token.

let h: TestHub;
before(async () => {
  h = await startTestHub();
});
after(() => h.close());

interface Login {
  status: number;
  cookie: string;
  setCookie: string;
  body: any;
}

async function login(token: string): Promise<Login> {
  const res = await fetch(`${h.url}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { status: res.status, setCookie, cookie: setCookie.split(';')[0]!, body: await res.json() };
}

const withCookie = (cookie: string, init: RequestInit & { csrf?: string } = {}): RequestInit => ({
  ...init,
  headers: { cookie, ...(init.csrf ? { 'x-roost-csrf': init.csrf } : {}), ...(init.headers as Record<string, string>) },
});

const call = (path: string, cookie: string, init: RequestInit & { csrf?: string } = {}) =>
  fetch(`${h.url}${path}`, withCookie(cookie, init));

test('logging in with a token sets an httpOnly, SameSite=Strict session cookie that the API accepts', async () => {
  const s = await login(h.adminToken);
  assert.equal(s.status, 201);
  const [pair, ...attributes] = s.setCookie.split('; ');
  assert.match(pair!, /^roost_session=[\w-]{43}$/);
  assert.deepEqual(attributes.sort(), ['HttpOnly', 'Max-Age=86400', 'Path=/', 'SameSite=Strict']);
  // The secret is all after `roost_<id>_`: it may hold '_' itself.
  const secret = h.adminToken.slice(h.adminToken.indexOf('_', 'roost_'.length) + 1);
  assert.ok(
    !s.setCookie.includes(h.adminToken) && !JSON.stringify(s.body).includes(secret),
    'the token itself is neither in the cookie nor in the reply',
  );
  assert.equal(s.body.scope, 'admin');
  const me = (await (await call('/v1/session', s.cookie)).json()) as any;
  assert.deepEqual([me.scope, me.csrf], ['admin', s.body.csrf]);
  assert.equal((await call('/v1/workers', s.cookie)).status, 200);
});

test('a wrong token, or a worker token, cannot log in; the reply says why and names the field', async () => {
  const wrong = await login('roost_000000000000_nope');
  assert.equal(wrong.status, 401);
  assert.equal(wrong.setCookie, '');
  assert.deepEqual([wrong.body.error.code, wrong.body.error.field], ['unauthorized', 'token']);
  assert.match(wrong.body.error.message, /not valid/);
  const worker = await login((await h.as('worker')).token);
  assert.equal(worker.status, 403);
  assert.match(worker.body.error.message, /worker token cannot log in/);
  const empty = await fetch(`${h.url}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(empty.status, 400);
  assert.equal(((await empty.json()) as any).error.field, 'token');
});

test('with the cookie, a request that changes something needs the CSRF header and this origin', async () => {
  const s = await login(h.adminToken);
  const body = JSON.stringify({ name: 'via dashboard', scope: 'client' });
  const json = { 'content-type': 'application/json' };
  const bare = await call('/v1/tokens', s.cookie, { method: 'POST', body, headers: json });
  assert.equal(bare.status, 403);
  assert.match(((await bare.json()) as any).error.message, /x-roost-csrf/);
  const forged = await call('/v1/tokens', s.cookie, { method: 'POST', body, headers: json, csrf: 'not-it' });
  assert.equal(forged.status, 403);
  const elsewhere = await call('/v1/tokens', s.cookie, {
    method: 'POST',
    body,
    csrf: s.body.csrf,
    headers: { ...json, origin: 'https://evil.example' },
  });
  assert.equal(elsewhere.status, 403);
  const ok = await call('/v1/tokens', s.cookie, {
    method: 'POST',
    body,
    csrf: s.body.csrf,
    headers: { ...json, origin: h.url },
  });
  assert.equal(ok.status, 201);
});

test('a client session reads jobs but not admin pages; logout ends the session and clears the cookie', async () => {
  const s = await login((await h.as('client')).token);
  assert.equal(s.body.scope, 'client');
  assert.equal((await call('/v1/jobs', s.cookie)).status, 200);
  const workers = await call('/v1/workers', s.cookie);
  assert.equal(workers.status, 403);
  assert.match(((await workers.json()) as any).error.message, /client token cannot do this/);
  const out = await call('/v1/session', s.cookie, { method: 'DELETE', csrf: s.body.csrf });
  assert.equal(out.status, 200);
  assert.match(out.headers.get('set-cookie') ?? '', /^roost_session=; .*Max-Age=0/);
  const after = await call('/v1/jobs', s.cookie);
  assert.equal(after.status, 401);
  assert.match(((await after.json()) as any).error.message, /session has ended/);
});

test('revoking the token ends the sessions made with it', async () => {
  const { token, id } = await h.admin.post<{ token: string; id: string }>('/v1/tokens', {
    name: 'short-lived',
    scope: 'client',
  });
  const s = await login(token);
  assert.equal((await call('/v1/jobs', s.cookie)).status, 200);
  await h.admin.request('DELETE', `/v1/tokens/${id}`);
  assert.equal((await call('/v1/jobs', s.cookie)).status, 401);
});

test("a client token logging in again and again is refused with 429 and Retry-After, and the admin's session stays", async () => {
  const admin = await login(h.adminToken);
  const client = (await h.as('client')).token;
  const statuses: number[] = [];
  let refused: Response | null = null;
  for (let i = 0; i < 30; i++) {
    const res = await fetch(`${h.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: client }),
    });
    statuses.push(res.status);
    if (res.status === 429) refused ??= res;
    else await res.arrayBuffer();
  }
  assert.ok(
    statuses.slice(0, 10).every((s) => s === 201),
    `the first logins succeed: ${statuses.join(',')}`,
  );
  assert.ok(refused, `later logins are refused: ${statuses.join(',')}`);
  const wait = Number(refused.headers.get('retry-after'));
  assert.ok(Number.isInteger(wait) && wait >= 1, `Retry-After: ${refused.headers.get('retry-after')}`);
  const body = (await refused.json()) as any;
  assert.deepEqual([body.error.code, body.error.field], ['rate_limited', 'token']);
  assert.equal((await call('/v1/workers', admin.cookie)).status, 200, "the admin's session still works");
  assert.equal((await login((await h.as('client')).token)).status, 201, 'another token still logs in');
});
