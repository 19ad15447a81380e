import type { FastifyInstance } from 'fastify';
import { ROLLUP_RETAIN_MS } from '../../broker/rollupRecorder.js';
import { InputError } from '../../errors.js';
import { requireScope } from '../auth.js';
import type { JobBroker } from '../../broker/jobBroker.js';
import { visibleTasks } from '../jobAccess.js';
import type { OverviewFeed, OverviewSnapshot } from '../overviewFeed.js';
import { checkKnown, intParam, type Query } from '../query.js';
import { MinutesQuery } from '../schemas.js';
import { SseStream } from '../sse.js';
import type { Tokens } from '../tokens.js';

const HOUR_MS = 3_600_000;

/** The dashboard overview's data: per-minute series of the last day, and a stream of live snapshots. */
export function overviewRoutes(app: FastifyInstance, overview: OverviewFeed, broker: JobBroker, tokens: Tokens): void {
  const client = { onRequest: requireScope(tokens, 'client', 'bot') };
  const tags = ['admin'];

  app.get(
    '/v1/stats/minutes',
    {
      ...client,
      schema: {
        tags,
        summary: 'Per-minute jobs, claims and dispatch latency (p50, p99), up to the last 24 hours',
        querystring: MinutesQuery,
      },
    },
    async (req) => {
      const q = req.query as Query;
      checkKnown(q, ['since', 'until']);
      const now = Date.now();
      const since = intParam(q, 'since', 0, Number.MAX_SAFE_INTEGER) ?? now - HOUR_MS;
      const until = intParam(q, 'until', 0, Number.MAX_SAFE_INTEGER) ?? now;
      if (until < since) throw new InputError('until', `until (${until}) must not be before since (${since})`);
      // Older minutes are not kept: an earlier since reads from 24 hours ago.
      return { minutes: await overview.series(Math.max(since, now - ROLLUP_RETAIN_MS), Math.min(until, now)) };
    },
  );

  app.get(
    '/v1/stats/events',
    { ...client, schema: { tags, summary: `Server-Sent Events: an overview snapshot now and every 2 s` } },
    async (req, reply) => {
      checkKnown(req.query as Query, []);
      // A token confined to its own jobs sees only their dead tasks.
      const own = async (s: OverviewSnapshot) => ({ ...s, dead: await visibleTasks(broker, req.token!, s.dead) });
      const first = await own(await overview.snapshot());
      let unsubscribe = () => {};
      const stream = new SseStream(reply, () => unsubscribe());
      stream.send('overview', first);
      // A read that fails skips this tick's snapshot; the next comes a tick later.
      unsubscribe = overview.subscribe(
        (s) =>
          void own(s).then(
            (mine) => stream.send('overview', mine),
            () => undefined,
          ),
      );
    },
  );
}
