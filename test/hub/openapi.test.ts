import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { send } from '../fixtures/apiHandlers.js';

// The hub describes its own API, so clients in any language can be generated from it.

let h: TestHub;
before(async () => {
  h = await startTestHub();
});
after(() => h.close());

test('GET /v1/openapi.json is an OpenAPI 3 document listing the job and worker endpoints', async () => {
  const r = await send(h.url, 'GET', '/v1/openapi.json', { token: h.adminToken });
  assert.equal(r.status, 200);
  const doc = JSON.parse(r.text);
  assert.match(String(doc.openapi), /^3\.\d+\.\d+$/);
  assert.equal(typeof doc.info?.title, 'string');
  for (const path of [
    '/v1/jobs',
    '/v1/jobs/{id}',
    '/v1/jobs/{id}/events',
    '/v1/worker/claim',
    '/v1/worker/heartbeat',
    '/v1/worker/complete',
    '/v1/worker/fail',
    '/v1/worker/release',
  ]) {
    assert.ok(doc.paths?.[path], `paths include ${path}; has ${Object.keys(doc.paths ?? {}).join(', ')}`);
  }
  assert.ok(doc.paths['/v1/jobs'].post, 'POST /v1/jobs is described');
  assert.ok(doc.paths['/v1/jobs'].get, 'GET /v1/jobs is described');
  assert.ok(doc.paths['/v1/worker/claim'].post.requestBody, 'the claim body schema is included');
  const jobBody = doc.paths['/v1/jobs'].post.requestBody.content['application/json'].schema;
  assert.ok(jobBody.properties.kind && jobBody.properties.variants, 'the job body names its fields');
  assert.deepEqual([...jobBody.required].sort(), ['input', 'kind']);
  const listParams = doc.paths['/v1/jobs'].get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
  for (const name of ['state', 'kind', 'bot', 'since', 'until', 'cursor', 'limit'])
    assert.ok(listParams.includes(`query:${name}`), `GET /v1/jobs documents ${name}`);
  for (const path of ['/v1/session', '/v1/stats/minutes', '/v1/stats/events'])
    assert.ok(doc.paths[path], `the dashboard's ${path} is described`);
});

test('the OpenAPI document is served without a token', async () => {
  const r = await send(h.url, 'GET', '/v1/openapi.json');
  assert.equal(r.status, 200);
  assert.ok(JSON.parse(r.text).paths['/v1/worker/complete']);
});
