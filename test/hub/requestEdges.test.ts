import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import type { HubClient } from '../../src/client/hubClient.js';
import { MAX_JSON_DEPTH } from '../../src/hub/jsonDepth.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { assertErrorBody, claim, send } from '../fixtures/apiHandlers.js';

// Requests found by fuzzing the hub from outside that got a 500, a wrong status or no answer at
// all: each must get the documented 4xx naming its field, and never hold a connection for good.

const REQUEST_TIMEOUT_MS = 600;

let h: TestHub;
let client: HubClient & { readonly token: string };
let worker: HubClient & { readonly token: string };
let bot: HubClient & { readonly token: string };
before(async () => {
  h = await startTestHub({ requestTimeoutMs: REQUEST_TIMEOUT_MS });
  client = await h.as('client');
  worker = await h.as('worker');
  bot = await h.as('bot');
});
after(() => h.close());

/** JSON text of arrays nested `depth` levels deep, built without recursion. */
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

async function refusedWith(
  status: number,
  field: string | undefined,
  r: { status: number; json: unknown; text: string },
): Promise<void> {
  assert.equal(r.status, status, r.text);
  assertErrorBody(r.json);
  if (field !== undefined) assert.equal((r.json as { error: { field?: string } }).error.field, field, r.text);
}

test('label names outside [A-Za-z0-9_.-]{1,64} are refused in requires and in claims, naming the field', async () => {
  for (const name of ['bad name!', 'x'.repeat(65), 'é']) {
    const job = await send(h.url, 'POST', '/v1/jobs', {
      token: client.token,
      body: { kind: 'test.echo', input: 1, requires: { [name]: 'x' } },
    });
    await refusedWith(400, 'requires', job);
    const c = await send(h.url, 'POST', '/v1/worker/claim', {
      token: worker.token,
      body: { workerId: 'w', capabilities: [{ kind: 'test.echo', labels: { [name]: 'x' } }] },
    });
    await refusedWith(400, 'capabilities.0.labels', c);
  }
  const ok = await send(h.url, 'POST', '/v1/jobs', {
    token: client.token,
    body: { kind: 'test.echo', input: 1, requires: { 'gpu.model_v-2': 'x', ['a'.repeat(64)]: 'y' } },
  });
  assert.equal(ok.status, 201, ok.text);
});

test('a lone surrogate in a label value is a 400, not a URIError', async () => {
  // JSON.stringify writes a lone surrogate as the escape \ud800, which JSON.parse reads back as one.
  const raw = JSON.stringify({ kind: 'test.echo', input: 1, requires: { gpu: '\ud800' } });
  await refusedWith(400, 'requires.gpu', await send(h.url, 'POST', '/v1/jobs', { token: client.token, raw }));
  const paired = await send(h.url, 'POST', '/v1/jobs', {
    token: client.token,
    body: { kind: 'test.echo', input: 1, requires: { gpu: 'h200 \u{1F680}' } },
  });
  assert.equal(paired.status, 201, paired.text);
});

test('a JSON body sent as text/plain (or any other type) is 415 invalid_body', async () => {
  for (const contentType of ['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded']) {
    const r = await send(h.url, 'POST', '/v1/jobs', {
      token: client.token,
      raw: JSON.stringify({ kind: 'test.echo', input: 1 }),
      contentType,
    });
    assert.equal(r.status, 415, `${contentType}: ${r.text}`);
    assert.equal((r.json as { error: { code: string } }).error.code, 'invalid_body');
  }
});

test('sandbox events with a cursor that is not a post id are a 400 naming cursor', async () => {
  for (const cursor of ['abc', '', '0', '-1', '1.5']) {
    const r = await send(h.url, 'GET', `/v1/sandbox/events?account=alice&cursor=${cursor}`, { token: client.token });
    await refusedWith(400, 'cursor', r);
  }
  const ok = await send(h.url, 'GET', '/v1/sandbox/events?account=alice&cursor=1', { token: client.token });
  assert.equal(ok.status, 200, ok.text);
});

test(`JSON nested deeper than ${MAX_JSON_DEPTH} levels is a 400 naming the field, wherever it is sent`, async () => {
  const deep = nested(5000);
  const cases: Array<[string, string, string, string]> = [
    ['POST', '/v1/jobs', `{"kind":"test.echo","input":${deep}}`, 'input'],
    ['POST', '/v1/jobs', `{"kind":"test.echo","cache":true,"input":${deep}}`, 'input'],
    [
      'POST',
      '/v1/jobs/batch',
      `{"jobs":[{"kind":"test.echo","input":1},{"kind":"test.echo","input":${deep}}]}`,
      'jobs.1.input',
    ],
    ['POST', '/v1/feeds/f/items', `{"items":[1,${deep}]}`, 'items.1'],
  ];
  for (const [method, path, raw, field] of cases) {
    const token = path.startsWith('/v1/feeds') ? bot.token : client.token;
    await refusedWith(400, field, await send(h.url, method, path, { token, raw }));
  }
  const edge = await send(h.url, 'POST', '/v1/jobs', {
    token: client.token,
    raw: `{"kind":"test.echo","input":${nested(MAX_JSON_DEPTH)}}`,
  });
  assert.equal(edge.status, 201, `exactly ${MAX_JSON_DEPTH} levels are accepted: ${edge.text}`);
  assert.equal(
    (
      await send(h.url, 'POST', '/v1/jobs', {
        token: client.token,
        raw: `{"kind":"test.echo","input":${nested(MAX_JSON_DEPTH + 1)}}`,
      })
    ).status,
    400,
  );
});

test('a too-deep partial is a 400; a too-deep output in a complete batch fails its task alone', async () => {
  // test.sleep: the other tests leave test.echo jobs queued, which this claim must not take.
  const job = await client.post<{ id: string }>('/v1/jobs', { kind: 'test.sleep', input: 'deep', variants: 3 });
  const tasks = await claim(worker, 'deep-worker', [{ kind: 'test.sleep' }], { max: 3 });
  assert.equal(tasks.length, 3);
  const [bad, good1, good2] = tasks.map((t) => t.leaseId);
  const partial = await send(h.url, 'POST', '/v1/worker/progress', {
    token: worker.token,
    raw: `{"leaseId":"${bad}","progress":0.5,"partial":${nested(5000)}}`,
  });
  await refusedWith(400, 'partial', partial);

  const r = await send(h.url, 'POST', '/v1/worker/complete', {
    token: worker.token,
    raw: `{"results":[{"leaseId":"${good1}","output":"a"},{"leaseId":"${bad}","output":${nested(5000)}},{"leaseId":"${good2}","output":"b"}]}`,
  });
  await refusedWith(400, 'results.1.output', r);
  assert.deepEqual((r.json as { results: unknown }).results, [
    { leaseId: good1, status: 'ok' },
    { leaseId: bad, status: 'invalid_output' },
    { leaseId: good2, status: 'ok' },
  ]);
  const done = await client.get<{ state: string; results: Array<{ output: unknown }> }>(`/v1/jobs/${job.id}`);
  assert.deepEqual(done.results.map((x) => x.output).sort(), ['a', 'b'], 'the healthy results are recorded');
  const list = await client.get<{ tasks: Array<{ state: string; lastError: string | null }> }>(
    `/v1/jobs/${job.id}/tasks`,
  );
  const dead = list.tasks.filter((t) => t.state === 'dead');
  assert.equal(
    dead.length,
    1,
    `the task with the bad output failed for good rather than staying leased: ${JSON.stringify(list)}`,
  );
  assert.match(JSON.stringify(dead[0]), /deeper than/);
});

test('HEAD on event streams answers the headers and ends', async () => {
  for (const path of ['/v1/stats/events', '/v1/sandbox/posts/events']) {
    const { status, type } = await new Promise<{ status: number; type: string }>((resolve, reject) => {
      const req = request(h.url + path, { method: 'HEAD', headers: { authorization: `Bearer ${client.token}` } });
      req.setTimeout(5000, () => req.destroy(new Error(`HEAD ${path} did not end within 5 s`)));
      req.on('error', reject);
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']) }));
      });
      req.end();
    });
    assert.equal(status, 200, path);
    assert.match(type, /text\/event-stream/, path);
  }
});

test('a half-sent body is cut after requestTimeoutMs', async () => {
  const port = new URL(h.url).port;
  const socket = connect(Number(port), '127.0.0.1');
  const closed = new Promise<string>((resolve) => {
    let got = '';
    socket.on('data', (d) => (got += d.toString()));
    socket.on('close', () => resolve(got));
  });
  socket.write(
    `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${client.token}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
  );
  const deadline = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('the connection was still open after 10 s')), 10_000).unref(),
  );
  try {
    const reply = await Promise.race([closed, deadline]);
    assert.match(reply, /^HTTP\/1\.1 408/, 'the hub says why it hung up');
  } finally {
    socket.destroy();
  }
});

test('long-polls and event streams outlast requestTimeoutMs', async () => {
  const job = await client.post<{ id: string }>('/v1/jobs', { kind: 'test.sleep', input: 1 });
  // The job's event stream is opened first and must still deliver after the timeout has passed.
  const ac = new AbortController();
  const res = await fetch(`${h.url}/v1/jobs/${job.id}/events`, {
    headers: { authorization: `Bearer ${client.token}` },
    signal: ac.signal,
  });
  const reader = res.body!.getReader();
  let seen = '';
  const readUntil = async (pattern: RegExp) => {
    while (!pattern.test(seen)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before ${pattern}: ${seen}`);
      seen += new TextDecoder().decode(value);
    }
  };
  await readUntil(/event: job/);

  const started = Date.now();
  const polled = await client.get<{ state: string }>(`/v1/jobs/${job.id}?wait=${(3 * REQUEST_TIMEOUT_MS) / 1000}`);
  assert.equal(polled.state, 'queued');
  assert.ok(Date.now() - started >= 3 * REQUEST_TIMEOUT_MS - 50, 'the long-poll ran its whole wait');
  const claimStarted = Date.now();
  const none = await claim(worker, 'poller', [{ kind: 'no.such' }], { waitMs: 3 * REQUEST_TIMEOUT_MS });
  assert.deepEqual(none, []);
  assert.ok(Date.now() - claimStarted >= 3 * REQUEST_TIMEOUT_MS - 50, 'the claim long-poll ran its whole wait');

  const [task] = await claim(worker, 'poller', [{ kind: 'test.sleep' }]);
  await worker.post('/v1/worker/complete', { results: [{ leaseId: task!.leaseId, output: 'late' }] });
  await readUntil(/event: result[\s\S]*"late"/);
  ac.abort();
});
