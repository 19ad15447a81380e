import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

// The artifact API: uploads checked against their claimed hash, stored once, read whole or by
// range with an ETag, limited in size, gated by scope or a signed link, collected when unreferenced.

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let h: TestHub;
let client: string;
let worker: string;
let bot: string;

before(async () => {
  h = await startTestHub({ kinds: ['art.use'], artifactMaxBytes: 64 * 1024, sweepIntervalMs: 0 });
  client = (await h.as('client')).token;
  worker = (await h.as('worker')).token;
  bot = (await h.as('bot')).token;
});
after(() => h.close());

function put(body: Buffer | ReadableStream | string, token: string, opts: { type?: string; query?: string } = {}) {
  return fetch(`${h.url}/v1/artifacts${opts.query ?? ''}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, ...(opts.type ? { 'content-type': opts.type } : {}) },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  });
}
const get = (path: string, token: string | null, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(`${h.url}${path}`, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });

/** The files under the data directory's artifact folders (committed and staged). */
function files(sub: 'sha256' | 'tmp'): string[] {
  const root = join(h.dataDir, 'artifacts', sub);
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => d.name);
}

/** The bytes are files in the data directory (the default backend), which some checks look at. */
const onDir = () => h.hub.artifacts.backend.name.startsWith('dir:');

test('an upload is stored once: the same bytes again answer 200 with the same hash', async () => {
  const bytes = randomBytes(5000);
  const first = await put(bytes, client, { type: 'image/png', query: `?sha256=${sha(bytes)}` });
  assert.equal(first.status, 201);
  const meta = (await first.json()) as any;
  assert.equal(meta.sha256, sha(bytes));
  assert.equal(meta.size, 5000);
  assert.equal(meta.type, 'image/png');
  assert.deepEqual(meta.ref, { $artifact: `sha256:${sha(bytes)}`, size: 5000, type: 'image/png' });
  const again = await put(bytes, worker, { type: 'image/png' });
  assert.equal(again.status, 200);
  assert.equal(((await again.json()) as any).sha256, sha(bytes));
  if (onDir()) assert.equal(files('sha256').filter((f) => f === sha(bytes)).length, 1);
  assert.deepEqual(files('tmp'), []);
});

test('a body whose hash is not the claimed one is refused (400, field sha256) and nothing is kept', async () => {
  const bytes = randomBytes(3000);
  const wrong = sha(Buffer.from('something else'));
  const r = await put(bytes, client, { query: `?sha256=${wrong}` });
  assert.equal(r.status, 400);
  const body = (await r.json()) as any;
  assert.equal(body.error.field, 'sha256');
  assert.match(body.error.message, new RegExp(sha(bytes)));
  assert.equal((await get(`/v1/artifacts/${sha(bytes)}`, client)).status, 404);
  assert.equal((await get(`/v1/artifacts/${wrong}`, client)).status, 404);
  assert.deepEqual(files('tmp'), []);
  const bad = await put(bytes, client, { query: '?sha256=XYZ' });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as any).error.field, 'sha256');
});

test('GET sends the bytes with ETag, immutable caching and the type kept; HEAD the headers only', async () => {
  const bytes = Buffer.from('hello artifacts\n');
  await put(bytes, client, { type: 'text/plain; charset=utf-8' });
  const r = await get(`/v1/artifacts/${sha(bytes)}`, worker);
  assert.equal(r.status, 200);
  assert.deepEqual(Buffer.from(await r.arrayBuffer()), bytes);
  assert.equal(r.headers.get('etag'), `"${sha(bytes)}"`);
  assert.match(r.headers.get('cache-control')!, /immutable/);
  assert.equal(r.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(r.headers.get('accept-ranges'), 'bytes');
  const head = await get(`/v1/artifacts/${sha(bytes)}`, bot, {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(bytes.length));
  assert.equal(head.headers.get('etag'), `"${sha(bytes)}"`);
  assert.equal((await head.arrayBuffer()).byteLength, 0);
  const cached = await get(`/v1/artifacts/${sha(bytes)}`, client, { 'if-none-match': `"${sha(bytes)}"` });
  assert.equal(cached.status, 304);
});

test('Range: 206 with Content-Range for a span, an open end and a suffix; 416 past the end', async () => {
  const bytes = randomBytes(1000);
  await put(bytes, client);
  const path = `/v1/artifacts/${sha(bytes)}`;
  const span = await get(path, client, { range: 'bytes=100-199' });
  assert.equal(span.status, 206);
  assert.equal(span.headers.get('content-range'), 'bytes 100-199/1000');
  assert.deepEqual(Buffer.from(await span.arrayBuffer()), bytes.subarray(100, 200));
  const open = await get(path, client, { range: 'bytes=990-' });
  assert.equal(open.status, 206);
  assert.deepEqual(Buffer.from(await open.arrayBuffer()), bytes.subarray(990));
  const suffix = await get(path, client, { range: 'bytes=-10' });
  assert.equal(suffix.headers.get('content-range'), 'bytes 990-999/1000');
  assert.deepEqual(Buffer.from(await suffix.arrayBuffer()), bytes.subarray(990));
  const beyond = await get(path, client, { range: 'bytes=1000-' });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get('content-range'), 'bytes */1000');
});

test('the size limit: 413 from Content-Length at once, and for a chunked body once it passes; nothing kept', async () => {
  const big = randomBytes(64 * 1024 + 1);
  const r = await put(big, client);
  assert.equal(r.status, 413);
  assert.equal(((await r.json()) as any).error.code, 'body_too_large');
  const chunks = [randomBytes(40 * 1024), randomBytes(40 * 1024)];
  const stream = new ReadableStream({
    pull(c) {
      const next = chunks.shift();
      if (next) c.enqueue(next);
      else c.close();
    },
  });
  const chunked = await put(stream, client);
  assert.equal(chunked.status, 413);
  assert.equal((await get(`/v1/artifacts/${sha(big)}`, client)).status, 404);
  assert.deepEqual(files('tmp'), []);
});

test('scopes: clients, bots and workers upload and read; only admin deletes; no token is 401', async () => {
  const bytes = randomBytes(100);
  assert.equal((await put(bytes, bot)).status, 201);
  assert.equal((await get(`/v1/artifacts/${sha(bytes)}`, null)).status, 401);
  assert.equal((await get(`/v1/artifacts/${sha(bytes)}`, worker, {}, 'DELETE')).status, 403);
  assert.equal((await get(`/v1/artifacts/${sha(bytes)}`, client, {}, 'DELETE')).status, 403);
  assert.equal((await get(`/v1/artifacts/${sha(bytes)}`, h.adminToken, {}, 'DELETE')).status, 200);
  assert.equal((await get(`/v1/artifacts/${sha(bytes)}`, client)).status, 404);
  assert.equal((await put(bytes, 'roost_000000000000_nope')).status, 401);
});

test('a signed link reads the artifact without a token until it expires; a changed one is refused', async () => {
  const bytes = randomBytes(256);
  await put(bytes, client, { type: 'image/webp' });
  const c = await h.as('client');
  const link = await c.post<{ url: string; expiresAt: number }>(`/v1/artifacts/${sha(bytes)}/link`, { ttlMs: 60_000 });
  const r = await get(link.url, null);
  assert.equal(r.status, 200);
  assert.deepEqual(Buffer.from(await r.arrayBuffer()), bytes);
  assert.equal(r.headers.get('content-type'), 'image/webp');
  const other = randomBytes(10);
  await put(other, client);
  // The signature names one hash and one expiry: neither can be changed.
  assert.equal((await get(link.url.replace(sha(bytes), sha(other)), null)).status, 403);
  assert.equal((await get(link.url.replace(/exp=\d+/, `exp=${link.expiresAt + 1000}`), null)).status, 403);
  const expired = h.hub.artifacts.links.query(sha(bytes), Date.now() - 1);
  assert.equal((await get(`/v1/artifacts/${sha(bytes)}?${expired}`, null)).status, 403);
});

test('gc deletes what no job references after the grace period, and keeps what a job or a holder references', async () => {
  const used = randomBytes(300);
  const held = randomBytes(301);
  const loose = randomBytes(302);
  for (const b of [used, held, loose]) assert.equal((await put(b, client)).status, 201);
  const c = await h.as('client');
  await c.post('/v1/jobs', {
    kind: 'art.use',
    input: { image: { $artifact: `sha256:${sha(used)}`, size: 300, type: 'x/y' } },
  });
  await h.hub.artifacts.meta.hold(sha(held), 'pipeline:test', Date.now());
  // Within the grace period nothing goes.
  const none = await c.request<any>('POST', '/v1/artifacts/gc').catch((e) => e);
  assert.equal(none.status, 403, 'gc is for admin');
  assert.deepEqual((await h.admin.post<any>('/v1/artifacts/gc')).deleted, []);
  const r = await h.admin.post<any>('/v1/artifacts/gc?grace=0');
  assert.ok(r.deleted.includes(sha(loose)));
  assert.ok(!r.deleted.includes(sha(used)));
  assert.ok(!r.deleted.includes(sha(held)));
  assert.equal((await get(`/v1/artifacts/${sha(loose)}`, client)).status, 404);
  assert.equal((await get(`/v1/artifacts/${sha(used)}`, client)).status, 200);
  assert.equal((await get(`/v1/artifacts/${sha(held)}`, client)).status, 200);
  if (onDir()) assert.ok(!files('sha256').includes(sha(loose)));
});

test('list: newest first, paged by cursor', async () => {
  for (let i = 0; i < 3; i++) assert.ok([200, 201].includes((await put(randomBytes(50), client)).status));
  const c = await h.as('client');
  const page = await c.get<any>('/v1/artifacts?limit=2');
  assert.equal(page.artifacts.length, 2);
  assert.ok(page.nextCursor);
  const next = await c.get<any>(`/v1/artifacts?limit=2&before=${page.nextCursor}`);
  assert.ok(next.artifacts.length >= 1);
  assert.ok(!next.artifacts.some((a: any) => page.artifacts.some((b: any) => b.sha256 === a.sha256)));
  assert.ok(page.artifacts[0].createdAt >= next.artifacts[0].createdAt);
});
