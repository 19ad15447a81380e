import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import type { RouteOptions } from 'fastify';
import * as R from './responses.js';

/**
 * What the OpenAPI document says of each route beyond its request schemas: its replies, the
 * query parameters its handler parses itself (query.ts), and the errors every route may answer.
 * server.ts adds them to each route as it is registered, so route files stay about behaviour.
 */

const open = { additionalProperties: true } as const;
const ref = (s: TSchema) => Type.Ref(s.$id!);
const list = <K extends string>(key: K, item: TSchema, extra: Record<string, TSchema> = {}) =>
  Type.Object({ [key]: Type.Array(ref(item)), ...extra }, open);
const NextCursor = Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page' });
const Ok = Type.Object({ ok: Type.Literal(true) }, open);
const obj = (props: Record<string, TSchema>) => Type.Object(props, open);
const events = (what: string) => ({
  description: `Server-Sent Events: ${what}`,
  content: { 'text/event-stream': { schema: { type: 'string' } } },
});

const job = ref(R.Job);
const bot = ref(R.Bot);
const post = ref(R.SandboxPost);
const artifact = obj({
  sha256: Type.String(),
  size: Type.Integer(),
  type: Type.String(),
  ref: obj({ $artifact: Type.String(), size: Type.Integer(), type: Type.String() }),
});
const account = obj({ name: Type.String(), platform: Type.String() });
const pipelineRun = obj({
  id: Type.String(),
  name: Type.String(),
  state: Type.String(),
  error: Type.Union([Type.String(), Type.Null()]),
  steps: Type.Array(
    obj({
      step: Type.String(),
      state: Type.String(),
      reused: Type.Boolean(),
      reason: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

/** The reply of each route on success, by `METHOD /url` as Fastify names it. */
const SUCCESS: Record<string, Record<number, unknown>> = {
  'POST /v1/jobs': { 201: job, 200: job },
  'POST /v1/jobs/batch': { 200: obj({ jobs: Type.Array(job), created: Type.Array(Type.Boolean()) }) },
  'POST /v1/jobs/:id/enough': { 200: job },
  'GET /v1/jobs': { 200: list('jobs', R.Job, { nextCursor: NextCursor }) },
  'GET /v1/jobs/:id': { 200: ref(R.JobWithResults) },
  'GET /v1/jobs/:id/tasks': { 200: list('tasks', R.Task) },
  'POST /v1/jobs/:id/cancel': { 200: job },
  'GET /v1/jobs/:id/events': { 200: events('job, then state, result and progress; ends when the job is done') },
  'POST /v1/worker/claim': { 200: list('tasks', R.ClaimedTask, { hubVersion: Type.String() }) },
  'POST /v1/worker/heartbeat': {
    200: obj({
      extended: Type.Array(Type.String()),
      cancelled: Type.Array(Type.String()),
      lost: Type.Array(Type.String()),
    }),
  },
  'POST /v1/worker/progress': { 200: Ok },
  'POST /v1/worker/complete': { 200: list('results', R.CompleteOutcome) },
  'POST /v1/worker/fail': { 200: Ok },
  'POST /v1/worker/release': { 200: obj({ released: Type.Array(Type.String()) }) },
  'GET /v1/health': { 200: obj({ ok: Type.Boolean(), version: Type.String() }) },
  'GET /v1/openapi.json': { 200: Type.Object({}, { ...open, description: 'This document' }) },
  'POST /v1/tokens': { 201: Type.Composite([R.TokenInfo, Type.Object({ token: Type.String() })], open) },
  'GET /v1/tokens': { 200: list('tokens', R.TokenInfo) },
  'DELETE /v1/tokens/:id': { 200: obj({ revoked: Type.String() }) },
  'GET /v1/workers': { 200: list('workers', R.Worker) },
  'GET /v1/stats': {
    200: Type.Composite(
      [
        R.StoreStats,
        Type.Object({ workersConnected: Type.Integer(), waitingClaims: Type.Integer(), version: Type.String() }),
      ],
      open,
    ),
  },
  'GET /v1/stats/minutes': { 200: list('minutes', R.MinutePoint) },
  'GET /v1/stats/events': { 200: events('an overview snapshot now and every 2 s') },
  'GET /v1/limits': { 200: list('limits', R.Limit) },
  'PUT /v1/limits/:key': { 200: ref(R.Limit) },
  'DELETE /v1/limits/:key': { 200: obj({ deleted: Type.String() }) },
  'POST /v1/tasks/dead/purge': { 200: obj({ purgedJobs: Type.Integer() }) },
  'POST /v1/tasks/:id/purge': { 200: obj({ purgedJobs: Type.Integer() }) },
  'GET /v1/tasks/dead': { 200: list('tasks', R.DeadTask, { nextCursor: NextCursor }) },
  'GET /v1/tasks/:id': { 200: ref(R.Task) },
  'POST /v1/tasks/:id/redrive': { 200: ref(R.Task) },
  'POST /v1/session': { 201: ref(R.Session) },
  'GET /v1/session': { 200: ref(R.Session) },
  'DELETE /v1/session': { 200: obj({ loggedOut: Type.Boolean() }) },
  'GET /v1/bots': { 200: list('bots', R.Bot, { leads: Type.Boolean() }) },
  'GET /v1/bots/:name': { 200: bot },
  'POST /v1/bots': { 201: bot },
  'POST /v1/bots/:name/pause': { 200: bot },
  'POST /v1/bots/:name/resume': { 200: bot },
  'POST /v1/bots/:name/run': { 200: bot },
  'DELETE /v1/bots/:name': { 200: obj({ destroyed: Type.String() }) },
  'GET /v1/bots/:name/logs': { 200: list('lines', R.BotLogLine) },
  'GET /v1/bots/:name/logs/events': { 200: events('log lines') },
  'GET /v1/bots/:name/state': { 200: obj({ state: Type.Record(Type.String(), Type.Unknown()) }) },
  'PUT /v1/bots/:name/state/:key': { 200: obj({ key: Type.String(), value: Type.Unknown() }) },
  'POST /v1/feeds/:feed/items': { 200: obj({ seqs: Type.Array(Type.Integer()) }) },
  'GET /v1/feeds/:feed/items': { 200: list('items', R.FeedItem) },
  'POST /v1/feeds/:feed/ack': { 200: obj({ feed: Type.String(), consumer: Type.String(), acked: Type.Integer() }) },
  'GET /v1/sandbox/posts': { 200: list('posts', R.SandboxPost, { nextCursor: NextCursor }) },
  'GET /v1/sandbox/posts/events': { 200: events('the 50 newest posts, then each new one') },
  'GET /v1/sandbox/posts/:id': { 200: post },
  'POST /v1/sandbox/posts/:id/likes': { 200: obj({ liked: Type.Boolean(), post }) },
  'GET /v1/sandbox/accounts': { 200: obj({ accounts: Type.Array(Type.String()) }) },
  'POST /v1/sandbox/posts': { 201: post, 200: post },
  'POST /v1/sandbox/asks': { 201: post, 200: post },
  'GET /v1/logs': {
    200: obj({
      logs: Type.Array(
        obj({ id: Type.String(), at: Type.Integer(), level: Type.String(), source: Type.String(), msg: Type.String() }),
      ),
    }),
  },
  'POST /v1/logs': { 202: obj({ accepted: Type.Integer() }) },
  'GET /v1/artifacts': { 200: obj({ artifacts: Type.Array(artifact), nextCursor: NextCursor }) },
  'PUT /v1/artifacts': { 201: artifact, 200: artifact },
  'GET /v1/artifacts/:sha256': {
    200: {
      description: 'The bytes, with their content type',
      content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
    },
    206: {
      description: 'The bytes of the Range asked for',
      content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
    },
  },
  'DELETE /v1/artifacts/:sha256': { 200: obj({ deleted: Type.String() }) },
  'POST /v1/artifacts/:sha256/link': { 200: obj({ url: Type.String(), expiresAt: Type.Integer() }) },
  'POST /v1/artifacts/gc': { 200: obj({ deleted: Type.Array(Type.String()) }) },
  'POST /v1/pipelines': { 201: pipelineRun },
  'GET /v1/pipelines': {
    200: obj({ runs: Type.Array(obj({ id: Type.String(), state: Type.String() })), nextCursor: NextCursor }),
  },
  'GET /v1/pipelines/:id': { 200: pipelineRun },
  'POST /v1/pipelines/:id/cancel': { 200: pipelineRun },
  'GET /v1/usage': { 200: obj({ since: Type.String(), usage: Type.Array(obj({})) }) },
  'GET /v1/platforms': { 200: obj({ platforms: Type.Array(obj({ name: Type.String() })) }) },
  'GET /v1/accounts': { 200: obj({ accounts: Type.Array(account) }) },
  'POST /v1/accounts': { 201: account },
  'POST /v1/accounts/:name/test': { 200: obj({}) },
  'DELETE /v1/accounts/:name': { 204: { description: 'Removed, with its credentials' } },
  'GET /v1/platform-calls': { 200: obj({ calls: Type.Array(obj({})) }) },
  'GET /v1/sandbox/events': {
    200: obj({
      events: Type.Array(obj({ type: Type.String(), platform: Type.String(), post: obj({}), cursor: Type.String() })),
      cursor: Type.Union([Type.String(), Type.Null()]),
    }),
  },
};

const param = (description: string) => Type.Optional(Type.String({ description }));
const LIMIT = (max: number, def: number) => param(`1 to ${max} (default ${def})`);

/** Query parameters of routes that parse their query themselves and declare no schema for it. */
const QUERIES: Record<string, TObject> = {
  'GET /v1/jobs/:id': Type.Object({
    wait: param('Long-poll: a duration such as 30s or 500ms (a bare number is seconds), at most 300s'),
    results: param('With wait: answer once the job has at least this many results'),
  }),
  'GET /v1/tasks/dead': Type.Object({ cursor: param('The nextCursor of the previous page'), limit: LIMIT(500, 50) }),
  'GET /v1/sandbox/posts': Type.Object({ before: param('A post id: posts older than it'), limit: LIMIT(500, 50) }),
  'GET /v1/sandbox/events': Type.Object({
    account: Type.String({ description: 'The account whose events to read' }),
    cursor: param('The cursor of the previous poll (a post id); omit to start at the beginning'),
    limit: LIMIT(500, 100),
  }),
  'GET /v1/bots/:name/logs': Type.Object({
    since: param('Epoch ms'),
    after: param('A line id: the lines after it'),
    limit: LIMIT(1000, 200),
  }),
  'GET /v1/feeds/:feed/items': Type.Object({
    consumer: Type.String({ description: 'The name whose cursor to read from' }),
    limit: LIMIT(1000, 100),
  }),
};

const error = (description: string) => ({ description, ...Type.Ref(R.ErrorReply.$id!) });

/** The documentation of one route, added as Fastify registers it. */
export function documentRoute(route: RouteOptions): void {
  const method = Array.isArray(route.method) ? route.method[0] : route.method;
  const key = `${method === 'HEAD' ? 'GET' : method} ${route.url}`;
  const schema = (route.schema ??= {}) as Record<string, unknown>;
  const authenticated = route.onRequest !== undefined;
  if (!authenticated) schema.security = [];
  const query = QUERIES[key];
  if (query && !schema.querystring) schema.querystring = query;
  const hasBody = schema.body !== undefined;
  const success = Object.entries(SUCCESS[key] ?? {}).map(([status, reply]) => [
    status,
    { description: status === '201' ? 'Created' : 'OK', ...(reply as object) },
  ]);
  schema.response = {
    ...Object.fromEntries(success),
    400: error('Invalid request: the field names the input at fault'),
    ...(authenticated ? { 401: error('No valid token or session'), 403: error("The token's scope may not") } : {}),
    404: error('No such resource or route'),
    ...(method === 'GET' || method === 'HEAD' ? {} : { 409: error('Conflict: lease lost, cancelled, not dead') }),
    ...(hasBody ? { 413: error('Body over maxBodyBytes'), 415: error('Body not application/json') } : {}),
    500: error('A bug; the hub log has the details'),
    503: error('Shutting down or unavailable; retry'),
    ...(schema.response as object | undefined),
  };
}
