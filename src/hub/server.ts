import type { Socket } from 'node:net';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import type { Logger } from 'pino';
import type { Broker } from '../broker/broker.js';
import { ConflictError, InputError, NotFoundError, UnavailableError } from '../errors.js';
import { VERSION } from '../version.js';
import { newLogId } from '../log.js';
import { HttpError } from './httpError.js';
import { maxDepthKeyword } from './jsonDepth.js';
import { COMPONENTS } from './responses.js';
import { documentRoute } from './routeDocs.js';
import type { LogSink } from './logSink.js';
import { accessLog } from './routes/logs.js';
import { adminRoutes } from './routes/admin.js';
import { closeStreamsWithTheirTokens, endStreams } from './sse.js';
import { jobRoutes } from './routes/jobs.js';
import { workerRoutes } from './routes/worker.js';
import type { Tokens } from './tokens.js';

interface ErrorBody {
  error: { code: string; message: string; field?: string; [k: string]: unknown };
}

/** The field a schema validation error is about, as a dotted path (`backoff.delayMs`). */
function fieldOf(e: FastifyError): string | undefined {
  const v = e.validation?.[0];
  if (!v) return undefined;
  const path = v.instancePath.split('/').filter(Boolean);
  const params = v.params as Record<string, unknown>;
  const extra = (params.missingProperty ?? params.additionalProperty) as string | undefined;
  if (extra) path.push(extra);
  return path.join('.') || (e.validationContext ?? 'body');
}

/** Turns any thrown error into a JSON error reply; 5xx only for what is truly our fault. */
function toReply(e: unknown, log: Logger, req: FastifyRequest): { status: number; body: ErrorBody } {
  if (e instanceof HttpError) {
    return {
      status: e.status,
      body: { error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}), ...e.details } },
    };
  }
  if (e instanceof InputError)
    return { status: 400, body: { error: { code: 'invalid_request', message: e.message, field: e.field } } };
  if (e instanceof NotFoundError) return { status: 404, body: { error: { code: 'not_found', message: e.message } } };
  if (e instanceof ConflictError)
    return { status: 409, body: { error: { code: e.code, message: e.message, ...e.details } } };
  if (e instanceof UnavailableError)
    return { status: 503, body: { error: { code: 'unavailable', message: e.message } } };
  const fe = e as FastifyError;
  if (fe.validation) {
    const field = fieldOf(fe);
    const v = fe.validation[0]!;
    const where = v.instancePath
      ? `${fe.validationContext}${v.instancePath.replaceAll('/', '.')}`
      : (fe.validationContext ?? 'body');
    const extra = (v.params as Record<string, unknown>).additionalProperty;
    const message = extra
      ? `${where} has an unknown property '${String(extra)}'`
      : `${where} ${v.message ?? 'is invalid'}`;
    return { status: 400, body: { error: { code: 'invalid_request', message, ...(field ? { field } : {}) } } };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code =
      fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'body_too_large'
        : fe.code?.startsWith('FST_ERR_CTP')
          ? 'invalid_body'
          : 'bad_request';
    return { status: fe.statusCode, body: { error: { code, message: fe.message, field: 'body' } } };
  }
  // The reply names the log line, so that whoever got it can find the details (roost logs --id).
  const logId = newLogId();
  log.error({ err: e, logId, route: req.routeOptions.url, tokenId: req.token?.id }, 'request failed');
  return {
    status: 500,
    body: {
      error: { code: 'internal', message: `internal error; the hub log has the details under id ${logId}`, id: logId },
    },
  };
}

export interface ServerDeps {
  broker: Broker;
  tokens: Tokens;
  log: Logger;
  maxBodyBytes: number;
  /** A request must arrive whole (headers and body) within this; answering it may take longer. */
  requestTimeoutMs: number;
  /** Where requests answered 4xx/5xx are kept (routes/logs.ts). */
  logs?: LogSink;
  /** More route groups (the sandbox, bots), registered beside the job routes. */
  routes?: Array<(app: FastifyInstance) => void>;
}

export async function buildServer({
  broker,
  tokens,
  log,
  maxBodyBytes,
  requestTimeoutMs,
  logs,
  routes = [],
}: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: maxBodyBytes,
    // Bodies are validated as sent: no coercion of "5" into 5, no silent removal of unknown fields.
    ajv: {
      customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false },
      plugins: [maxDepthKeyword],
    },
    // A half-sent body would otherwise hold its socket for good. The clock stops once the request
    // is in, so long-polls and event streams run as long as they need. Node checks every 30 s
    // unless told, and ignores the request timeout while the headers timeout is the longer one.
    requestTimeout: requestTimeoutMs,
    http:
      requestTimeoutMs > 0
        ? {
            connectionsCheckingInterval: Math.min(1000, requestTimeoutMs),
            headersTimeout: Math.min(60_000, requestTimeoutMs),
          }
        : {},
    return503OnClosing: false,
    forceCloseConnections: 'idle',
  });
  // While closing, new requests get a 503 in the API's error format; open long-polls are answered.
  let closing = false;
  app.addHook('onClose', async () => {
    closing = true;
  });
  // A client may open a connection and never send on it (an HTTP pool dialling ahead, a worker
  // that stopped mid-connect). Such a socket carries no request to answer, yet Node does not count
  // it idle, and it would hold close() open until the headers timeout.
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const stopStreamChecks = closeStreamsWithTheirTokens(app.server, tokens);
  app.addHook('preClose', async () => {
    closing = true;
    stopStreamChecks();
    endStreams(app.server);
    for (const socket of sockets) if (socket.bytesRead === 0) socket.destroy();
  });
  app.addHook('onRequest', async (_req, reply) => {
    if (closing)
      return reply
        .code(503)
        .header('connection', 'close')
        .send({ error: { code: 'shutting_down', message: 'the hub is shutting down; retry shortly' } });
  });
  // JSON only: a body of another type gets 415 rather than being read as a string the schema refuses.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler((e, req, reply) => {
    const { status, body } = toReply(e, log, req);
    // An outage or a hub that cannot answer yet: a proxy may try another hub, a client this one later.
    if (status === 503) void reply.header('retry-after', '1');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}; see /v1/openapi.json` },
    }),
  );
  // Reply schemas document the API; replies are still written as they are, so a field the
  // schema does not name is never dropped nor a value coerced (tests check them against the schemas).
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  for (const schema of COMPONENTS) app.addSchema(schema);
  app.addHook('onRoute', documentRoute);
  await app.register(swagger, {
    // Components are named by their $id (Job, Task...), not def-0, def-1...
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
    openapi: {
      // 3.1: schemas are JSON Schema 2020-12, so `null` is a type (3.0 has no way to say it).
      openapi: '3.1.0',
      info: {
        title: 'Roost hub API',
        version: VERSION,
        description: 'Jobs, workers and tokens. See docs/protocol.md.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  // @fastify/cookie pinned to 11.1.0: 11.1.1 and later need cookie 2, which needs Node 22.
  await app.register(cookie);
  if (logs) accessLog(app, logs);
  jobRoutes(app, broker.jobs, tokens);
  workerRoutes(app, broker.work, tokens);
  adminRoutes(app, broker, tokens);
  for (const add of routes) add(app);
  app.get('/v1/openapi.json', { schema: { summary: 'This document: the API in OpenAPI 3.1' } }, async () =>
    app.swagger(),
  );
  return app;
}
