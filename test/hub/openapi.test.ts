import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { WorkerAgent } from '../../src/worker/workerAgent.js';
import { quietLog, startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { send } from '../fixtures/apiHandlers.js';

// The hub describes its own API, so clients in any language can be generated from it: every
// reply with its schema, every parameter, the error shape, and which routes need no token.

let h: TestHub;
let doc: any;
before(async () => {
  h = await startTestHub();
  doc = JSON.parse((await send(h.url, 'GET', '/v1/openapi.json')).text);
});
after(() => h.close());

const METHODS = ['get', 'post', 'put', 'delete', 'patch'];
const operations = () =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ path, method, op })),
  );

/** Checks a reply against the schema the document declares for it (refs resolved within the document). */
const ajv = new Ajv2020({ strict: false, allErrors: true });
function checkReply(method: string, path: string, status: number, body: unknown): void {
  const pointer = ['paths', path, method, 'responses', String(status), 'content', 'application/json', 'schema']
    .map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1'))
    .join('/');
  if (!ajv.getSchema('openapi')) ajv.addSchema(doc, 'openapi');
  const validate = ajv.getSchema(`openapi#/${pointer}`);
  assert.ok(validate, `the document declares ${method.toUpperCase()} ${path} ${status}`);
  assert.ok(
    validate(body),
    `${method.toUpperCase()} ${path} ${status} matches its schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`,
  );
}

test('GET /v1/openapi.json is an OpenAPI 3 document listing the job and worker endpoints', async () => {
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
    '/v1/openapi.json',
  ]) {
    assert.ok(doc.paths?.[path], `paths include ${path}; has ${Object.keys(doc.paths ?? {}).join(', ')}`);
  }
  assert.ok(doc.paths['/v1/jobs'].post, 'POST /v1/jobs is described');
  assert.ok(doc.paths['/v1/jobs'].get, 'GET /v1/jobs is described');
  assert.ok(doc.paths['/v1/worker/claim'].post.requestBody, 'the claim body schema is included');
  const jobBody = doc.paths['/v1/jobs'].post.requestBody.content['application/json'].schema;
  assert.ok(jobBody.properties.kind && jobBody.properties.variants, 'the job body names its fields');
  assert.deepEqual([...jobBody.required].sort(), ['input', 'kind']);
  for (const path of ['/v1/session', '/v1/stats/minutes', '/v1/stats/events'])
    assert.ok(doc.paths[path], `the dashboard's ${path} is described`);
});

test('the document passes a maintained OpenAPI validator', async () => {
  const result = await new Validator().validate(doc);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
});

test('every operation declares its success reply with a schema and its errors with the error shape', () => {
  const names = Object.keys(doc.components?.schemas ?? {});
  for (const name of ['Job', 'JobWithResults', 'Result', 'Task', 'DeadTask', 'ClaimedTask', 'Error', 'TokenInfo'])
    assert.ok(names.includes(name), `components.schemas has ${name}; has ${names.join(', ')}`);
  const ops = operations();
  assert.ok(ops.length > 40, `all routes are described (${ops.length})`);
  for (const { path, method, op } of ops) {
    const where = `${method.toUpperCase()} ${path}`;
    const success = Object.entries(op.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status));
    assert.ok(success.length > 0, `${where} declares a 2xx reply`);
    for (const [status, reply] of success as Array<[string, any]>) {
      assert.notEqual(reply.description, 'Default Response', `${where} ${status} says what it is`);
      if (status === '204') continue; // No Content: nothing to describe
      const content = Object.values(reply.content ?? {})[0] as { schema?: unknown } | undefined;
      assert.ok(content?.schema, `${where} ${status} has a schema`);
    }
    const needsToken = !(Array.isArray(op.security) && op.security.length === 0);
    const errors = ['400', '404', '503', ...(needsToken ? ['401', '403'] : [])];
    if (op.requestBody) errors.push('413', '415');
    if (method !== 'get') errors.push('409');
    for (const status of errors)
      assert.equal(
        op.responses[status]?.content?.['application/json']?.schema?.$ref,
        '#/components/schemas/Error',
        `${where} declares ${status} with the error shape`,
      );
  }
  assert.ok(doc.paths['/v1/jobs'].post.responses['201'], 'a new job is 201');
  assert.equal(
    doc.paths['/v1/jobs'].post.responses['201'].content['application/json'].schema.$ref,
    '#/components/schemas/Job',
  );
});

test('every query parameter is declared, and routes needing no token say so', () => {
  const params = (path: string, method = 'get') =>
    (doc.paths[path][method].parameters ?? []).map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
  const expected: Record<string, string[]> = {
    '/v1/jobs': ['state', 'kind', 'bot', 'since', 'until', 'cursor', 'limit'],
    '/v1/jobs/{id}': ['wait', 'results'],
    '/v1/tasks/dead': ['limit', 'cursor'],
    '/v1/stats/minutes': ['since', 'until'],
    '/v1/sandbox/posts': ['before', 'limit'],
    '/v1/sandbox/events': ['account', 'cursor', 'limit'],
    '/v1/bots/{name}/logs': ['since', 'after', 'limit'],
    '/v1/feeds/{feed}/items': ['consumer', 'limit'],
  };
  for (const [path, names] of Object.entries(expected))
    for (const name of names) assert.ok(params(path).includes(`query:${name}`), `GET ${path} documents ${name}`);
  for (const { path, method, op } of operations())
    for (const [, name] of path.matchAll(/\{(\w+)\}/g))
      assert.ok(
        (op.parameters ?? []).some((p: { name: string; in: string }) => p.in === 'path' && p.name === name),
        `${method.toUpperCase()} ${path} declares its path parameter ${name}`,
      );

  assert.deepEqual(doc.security, [{ bearer: [] }], 'a token is needed unless an operation says otherwise');
  for (const [path, method] of [
    ['/v1/health', 'get'],
    ['/v1/openapi.json', 'get'],
    ['/v1/session', 'post'],
  ] as const)
    assert.deepEqual(doc.paths[path][method].security, [], `${method.toUpperCase()} ${path} needs no token`);
  for (const [path, method] of [
    ['/v1/jobs', 'post'],
    ['/v1/session', 'get'],
    ['/v1/worker/claim', 'post'],
  ] as const)
    assert.equal(doc.paths[path][method].security, undefined, `${method.toUpperCase()} ${path} needs a token`);
});

test('the OpenAPI document is served without a token', async () => {
  const r = await send(h.url, 'GET', '/v1/openapi.json');
  assert.equal(r.status, 200);
  assert.ok(JSON.parse(r.text).paths['/v1/worker/complete']);
});

test('replies carry every field and match the schemas the document declares', async () => {
  const client = await h.as('client');
  const worker = await h.as('worker');
  const call = async (method: string, path: string, template: string, token?: string, body?: unknown) => {
    const r = await send(h.url, method, path, { token, body });
    checkReply(method.toLowerCase(), template, r.status, r.json);
    return r;
  };
  checkReply('get', '/v1/openapi.json', 200, doc);
  await call('GET', '/v1/health', '/v1/health');
  const spec = { kind: 'test.echo', input: { a: [1, { b: null }] }, variants: 2, key: 'k1', requires: { x: 'y' } };
  const created = await call('POST', '/v1/jobs', '/v1/jobs', client.token, spec);
  assert.equal(created.status, 201);
  const again = await call('POST', '/v1/jobs', '/v1/jobs', client.token, spec);
  assert.equal(again.status, 200);
  const id = (created.json as { id: string }).id;
  // The job's fields all arrive, including ones the schema only allows (additionalProperties).
  assert.deepEqual(created.json.requires, { x: 'y' });
  assert.deepEqual(created.json.input, spec.input);
  await call('GET', `/v1/jobs/${id}`, '/v1/jobs/{id}', client.token);
  await call('GET', `/v1/jobs/${id}/tasks`, '/v1/jobs/{id}/tasks', client.token);
  await call('GET', '/v1/jobs?limit=5', '/v1/jobs', client.token);
  await call('POST', '/v1/jobs/batch', '/v1/jobs/batch', client.token, { jobs: [{ kind: 'test.echo', input: 1 }] });
  await call('GET', '/v1/stats', '/v1/stats', client.token);
  await call('GET', '/v1/stats/minutes', '/v1/stats/minutes', client.token);
  await call('GET', '/v1/tokens', '/v1/tokens', h.adminToken);
  await call('GET', '/v1/limits', '/v1/limits', client.token);
  await call('GET', '/v1/tasks/dead', '/v1/tasks/dead', client.token);
  await call('GET', '/v1/sandbox/posts', '/v1/sandbox/posts', client.token);

  const claimBody = { workerId: 'w1', capabilities: [{ kind: 'test.echo', labels: { x: 'y' } }], max: 2 };
  const claimed = await call('POST', '/v1/worker/claim', '/v1/worker/claim', worker.token, claimBody);
  const leases = (claimed.json as { tasks: Array<{ leaseId: string }> }).tasks.map((t) => t.leaseId);
  assert.equal(leases.length, 2);
  await call('GET', '/v1/workers', '/v1/workers', h.adminToken);
  await call('POST', '/v1/worker/heartbeat', '/v1/worker/heartbeat', worker.token, { leaseIds: leases });
  await call('POST', '/v1/worker/complete', '/v1/worker/complete', worker.token, {
    results: [{ leaseId: leases[0], output: { ok: true } }],
  });
  await call('POST', '/v1/worker/fail', '/v1/worker/fail', worker.token, {
    leaseId: leases[1],
    error: 'boom',
    retryable: false,
  });
  await call('GET', `/v1/jobs/${id}`, '/v1/jobs/{id}', client.token);
  await call('GET', '/v1/tasks/dead', '/v1/tasks/dead', client.token);

  // Errors, each in the shape declared for it.
  const lost = await call('POST', '/v1/worker/complete', '/v1/worker/complete', worker.token, {
    results: [{ leaseId: leases[1], output: 1 }],
  });
  assert.equal(lost.status, 409);
  assert.equal((await call('POST', '/v1/jobs', '/v1/jobs', client.token, { kind: 'test.echo' })).status, 400);
  assert.equal((await call('POST', '/v1/jobs', '/v1/jobs', undefined, spec)).status, 401);
  assert.equal((await call('POST', '/v1/jobs', '/v1/jobs', worker.token, spec)).status, 403);
  assert.equal((await call('GET', '/v1/jobs/nope', '/v1/jobs/{id}', client.token)).status, 404);
  const plain = await send(h.url, 'POST', '/v1/jobs', { token: client.token, raw: '{}', contentType: 'text/plain' });
  checkReply('post', '/v1/jobs', plain.status, plain.json);
  assert.equal(plain.status, 415);
});

const generatedDir = join(dirname(fileURLToPath(import.meta.url)), `generated-client-${process.pid}`);
after(() => rmSync(generatedDir, { recursive: true, force: true }));

/** A client program as a user would write it against the generated types; it must type-check. */
const CLIENT = `
import createClient from 'openapi-fetch';
import type { components, paths } from './api.js';

type Result = components['schemas']['Result'];

export async function submitAndRead(baseUrl: string, token: string): Promise<{ state: string; results: Result[] }> {
  const health = await createClient<paths>({ baseUrl }).GET('/v1/health');
  if (!health.data?.ok) throw new Error('the hub is not healthy');
  const api = createClient<paths>({ baseUrl, headers: { authorization: 'Bearer ' + token } });
  const submitted = await api.POST('/v1/jobs', { body: { kind: 'test.echo', input: { text: 'hi' }, variants: 2 } });
  if (!submitted.data) throw new Error('submit failed: ' + submitted.error?.error.message);
  const id: string = submitted.data.id;
  const done = await api.GET('/v1/jobs/{id}', { params: { path: { id }, query: { wait: '20s', results: '2' } } });
  if (!done.data) throw new Error('read failed: ' + done.error?.error.code);
  const state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' = done.data.state;
  return { state, results: done.data.results };
}

// Never called: these lines only compile if the generated types are precise.
export async function mistakes(api: ReturnType<typeof createClient<paths>>): Promise<void> {
  // @ts-expect-error variants is an integer, not a string
  await api.POST('/v1/jobs', { body: { kind: 'test.echo', input: 1, variants: 'two' } });
  // @ts-expect-error kind is required
  await api.POST('/v1/jobs', { body: { input: 1 } });
  // @ts-expect-error there is no such path
  await api.GET('/v1/no-such-route');
  const r = await api.GET('/v1/tasks/dead', { params: { query: { limit: '10', cursor: 'x' } } });
  // @ts-expect-error a dead task's error is a string
  const n: number | undefined = r.data?.tasks[0]?.error;
  void n;
}
`;

test(
  'a client generated from the document by openapi-typescript type-checks, submits a job and reads its results',
  {
    timeout: 120_000,
  },
  async () => {
    mkdirSync(generatedDir, { recursive: true });
    writeFileSync(join(generatedDir, 'api.d.ts'), astToString(await openapiTS(doc)));
    writeFileSync(join(generatedDir, 'client.ts'), CLIENT);
    const program = ts.createProgram([join(generatedDir, 'client.ts')], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      skipLibCheck: true,
      types: [],
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      outDir: generatedDir,
    });
    const diagnostics = [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
    assert.deepEqual(
      diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
      [],
      'the generated client type-checks',
    );

    const workerToken = (await h.as('worker')).token;
    const agent = new WorkerAgent({
      hub: h.url,
      token: workerToken,
      workerId: 'generated-client-worker',
      name: 'generated-client-worker',
      handlers: [{ kind: 'test.echo', run: (input, ctx) => ({ echoed: input, seed: ctx.seed }) }],
      concurrency: 2,
      waitMs: 2000,
      graceMs: 500,
      log: quietLog,
    });
    const loop = agent.start();
    try {
      const { submitAndRead } = await import(pathToFileURL(join(generatedDir, 'client.js')).href);
      const { state, results } = await submitAndRead(h.url, (await h.as('client')).token);
      assert.equal(state, 'succeeded');
      assert.equal(results.length, 2);
      for (const r of results) assert.deepEqual(r.output.echoed, { text: 'hi' });
    } finally {
      await agent.stop();
      await loop;
    }
  },
);
