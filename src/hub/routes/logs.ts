import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { LOG_LEVELS, levelName, newLogId, type LogEntry, type LogLevelName } from '../../log.js';
import type { LogStore } from '../../store/logStore.js';
import { requireScope } from '../auth.js';
import type { LogSink } from '../logSink.js';
import { NUL_FREE } from '../schemas.js';
import { checkKnown, enumParam, intParam, patternParam, type Query } from '../query.js';
import type { Tokens } from '../tokens.js';

const LEVEL_NAMES = Object.keys(LOG_LEVELS) as LogLevelName[];

const WorkerLogBody = Type.Object(
  {
    source: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, pattern: NUL_FREE, description: "The worker's name" }),
    ),
    lines: Type.Array(
      Type.Object(
        {
          at: Type.Integer({ minimum: 0, description: 'Epoch ms' }),
          level: Type.Union([Type.Literal('warn'), Type.Literal('error'), Type.Literal('fatal')]),
          msg: Type.String({ maxLength: 10_000, pattern: NUL_FREE }),
          data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        },
        { additionalProperties: false },
      ),
      { maxItems: 200 },
    ),
  },
  { additionalProperties: false },
);

/** An entry as the API shows it: the level by name. */
function view(e: LogEntry) {
  return { ...e, level: levelName(e.level) };
}

/** A line's data as it will be stored, or null when it cannot be written back out as JSON. */
function storable(data: Record<string, unknown> | undefined): Record<string, unknown> | null {
  if (data === undefined) return null;
  try {
    JSON.stringify(data);
    return data;
  } catch {
    return { unstorable: true };
  }
}

/**
 * Requests answered 4xx or 5xx go to the kept log with their route, status, token and duration
 * (5xx at warn level, 4xx at info). Registered before the routes, so that it applies to them all.
 */
export function accessLog(app: FastifyInstance, sink: LogSink): void {
  // A callback hook, not an async one: the 2xx answers that make up the hot path cost a compare.
  app.addHook('onResponse', (req, reply, done) => {
    const status = reply.statusCode;
    if (status < 400) return done();
    const route = req.routeOptions.url ?? req.url.split('?')[0]!;
    sink.add({
      id: newLogId(),
      at: Date.now(),
      level: status >= 500 ? LOG_LEVELS.warn : LOG_LEVELS.info,
      source: 'hub',
      msg: `${req.method} ${route} ${status}`,
      data: {
        request: true,
        method: req.method,
        route,
        status,
        tokenId: req.token?.id ?? null,
        durationMs: Math.round(reply.elapsedTime),
      },
    });
    done();
  });
}

export function logRoutes(app: FastifyInstance, logs: LogStore, sink: LogSink, tokens: Tokens): void {
  app.get(
    '/v1/logs',
    {
      onRequest: requireScope(tokens),
      schema: {
        tags: ['admin'],
        summary: 'The kept log: warn and error lines of the hub and its workers, requests answered 4xx/5xx',
      },
    },
    async (req) => {
      const q = req.query as Query;
      checkKnown(q, ['since', 'level', 'id', 'limit']);
      const level = enumParam(q, 'level', LEVEL_NAMES) ?? 'info';
      const id = patternParam(
        q,
        'id',
        /^[0-9a-f]{16}(?:[0-9a-f]{8})?$/,
        'a log line id (24 hex digits; 16 for older lines)',
      );
      // Lines held in memory are written first, so a line logged a moment ago is found.
      await sink.flush();
      const lines = await logs.list({
        since: intParam(q, 'since', 0, Number.MAX_SAFE_INTEGER),
        minLevel: LOG_LEVELS[level],
        id,
        limit: intParam(q, 'limit', 1, 10_000) ?? 200,
      });
      return { logs: lines.map(view) };
    },
  );

  app.post(
    '/v1/logs',
    {
      onRequest: requireScope(tokens, 'worker'),
      schema: { tags: ['worker'], summary: "A worker's warn and error lines, for the kept log", body: WorkerLogBody },
    },
    async (req, reply) => {
      const b = req.body as Static<typeof WorkerLogBody>;
      const source = `worker ${b.source ?? req.token!.id}`;
      sink.add(
        ...b.lines.map((l) => ({
          id: newLogId(),
          at: l.at,
          level: LOG_LEVELS[l.level],
          source,
          msg: l.msg,
          data: { ...storable(l.data), tokenId: req.token!.id },
        })),
      );
      return reply.code(202).send({ accepted: b.lines.length });
    },
  );
}
