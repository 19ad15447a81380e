import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Fastify from 'fastify';
import { dashboardRoutes, WEB_DIR } from '../../src/hub/routes/dashboard.js';
import { quietLog, startTestHub, type TestHub } from '../helpers/inProcessHub.js';

// The dashboard's files as the hub serves them: content types, caching, the CSP, and nothing
// fetched from any other host (it must work offline).

let h: TestHub;
before(async () => {
  h = await startTestHub();
});
after(() => h.close());

const assetsOf = (html: string) => [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);

test('/ is the dashboard page: HTML, revalidated by its ETag, under a CSP that allows only the hub', async () => {
  const res = await fetch(`${h.url}/`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'.*frame-ancestors 'none'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  const etag = res.headers.get('etag')!;
  const html = await res.text();
  assert.ok(assetsOf(html).length >= 2, 'a script and a stylesheet');
  const again = await fetch(`${h.url}/`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
});

test('hashed assets have their content types and are cached for good', async () => {
  const html = await (await fetch(`${h.url}/`)).text();
  const types = new Map<string, string>();
  for (const path of assetsOf(html)) {
    const res = await fetch(`${h.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    types.set(path.split('.').pop()!, res.headers.get('content-type')!);
  }
  assert.deepEqual(Object.fromEntries(types), { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' });
  assert.equal((await fetch(`${h.url}/favicon.svg`)).headers.get('content-type'), 'image/svg+xml');
  assert.equal((await fetch(`${h.url}/assets/nope.js`)).status, 404);
});

test('the built files load nothing from another host', () => {
  const files = readdirSync(join(WEB_DIR, 'assets')).map((f) => join(WEB_DIR, 'assets', f));
  for (const file of [join(WEB_DIR, 'index.html'), ...files]) {
    // XML namespace names (the SVG and MathML ones inside Preact) are identifiers, not requests.
    const urls = [...readFileSync(file, 'utf8').matchAll(/https?:\/\/[^\s"'`)]+/g)]
      .map((m) => m[0])
      .filter((u) => !u.startsWith('http://www.w3.org/'));
    assert.deepEqual(urls, [], file);
  }
});

test('a hub whose dashboard was not built says so at /', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'roost-noweb-'));
  const app = Fastify();
  dashboardRoutes(app, quietLog, empty);
  try {
    const res = await app.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 503);
    assert.match(res.body, /not built: run `npm run build`/);
  } finally {
    await app.close();
    rmSync(empty, { recursive: true, force: true });
  }
});
