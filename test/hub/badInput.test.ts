import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { HubClient } from '../../src/client/hubClient.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { assertErrorBody, claim, refused, send } from '../fixtures/apiHandlers.js';

// Requests the hub must refuse with a 4xx and a JSON error naming what is wrong, rather than
// accepting, coercing or crashing.

let h: TestHub;
let client: HubClient & { readonly token: string };
let worker: HubClient & { readonly token: string };
const job = { kind: 'bad.kind', input: { x: 1 } };

before(async () => {
  h = await startTestHub({ kinds: ['bad.kind'], maxBodyBytes: 1024 });
  client = await h.as('client');
  worker = await h.as('worker');
});
after(() => h.close());

const workerPaths = [
  '/v1/worker/claim',
  '/v1/worker/heartbeat',
  '/v1/worker/progress',
  '/v1/worker/complete',
  '/v1/worker/fail',
  '/v1/worker/release',
];

test('malformed JSON is a 400 with a JSON error, on jobs and on every worker endpoint', async () => {
  const r = await send(h.url, 'POST', '/v1/jobs', { token: client.token, raw: '{"kind": "bad.kind", "input": ' });
  assert.equal(r.status, 400);
  assertErrorBody(r.json);
  for (const path of workerPaths) {
    const w = await send(h.url, 'POST', path, { token: worker.token, raw: '{leaseIds: [}' });
    assert.equal(w.status, 400, `${path}: ${w.text}`);
    assertErrorBody(w.json);
  }
  const empty = await send(h.url, 'POST', '/v1/jobs', { token: client.token, raw: '' });
  assert.equal(empty.status, 400);
  assertErrorBody(empty.json);
});

test('wrong types are refused, not coerced, with error.field naming the field', async () => {
  const cases: Array<[unknown, string]> = [
    [{ ...job, variants: '5' }, 'variants'],
    [{ ...job, variants: 0 }, 'variants'],
    [{ ...job, priority: 1.5 }, 'priority'],
    [{ ...job, priority: '1' }, 'priority'],
    [{ ...job, kind: 5 }, 'kind'],
    [{ ...job, kind: 'Not A Kind' }, 'kind'],
    [{ ...job, delayMs: -1 }, 'delayMs'],
    [{ ...job, leaseMs: 10 }, 'leaseMs'],
    [{ ...job, seed: 'x' }, 'seed'],
    [{ ...job, key: '' }, 'key'],
    [{ ...job, backoff: { delayMs: 'soon' } }, 'backoff.delayMs'],
    [{ ...job, requires: { model: 5 } }, 'requires.model'],
  ];
  for (const [body, field] of cases) {
    const e = await refused(client.post('/v1/jobs', body), 400, { field });
    assert.equal(e.code, 'invalid_request');
  }
});

test('a NUL character in key or concurrencyKey is 400 naming the field, on every store alike', async () => {
  await refused(client.post('/v1/jobs', { ...job, key: 'a\u0000b' }), 400, { field: 'key' });
  await refused(client.post('/v1/jobs', { ...job, concurrencyKey: 'bot:\u0000' }), 400, { field: 'concurrencyKey' });
  const batch = {
    jobs: [
      { ...job, key: 'fine' },
      { ...job, key: '\u0000' },
    ],
  };
  await refused(client.post('/v1/jobs/batch', batch), 400, { field: 'jobs.1.key' });
  const listed = await client.get<{ jobs: Array<{ key: string | null }> }>('/v1/jobs?limit=100');
  assert.equal(
    listed.jobs.some((j) => j.key === 'fine'),
    false,
    'a refused batch creates none of its jobs',
  );
});

test('a missing kind or an unknown top-level property is 400 naming it', async () => {
  await refused(client.post('/v1/jobs', { input: 1 }), 400, { field: 'kind' });
  const e = await refused(client.post('/v1/jobs', { ...job, varients: 3 }), 400, { field: 'varients' });
  assert.match(e.message, /varients/);
});

test('a job body that is not an object is 400', async () => {
  for (const body of [[job], 'bad.kind', 42, null]) await refused(client.post('/v1/jobs', body), 400);
});

test('an unknown kind (not declared, never offered) is 400 on kind; it becomes known once a worker offers it', async () => {
  const e = await refused(client.post('/v1/jobs', { kind: 'never.offered', input: 1 }), 400, { field: 'kind' });
  assert.match(e.message, /never\.offered/);
  // A worker offering the kind makes it known.
  assert.deepEqual(await claim(worker, 'bad-offerer', [{ kind: 'now.offered' }]), []);
  const ok = await send(h.url, 'POST', '/v1/jobs', { token: client.token, body: { kind: 'now.offered', input: 1 } });
  assert.equal(ok.status, 201, ok.text);
});

test('options that conflict are 400 naming the field', async () => {
  await refused(client.post('/v1/jobs', { ...job, delayMs: 10, runAt: Date.now() + 1000 }), 400, { field: 'delayMs' });
  await refused(client.post('/v1/jobs', { ...job, runAt: 'next tuesday' }), 400, { field: 'runAt' });
  await refused(client.post('/v1/jobs', { ...job, backoff: { delayMs: 5000, maxDelayMs: 10 } }), 400, {
    field: 'backoff.maxDelayMs',
  });
});

test('a body over the limit is 413 with a JSON error', async () => {
  const big = { ...job, input: 'x'.repeat(2000) };
  const r = await send(h.url, 'POST', '/v1/jobs', { token: client.token, body: big });
  assert.equal(r.status, 413, r.text);
  assertErrorBody(r.json);
  const w = await send(h.url, 'POST', '/v1/worker/complete', {
    token: worker.token,
    body: { results: [{ leaseId: '1.a', output: 'y'.repeat(2000) }] },
  });
  assert.equal(w.status, 413, w.text);
  assertErrorBody(w.json);
  // Just under the limit is fine.
  const small = await send(h.url, 'POST', '/v1/jobs', {
    token: client.token,
    body: { ...job, input: 'x'.repeat(800) },
  });
  assert.equal(small.status, 201, small.text);
});

test('worker endpoints refuse bad bodies with 400 naming the field', async () => {
  const claimBody = { workerId: 'bad-w', capabilities: [{ kind: 'bad.kind' }] };
  const cases: Array<[string, unknown, string]> = [
    ['/v1/worker/claim', { capabilities: [{ kind: 'bad.kind' }] }, 'workerId'],
    ['/v1/worker/claim', { ...claimBody, capabilities: [] }, 'capabilities'],
    ['/v1/worker/claim', { ...claimBody, max: '3' }, 'max'],
    ['/v1/worker/claim', { ...claimBody, max: 0 }, 'max'],
    ['/v1/worker/claim', { ...claimBody, waitMs: 60_001 }, 'waitMs'],
    ['/v1/worker/claim', { ...claimBody, wait: 100 }, 'wait'],
    [
      '/v1/worker/claim',
      { ...claimBody, capabilities: [{ kind: 'bad.kind', labels: { model: 1 } }] },
      'capabilities.0.labels.model',
    ],
    ['/v1/worker/heartbeat', { leaseIds: 'a.b' }, 'leaseIds'],
    ['/v1/worker/progress', { leaseId: 'a.b', progress: 2 }, 'progress'],
    ['/v1/worker/complete', { results: [] }, 'results'],
    ['/v1/worker/complete', { results: [{ output: 1 }] }, 'results.0.leaseId'],
    ['/v1/worker/fail', { leaseId: 'a.b' }, 'error'],
    ['/v1/worker/fail', { leaseId: 'a.b', error: 'x', retryable: 'no' }, 'retryable'],
    ['/v1/worker/release', { leaseIds: [1] }, 'leaseIds.0'],
  ];
  for (const [path, body, field] of cases) {
    const e = await refused(worker.post(path, body), 400, { field });
    assert.equal(e.code, 'invalid_request', `${path} ${JSON.stringify(body)}`);
  }
});

test('unknown job and task ids are 404', async () => {
  await refused(client.get('/v1/jobs/job_nope'), 404, { code: 'not_found' });
  await refused(client.get('/v1/jobs/job_nope?wait=1s'), 404, { code: 'not_found' });
  await refused(client.get('/v1/jobs/job_nope/tasks'), 404, { code: 'not_found' });
  await refused(client.post('/v1/jobs/job_nope/cancel'), 404, { code: 'not_found' });
  const events = await send(h.url, 'GET', '/v1/jobs/job_nope/events', { token: client.token });
  assert.equal(events.status, 404);
  assertErrorBody(events.json);
  await refused(client.get('/v1/tasks/job_nope.0'), 404, { code: 'not_found' });
  await refused(client.get('/v1/tasks/garbage'), 404, { code: 'not_found' });
  await refused(client.post('/v1/tasks/job_nope.0/redrive'), 404, { code: 'not_found' });
  await refused(client.get('/v1/no/such/route'), 404);
});

test('redriving a task that is not dead is 409 not_dead', async () => {
  const j = await client.post<any>('/v1/jobs', job);
  await refused(client.post(`/v1/tasks/${j.id}.0/redrive`), 409, { code: 'not_dead' });
});

test('unknown or invalid query parameters are 400 naming them', async () => {
  const j = await client.post<any>('/v1/jobs', job);
  await refused(client.get('/v1/jobs?status=queued'), 400, { field: 'status' });
  await refused(client.get(`/v1/jobs/${j.id}?timeout=5s`), 400, { field: 'timeout' });
  await refused(client.get(`/v1/jobs/${j.id}/events?since=3`), 400, { field: 'since' });
  await refused(client.get('/v1/tasks/dead?offset=3'), 400, { field: 'offset' });
  await refused(client.get('/v1/jobs?state=done'), 400, { field: 'state' });
  await refused(client.get('/v1/jobs?limit=0'), 400, { field: 'limit' });
  await refused(client.get('/v1/jobs?limit=ten'), 400, { field: 'limit' });
  await refused(client.get(`/v1/jobs/${j.id}?results=-1`), 400, { field: 'results' });
  await refused(client.get(`/v1/jobs/${j.id}?wait=1s&wait=2s`), 400, { field: 'wait' });
});

test('wait=abc is 400 on wait; wait above the maximum is 400 too', async () => {
  const j = await client.post<any>('/v1/jobs', job);
  const e = await refused(client.get(`/v1/jobs/${j.id}?wait=abc`), 400, { field: 'wait' });
  assert.match(e.message, /abc/);
  await refused(client.get(`/v1/jobs/${j.id}?wait=1h`), 400, { field: 'wait' });
});

test('lease operations with unknown leases are refused, not crashes', async () => {
  const c = await send(h.url, 'POST', '/v1/worker/complete', {
    token: worker.token,
    body: { results: [{ leaseId: 'junk', output: 1 }] },
  });
  assert.equal(c.status, 409);
  assertErrorBody(c.json);
  assert.equal(c.json.error.code, 'lease_lost');
  await refused(worker.post('/v1/worker/fail', { leaseId: '999999.abc', error: 'x' }), 409, { code: 'lease_lost' });
  await refused(worker.post('/v1/worker/progress', { leaseId: 'junk', progress: 0.5 }), 409, { code: 'lease_lost' });
  assert.deepEqual(await worker.post('/v1/worker/release', { leaseIds: ['junk', '1.x'] }), { released: [] });
});
