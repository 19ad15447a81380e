import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Broker } from '../../broker/broker.js';
import { ConflictError, InputError, NotFoundError } from '../../errors.js';
import { VERSION } from '../../version.js';
import { requireScope } from '../auth.js';
import { checkKnown, intParam, stringParam, type Query } from '../query.js';
import { IdParams, KeyParams, LimitBody, TokenBody } from '../schemas.js';
import type { Tokens } from '../tokens.js';
import { visibleTask, visibleTasks } from '../jobAccess.js';

export function adminRoutes(app: FastifyInstance, broker: Broker, tokens: Tokens): void {
  const admin = { onRequest: requireScope(tokens) };
  const client = { onRequest: requireScope(tokens, 'client', 'bot') };

  app.get('/v1/health', { schema: { tags: ['admin'], summary: 'Liveness; needs no token' } }, async () => ({
    ok: true,
    version: VERSION,
  }));

  app.post(
    '/v1/tokens',
    { ...admin, schema: { tags: ['admin'], summary: 'Create a token (shown once)', body: TokenBody } },
    async (req, reply) => {
      const b = req.body as Static<typeof TokenBody>;
      const { token, info } = await tokens.create(b.name, b.scope, {
        kinds: b.kinds ?? null,
        ownJobs: b.ownJobs ?? false,
        bot: b.bot ?? null,
      });
      return reply.code(201).send({ ...info, token });
    },
  );

  app.get(
    '/v1/tokens',
    { ...admin, schema: { tags: ['admin'], summary: 'List tokens (never their secrets)' } },
    async () => ({ tokens: await tokens.list() }),
  );

  app.delete(
    '/v1/tokens/:id',
    { ...admin, schema: { tags: ['admin'], summary: 'Revoke a token', params: IdParams } },
    async (req) => {
      const id = (req.params as IdParams).id;
      if (!(await tokens.revoke(id))) throw new NotFoundError(`no active token with id '${id}'`);
      return { revoked: id };
    },
  );

  app.get(
    '/v1/workers',
    { ...admin, schema: { tags: ['admin'], summary: 'Workers: capabilities, last seen, tasks in flight' } },
    async () => ({
      workers: await broker.work.listWorkers(),
    }),
  );

  app.get('/v1/stats', { ...client, schema: { tags: ['admin'], summary: 'Queue statistics' } }, async () => {
    const stats = await broker.store.stats();
    const now = Date.now();
    return {
      ...stats,
      workersConnected: broker.workers.connected(now).length,
      waitingClaims: broker.work.waitingClaims,
      version: VERSION,
    };
  });

  app.get(
    '/v1/limits',
    { ...client, schema: { tags: ['limits'], summary: 'Concurrency and rate limits per key' } },
    async () => ({
      limits: broker.jobs.limits.list(),
    }),
  );

  app.put(
    '/v1/limits/:key',
    {
      ...admin,
      schema: {
        tags: ['limits'],
        summary: "Set a key's limits (a key ending in '*' covers each key with that prefix)",
        params: KeyParams,
        body: LimitBody,
      },
    },
    async (req) => {
      const { key } = req.params as Static<typeof KeyParams>;
      const b = req.body as Static<typeof LimitBody>;
      const limit = { key, concurrency: b.concurrency ?? null, rate: b.rate ?? null };
      if (limit.concurrency === null && limit.rate === null) {
        throw new InputError('concurrency', 'give concurrency, rate or both; to remove a limit, DELETE it');
      }
      await broker.jobs.setLimit(limit);
      return limit;
    },
  );

  app.delete(
    '/v1/limits/:key',
    { ...admin, schema: { tags: ['limits'], summary: 'Remove a limit', params: KeyParams } },
    async (req) => {
      const { key } = req.params as Static<typeof KeyParams>;
      await broker.jobs.deleteLimit(key);
      return { deleted: key };
    },
  );

  app.post(
    '/v1/tasks/dead/purge',
    { ...admin, schema: { tags: ['tasks'], summary: 'Delete every job that holds a dead task' } },
    async () => ({
      purgedJobs: await broker.store.purgeDead('all'),
    }),
  );

  app.post(
    '/v1/tasks/:id/purge',
    { ...client, schema: { tags: ['tasks'], summary: "Delete a dead task's job", params: IdParams } },
    async (req) => {
      const id = (req.params as IdParams).id;
      const task = await visibleTask(broker.jobs, req.token!, id);
      if (task.state !== 'dead')
        throw new ConflictError('not_dead', `task '${id}' is not dead; only dead tasks are purged`);
      return { purgedJobs: await broker.store.purgeDead(id) };
    },
  );

  app.get(
    '/v1/tasks/dead',
    { ...client, schema: { tags: ['tasks'], summary: 'Dead tasks, newest first' } },
    async (req) => {
      const q = req.query as Query;
      checkKnown(q, ['cursor', 'limit']);
      const limit = intParam(q, 'limit', 1, 500) ?? 50;
      const page = await broker.store.listDead(stringParam(q, 'cursor'), limit);
      // A confined token's page keeps its own jobs' tasks: it may be short, and paging goes on.
      const tasks = await visibleTasks(broker.jobs, req.token!, page);
      return { tasks, nextCursor: page.length === limit ? page.at(-1)!.cursor : null };
    },
  );

  app.get(
    '/v1/tasks/:id',
    { ...client, schema: { tags: ['tasks'], summary: 'One task', params: IdParams } },
    async (req) => {
      return visibleTask(broker.jobs, req.token!, (req.params as IdParams).id);
    },
  );

  app.post(
    '/v1/tasks/:id/redrive',
    { ...client, schema: { tags: ['tasks'], summary: 'Give a dead task fresh attempts', params: IdParams } },
    async (req) => {
      const id = (req.params as IdParams).id;
      await visibleTask(broker.jobs, req.token!, id);
      await broker.jobs.redrive(id);
      return broker.store.getTask(id);
    },
  );
}
