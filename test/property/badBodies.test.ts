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
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

// Thousands of generated bad bodies against the create and worker endpoints: each must get a 4xx
// with a JSON error, and the hub must keep serving. Bodies the schema would accept are filtered
// out, so every request sent is genuinely invalid.
const RUNS = Number(process.env.ROOST_PROPERTY_RUNS ?? 600);

let h: TestHub;
let clientToken: string;
let workerToken: string;
before(async () => {
  h = await startTestHub();
  clientToken = (await h.as('client')).token;
  workerToken = (await h.as('worker')).token;
});
after(() => h.close());

async function send(path: string, token: string, body: string): Promise<{ status: number; json: any }> {
  const res = await fetch(h.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
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

test('the hub still serves after the barrage', async () => {
  const client = await h.as('client');
  const job = await client.post<{ id: string; state: string }>('/v1/jobs', { kind: 'test.echo', input: { ok: true } });
  assert.equal(job.state, 'queued');
  const health = await fetch(`${h.url}/v1/health`);
  assert.equal(health.status, 200);
});
