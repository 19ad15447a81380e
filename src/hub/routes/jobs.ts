import type { FastifyInstance } from 'fastify';
import type { JobBroker } from '../../broker/jobBroker.js';
import { InputError } from '../../errors.js';
import type { JobEvent, JobSpec } from '../../types/jobs.js';
import { JOB_STATES, TERMINAL_JOB_STATES } from '../../types/jobs.js';
import { requireScope } from '../auth.js';
import { BOT_NAME_PATTERN } from '../../bots/botSupervisor.js';
import { checkKnown, durationParam, enumParam, intParam, patternParam, stringParam, type Query } from '../query.js';
import { BatchBody, IdParams, JobBody, JobListQuery } from '../schemas.js';
import type { Static } from '@sinclair/typebox';
import { SseStream } from '../sse.js';
import { jsonInTurns, TURN_JOBS } from '../../util/inTurns.js';
import type { Tokens } from '../tokens.js';
import { checkJob, checkSubmitted, ownerOf, visibleJob } from '../jobAccess.js';

const MAX_WAIT_MS = 300_000;
const BOT_NAME = new RegExp(BOT_NAME_PATTERN);

export function toSpec(body: JobBody, field = 'runAt'): JobSpec {
  // Without runAt the body is the spec: no copy of each job of a batch.
  if (body.runAt === undefined) return body as Omit<JobBody, 'runAt'>;
  const { runAt, ...rest } = body;
  const at = typeof runAt === 'number' ? runAt : Date.parse(runAt);
  if (!Number.isFinite(at)) throw new InputError(field, `${field} is not a valid date: '${runAt}'`);
  return { ...rest, runAt: at };
}

export function jobRoutes(app: FastifyInstance, broker: JobBroker, tokens: Tokens): void {
  const client = { onRequest: requireScope(tokens, 'client', 'bot') };
  const tags = ['jobs'];

  app.post('/v1/jobs', { ...client, schema: { tags, summary: 'Submit a job', body: JobBody } }, async (req, reply) => {
    const out = await broker.submit(toSpec(req.body as JobBody), req.token!.id);
    checkSubmitted(req.token!, [out], false);
    return reply.code(out.created ? 201 : 200).send(out.job);
  });

  app.post(
    '/v1/jobs/batch',
    {
      ...client,
      schema: { tags, summary: 'Submit up to 1000 jobs (10,000 tasks): all are created or none', body: BatchBody },
    },
    async (req, reply) => {
      const specs = (req.body as Static<typeof BatchBody>).jobs.map((b, i) => toSpec(b, `jobs.${i}.runAt`));
      const out = await broker.submitBatch(specs, req.token!.id);
      checkSubmitted(req.token!, out, true);
      // Serialised TURN_JOBS views a turn: 1000 in one JSON.stringify held the hub for milliseconds.
      const body = await jsonInTurns(
        '{"jobs":',
        out.map((o) => o.job),
        TURN_JOBS,
        `,"created":${JSON.stringify(out.map((o) => o.created))}}`,
      );
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.post(
    '/v1/jobs/:id/enough',
    {
      ...client,
      schema: {
        tags,
        summary: 'Early stop: cancel the rest; the job succeeds with the results it has',
        params: IdParams,
      },
    },
    async (req) => {
      const id = (req.params as IdParams).id;
      await checkJob(broker, req.token!, id);
      return broker.enough(id);
    },
  );

  app.get(
    '/v1/jobs',
    { ...client, schema: { tags, summary: 'List jobs, newest first', querystring: JobListQuery } },
    async (req) => {
      const q = req.query as Query;
      checkKnown(q, ['state', 'kind', 'bot', 'since', 'until', 'cursor', 'limit']);
      const limit = intParam(q, 'limit', 1, 500) ?? 50;
      const bot = patternParam(q, 'bot', BOT_NAME, 'a bot name (lower-case letters, digits, _ and -)');
      const filter = {
        state: enumParam(q, 'state', JOB_STATES),
        kind: stringParam(q, 'kind'),
        // A bot's jobs carry its concurrency key (ctx.jobs).
        concurrencyKey: bot === undefined ? undefined : `bot:${bot}`,
        since: intParam(q, 'since', 0, Number.MAX_SAFE_INTEGER),
        until: intParam(q, 'until', 0, Number.MAX_SAFE_INTEGER),
        cursor: stringParam(q, 'cursor'),
        createdBy: ownerOf(req.token!),
        limit,
      };
      const jobs = broker.views(await broker.seeCluster(await broker.store.listJobs(filter)));
      return { jobs, nextCursor: jobs.length === limit ? jobs.at(-1)!.id : null };
    },
  );

  app.get(
    '/v1/jobs/:id',
    {
      ...client,
      schema: {
        tags,
        summary: 'A job with its results; wait= long-polls until done or results= are in',
        params: IdParams,
      },
    },
    async (req, reply) => {
      const q = req.query as Query;
      checkKnown(q, ['wait', 'results']);
      const waitMs = durationParam(q, 'wait', MAX_WAIT_MS) ?? 0;
      const minResults = intParam(q, 'results', 0, 1_000_000);
      const id = (req.params as IdParams).id;
      await checkJob(broker, req.token!, id);
      const abort = new AbortController();
      reply.raw.on('close', () => abort.abort());
      const { job, results } = await broker.wait(id, minResults, waitMs, abort.signal);
      return { ...job, results };
    },
  );

  app.get(
    '/v1/jobs/:id/tasks',
    { ...client, schema: { tags, summary: "A job's tasks with their states and attempts", params: IdParams } },
    async (req) => {
      const job = await visibleJob(broker, req.token!, (req.params as IdParams).id);
      return { tasks: await broker.store.listTasks(job.id) };
    },
  );

  app.post(
    '/v1/jobs/:id/cancel',
    { ...client, schema: { tags, summary: 'Cancel a job', params: IdParams } },
    async (req) => {
      const id = (req.params as IdParams).id;
      await checkJob(broker, req.token!, id);
      return broker.cancel(id);
    },
  );

  app.get(
    '/v1/jobs/:id/events',
    {
      ...client,
      schema: {
        tags,
        summary: 'Server-Sent Events: state, result, progress; ends when the job is done',
        params: IdParams,
      },
    },
    async (req, reply) => {
      checkKnown(req.query as Query, []);
      const id = (req.params as IdParams).id;
      // Subscribe before reading the job and its results so no change lands unseen in between.
      const buffered: JobEvent[] = [];
      let stream: SseStream | null = null;
      const unsubscribe = broker.events.subscribe(id, {
        event: (e) => (stream ? forward(e) : buffered.push(e)),
        close: () => stream?.end(),
      });
      let job;
      try {
        job = await visibleJob(broker, req.token!, id);
      } catch (e) {
        unsubscribe();
        throw e;
      }
      let lastSeq = 0;
      const forward = (e: JobEvent) => {
        if (e.type === 'result') {
          if (e.result.seq <= lastSeq) return;
          lastSeq = e.result.seq;
          stream!.send('result', e.result, e.result.seq);
        } else if (e.type === 'progress') {
          stream!.send('progress', { taskId: e.taskId, progress: e.progress, partial: e.partial });
        } else {
          stream!.send('state', { state: e.state });
          if (TERMINAL_JOB_STATES.has(e.state)) stream!.end();
        }
      };
      const results = await broker.store.getResults(id);
      stream = new SseStream(reply, unsubscribe);
      stream.send('job', job);
      for (const r of results) forward({ type: 'result', jobId: id, result: r });
      if (TERMINAL_JOB_STATES.has(job.state)) return stream.end();
      for (const e of buffered) forward(e);
    },
  );
}
