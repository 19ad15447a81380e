import type { FastifyInstance } from 'fastify';
import { leaseRefused, type WorkerBroker } from '../../broker/workerBroker.js';
import { VERSION } from '../../version.js';
import { requireScope } from '../auth.js';
import { HttpError } from '../httpError.js';
import { ClaimBody, CompleteBody, FailBody, HeartbeatBody, ProgressBody, ReleaseBody } from '../schemas.js';
import type { Tokens } from '../tokens.js';
import type { Static } from '@sinclair/typebox';
import { completeWithout, tooDeep } from '../completeBatch.js';
import { checkLeases } from '../leaseAccess.js';

export function workerRoutes(app: FastifyInstance, broker: WorkerBroker, tokens: Tokens): void {
  const worker = { onRequest: requireScope(tokens, 'worker') };
  const tags = ['worker'];

  app.post(
    '/v1/worker/claim',
    { ...worker, schema: { tags, summary: 'Lease ready tasks, waiting up to waitMs', body: ClaimBody } },
    async (req, reply) => {
      const b = req.body as ClaimBody;
      const allowed = req.token!.kinds;
      const refused = allowed ? b.capabilities.filter((c) => !allowed.includes(c.kind)).map((c) => c.kind) : [];
      if (refused.length > 0)
        throw new HttpError(
          403,
          'forbidden',
          `this worker token serves only ${allowed!.join(', ')}; it may not offer ${refused.join(', ')}`,
          'capabilities',
        );
      const hello = {
        workerId: b.workerId,
        name: b.name ?? b.workerId,
        capabilities: b.capabilities.map((c) => ({ kind: c.kind, labels: c.labels ?? {} })),
        concurrency: b.concurrency ?? b.max ?? 1,
        version: b.version ?? 'unknown',
      };
      if (b.holds) broker.workers.noteHeld(b.workerId, [...b.holds].reverse(), true);
      const abort = new AbortController();
      const gone = () => !reply.raw.writableFinished;
      reply.raw.on('close', () => gone() && abort.abort());
      const tasks = await broker.claim(hello, b.max ?? 1, b.waitMs ?? 0, abort.signal, req.token!.id);
      // The worker hung up while we waited: nobody will run these, so put them back now.
      if (abort.signal.aborted && tasks.length > 0) {
        await broker.releaseOrphans(tasks);
        return reply.code(499).send({ tasks: [] });
      }
      return { tasks, hubVersion: VERSION };
    },
  );

  app.post(
    '/v1/worker/heartbeat',
    { ...worker, schema: { tags, summary: 'Extend leases; learn which were cancelled or lost', body: HeartbeatBody } },
    async (req, reply) => {
      const b = req.body as Static<typeof HeartbeatBody>;
      await checkLeases(broker.store, req.token!, b.leaseIds, 'leaseIds');
      if (!b.waitMs || !b.jobIds) return broker.heartbeat(b.workerId, b.leaseIds);
      // Held open: let go of it when the worker hangs up (it renews a heartbeat by abandoning it).
      const abort = new AbortController();
      reply.raw.on('close', () => !reply.raw.writableFinished && abort.abort());
      return broker.heartbeat(b.workerId, b.leaseIds, { waitMs: b.waitMs, jobIds: b.jobIds, signal: abort.signal });
    },
  );

  app.post(
    '/v1/worker/progress',
    { ...worker, schema: { tags, summary: 'Report progress and a partial output', body: ProgressBody } },
    async (req) => {
      const b = req.body as Static<typeof ProgressBody>;
      await checkLeases(broker.store, req.token!, [b.leaseId], 'leaseId');
      await broker.progress(b.leaseId, b.progress, b.partial);
      return { ok: true };
    },
  );

  app.post(
    '/v1/worker/complete',
    {
      ...worker,
      schema: { tags, summary: 'Record results (batch); 409 lists leases that were lost', body: CompleteBody },
    },
    async (req, reply) => {
      const { results } = req.body as Static<typeof CompleteBody>;
      await checkLeases(
        broker.store,
        req.token!,
        results.map((r) => r.leaseId),
        'results',
      );
      const deep = tooDeep(results);
      if (deep.length > 0) return completeWithout(broker, results, deep, reply);
      const outcomes = await broker.complete(results);
      const refused = outcomes.filter((o) => o.status !== 'ok');
      if (refused.length === 0) return { results: outcomes };
      const e = leaseRefused(
        refused.every((o) => o.status === 'cancelled') ? 'cancelled' : 'lease_lost',
        refused.map((o) => o.leaseId),
      );
      return reply.code(409).send({
        error: { code: e.code, message: e.message, leaseIds: refused.map((o) => o.leaseId) },
        results: outcomes,
      });
    },
  );

  app.post(
    '/v1/worker/fail',
    { ...worker, schema: { tags, summary: 'Report a failure: retried with backoff, or dead', body: FailBody } },
    async (req) => {
      const b = req.body as Static<typeof FailBody>;
      await checkLeases(broker.store, req.token!, [b.leaseId], 'leaseId');
      await broker.fail(b.leaseId, b.error, b.retryable ?? true);
      return { ok: true };
    },
  );

  app.post(
    '/v1/worker/release',
    { ...worker, schema: { tags, summary: 'Give tasks back without counting an attempt', body: ReleaseBody } },
    async (req) => {
      const { leaseIds } = req.body as Static<typeof ReleaseBody>;
      await checkLeases(broker.store, req.token!, leaseIds, 'leaseIds');
      return { released: await broker.release(leaseIds) };
    },
  );
}
