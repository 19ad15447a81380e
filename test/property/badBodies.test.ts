import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  ClaimBody,
  CompleteBody,
  FailBody,
  HeartbeatBody,
  JobBody,
  ProgressBody,
  ReleaseBody,
} from '../../src/hub/schemas.js';
import { LABEL_PATTERN } from '../../src/hub/schemas.js';
import { MAX_JSON_DEPTH } from '../../src/hub/jsonDepth.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

// Thousands of generated bad bodies against the create and worker endpoints: each must get a 4xx
// with a JSON error, and the hub must keep serving. Bodies the schema would accept are filtered
// out, so every request sent is genuinely invalid.
const RUNS = Number(process.env.ROOST_PROPERTY_RUNS ?? 600);

let h: TestHub;
let clientToken: string;
let workerToken: string;
let botToken: string;
before(async () => {
  h = await startTestHub();
  clientToken = (await h.as('client')).token;
  workerToken = (await h.as('worker')).token;
  botToken = (await h.as('bot')).token;
});
after(() => h.close());

/** Every request has a deadline: a hub that never answers fails the property rather than the run. */
async function send(
  path: string,
  token: string,
  body: string | undefined,
  { method = 'POST', contentType = 'application/json' } = {},
): Promise<{ status: number; json: any }> {
  const res = await fetch(h.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

async function assertRefused(path: string, token: string, body: string): Promise<void> {
  const { status, json } = await send(path, token, body);
  assert.ok(status >= 400 && status < 500, `${path} answered ${status} to ${body.slice(0, 200)}`);
  assert.equal(typeof json?.error?.message, 'string', `${path}: no error message for ${body.slice(0, 200)}`);
  assert.equal(typeof json?.error?.code, 'string');
}

const anyField = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.boolean(),
);
/** Objects shaped like the schema's but with values of any type, and sometimes extra keys. */
function nearly(keys: string[]) {
  const shape = Object.fromEntries(keys.map((k) => [k, anyField]));
  return fc
    .tuple(
      fc.record(shape, { requiredKeys: [] }),
      fc.dictionary(fc.string({ maxLength: 8 }), anyField, { maxKeys: 2 }),
      fc.boolean(),
    )
    .map(([base, extra, addExtra]) => (addExtra ? { ...extra, ...base } : base));
}
function invalidFor(schema: TSchema, keys: string[], accept: (v: unknown) => boolean = () => true) {
  return fc.oneof(fc.jsonValue({ maxDepth: 3 }), nearly(keys)).filter((v) => !(Value.Check(schema, v) && accept(v)));
}

const endpoints: Array<{
  path: string;
  scope: 'client' | 'worker';
  schema: TSchema;
  keys: string[];
  accept?: (v: any) => boolean;
}> = [
  // A schema-valid job is still refused when its kind is unknown, so only known kinds count as valid.
  {
    path: '/v1/jobs',
    scope: 'client',
    schema: JobBody,
    keys: Object.keys(JobBody.properties),
    accept: (v) => ['test.echo', 'test.sleep'].includes(v.kind),
  },
  { path: '/v1/worker/claim', scope: 'worker', schema: ClaimBody, keys: Object.keys(ClaimBody.properties) },
  { path: '/v1/worker/heartbeat', scope: 'worker', schema: HeartbeatBody, keys: Object.keys(HeartbeatBody.properties) },
  // Well-formed progress/complete/fail bodies name leases that do not exist, which is also a 4xx.
  {
    path: '/v1/worker/progress',
    scope: 'worker',
    schema: ProgressBody,
    keys: Object.keys(ProgressBody.properties),
    accept: () => false,
  },
  {
    path: '/v1/worker/complete',
    scope: 'worker',
    schema: CompleteBody,
    keys: Object.keys(CompleteBody.properties),
    accept: () => false,
  },
  {
    path: '/v1/worker/fail',
    scope: 'worker',
    schema: FailBody,
    keys: Object.keys(FailBody.properties),
    accept: () => false,
  },
  { path: '/v1/worker/release', scope: 'worker', schema: ReleaseBody, keys: Object.keys(ReleaseBody.properties) },
];

for (const ep of endpoints) {
  test(`generated invalid bodies on ${ep.path} all get a 4xx JSON error`, async () => {
    const token = ep.scope === 'client' ? clientToken : workerToken;
    await fc.assert(
      fc.asyncProperty(invalidFor(ep.schema, ep.keys, ep.accept), async (body) =>
        assertRefused(ep.path, token, JSON.stringify(body)),
      ),
      { numRuns: RUNS },
    );
  });
}

test('malformed JSON text gets a 4xx on every endpoint', async () => {
  const notJson = fc.string({ minLength: 1 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  });
  await fc.assert(
    fc.asyncProperty(notJson, fc.constantFrom(...endpoints), async (text, ep) =>
      assertRefused(ep.path, ep.scope === 'client' ? clientToken : workerToken, text),
    ),
    { numRuns: RUNS },
  );
});

/** JSON text of `value` wrapped in `depth` arrays and objects, built without recursion. */
const nestedText = (depth: number, leaf: string, objects: boolean) =>
  objects ? '{"a":'.repeat(depth) + leaf + '}'.repeat(depth) : '['.repeat(depth) + leaf + ']'.repeat(depth);
// A leaf with a `__proto__` key is refused by the JSON parser itself (400, prototype poisoning),
// before any depth is measured: a right answer, but not the one this property is about.
const leafValue = fc.jsonValue({ maxDepth: 1 }).filter((v) => !JSON.stringify(v).includes('"__proto__"'));
const tooDeep = fc
  .tuple(fc.integer({ min: MAX_JSON_DEPTH + 1, max: 6000 }), fc.boolean(), leafValue)
  .map(([depth, objects, leaf]) => ({ depth, text: nestedText(depth, JSON.stringify(leaf), objects) }));

/** Where a too-deep value can be sent, and the field the 400 must name. */
const deepPlaces: Array<{
  path: string;
  scope: 'client' | 'worker' | 'bot';
  body: (v: string) => string;
  field: string;
}> = [
  { path: '/v1/jobs', scope: 'client', body: (v) => `{"kind":"test.echo","input":${v}}`, field: 'input' },
  {
    path: '/v1/jobs',
    scope: 'client',
    body: (v) => `{"kind":"test.echo","cache":true,"input":${v}}`,
    field: 'input',
  },
  {
    path: '/v1/jobs/batch',
    scope: 'client',
    body: (v) => `{"jobs":[{"kind":"test.echo","input":1},{"kind":"test.echo","input":${v}}]}`,
    field: 'jobs.1.input',
  },
  { path: '/v1/feeds/fuzz/items', scope: 'bot', body: (v) => `{"items":[${v}]}`, field: 'items.0' },
  {
    path: '/v1/worker/progress',
    scope: 'worker',
    body: (v) => `{"leaseId":"1.x","progress":0.5,"partial":${v}}`,
    field: 'partial',
  },
  {
    path: '/v1/worker/complete',
    scope: 'worker',
    body: (v) => `{"results":[{"leaseId":"1.x","output":${v}}]}`,
    field: 'results.0.output',
  },
];
const tokenOf = (scope: 'client' | 'worker' | 'bot') =>
  scope === 'client' ? clientToken : scope === 'worker' ? workerToken : botToken;

test(`JSON nested deeper than ${MAX_JSON_DEPTH} levels is a 400 naming the field, wherever it goes`, async () => {
  await fc.assert(
    fc.asyncProperty(tooDeep, fc.constantFrom(...deepPlaces), async ({ text }, place) => {
      const { status, json } = await send(place.path, tokenOf(place.scope), place.body(text));
      assert.equal(status, 400, `${place.path}: ${JSON.stringify(json).slice(0, 300)}`);
      assert.equal(json.error.field, place.field);
    }),
    { numRuns: Math.ceil(RUNS / 4) },
  );
});

/** Strings holding lone surrogates, which JSON.stringify writes as \udXXX escapes. */
const withLoneSurrogate = fc
  .tuple(fc.string({ maxLength: 5 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 5 }))
  .map(([a, s, b]) => a + String.fromCharCode(s) + b);

test('lone surrogates anywhere in a body never give a 5xx; in labels they are a 400', async () => {
  const bodies = fc.oneof(
    withLoneSurrogate.map((s) => ({
      path: '/v1/jobs',
      scope: 'client' as const,
      body: { kind: 'test.echo', input: 1, requires: { gpu: s } },
      must: 400,
    })),
    withLoneSurrogate.map((s) => ({
      path: '/v1/jobs',
      scope: 'client' as const,
      body: { kind: 'test.echo', input: 1, requires: { [s]: 'x' } },
      must: 400,
    })),
    withLoneSurrogate.map((s) => ({
      path: '/v1/worker/claim',
      scope: 'worker' as const,
      body: { workerId: 'w', capabilities: [{ kind: 'test.echo', labels: { l: s } }] },
      must: 400,
    })),
    withLoneSurrogate.map((s) => ({
      path: '/v1/jobs',
      scope: 'client' as const,
      body: { kind: 'test.echo', input: { [s]: s }, key: s, concurrencyKey: s },
      must: 0,
    })),
    withLoneSurrogate.map((s) => ({
      path: '/v1/jobs',
      scope: 'client' as const,
      body: { kind: s, input: s },
      must: 400,
    })),
    withLoneSurrogate.map((s) => ({
      path: '/v1/sandbox/posts',
      scope: 'client' as const,
      body: { author: 'fuzz', text: s, key: s },
      must: 0,
    })),
    withLoneSurrogate.map((s) => ({
      path: `/v1/feeds/${encodeURIComponent('f')}/items`,
      scope: 'bot' as const,
      body: { items: [s, { [s]: s }] },
      must: 0,
    })),
  );
  await fc.assert(
    fc.asyncProperty(bodies, async ({ path, scope, body, must }) => {
      const { status, json } = await send(path, tokenOf(scope), JSON.stringify(body));
      assert.ok(status < 500, `${path} answered ${status}: ${JSON.stringify(json).slice(0, 300)}`);
      if (must) assert.equal(status, must, `${path}: ${JSON.stringify(json).slice(0, 300)}`);
    }),
    { numRuns: Math.ceil(RUNS / 2) },
  );
});

test('label names outside the documented pattern are a 400 in jobs and claims', async () => {
  const pattern = new RegExp(LABEL_PATTERN);
  const badName = fc.string({ maxLength: 80 }).filter((s) => !pattern.test(s));
  await fc.assert(
    fc.asyncProperty(badName, fc.boolean(), async (name, asJob) => {
      const { status, json } = asJob
        ? await send(
            '/v1/jobs',
            clientToken,
            JSON.stringify({ kind: 'test.echo', input: 1, requires: { [name]: 'v' } }),
          )
        : await send(
            '/v1/worker/claim',
            workerToken,
            JSON.stringify({ workerId: 'w', capabilities: [{ kind: 'test.echo', labels: { [name]: 'v' } }] }),
          );
      assert.equal(status, 400, JSON.stringify(json));
      assert.equal(json.error.field, asJob ? 'requires' : 'capabilities.0.labels');
    }),
    { numRuns: Math.ceil(RUNS / 2) },
  );
});

test('cursors and other query values of any text are a 4xx or a page, never a 5xx', async () => {
  const value = fc.oneof(fc.string(), fc.constantFrom('', '0', '-1', 'abc', '1e3', '9007199254740993', '%00', '1.5'));
  const pages = [
    '/v1/sandbox/events?account=alice&cursor=',
    '/v1/tasks/dead?cursor=',
    '/v1/jobs?cursor=',
    '/v1/sandbox/posts?before=',
    '/v1/jobs?limit=',
    '/v1/stats/minutes?since=',
  ];
  await fc.assert(
    fc.asyncProperty(value, fc.constantFrom(...pages), async (v, page) => {
      const { status, json } = await send(page + encodeURIComponent(v), clientToken, undefined, { method: 'GET' });
      assert.ok(status < 500, `${page}${v} answered ${status}: ${JSON.stringify(json).slice(0, 300)}`);
    }),
    { numRuns: RUNS },
  );
});

test('a body of any content type but JSON is a 415 invalid_body', async () => {
  const type = fc.oneof(
    fc.constantFrom(
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/octet-stream',
      'text/json',
    ),
    fc
      .tuple(fc.stringMatching(/^[a-z]{1,10}$/), fc.stringMatching(/^[a-z.+-]{1,12}$/))
      .map(([a, b]) => `${a}/${b}`)
      .filter((t) => !/json/.test(t)),
  );
  await fc.assert(
    fc.asyncProperty(type, fc.constantFrom(...endpoints), async (contentType, ep) => {
      const { status, json } = await send(ep.path, tokenOf(ep.scope), '{"kind":"test.echo","input":1}', {
        contentType,
      });
      assert.equal(status, 415, `${ep.path} with ${contentType}: ${JSON.stringify(json)}`);
      assert.equal(json.error.code, 'invalid_body');
    }),
    { numRuns: Math.ceil(RUNS / 2) },
  );
});

test('the hub still serves after the barrage', async () => {
  const client = await h.as('client');
  const job = await client.post<{ id: string; state: string }>('/v1/jobs', { kind: 'test.echo', input: { ok: true } });
  assert.equal(job.state, 'queued');
  const health = await fetch(`${h.url}/v1/health`);
  assert.equal(health.status, 200);
});
