import type { FastifyReply } from 'fastify';
import type { WorkerBroker } from '../broker/workerBroker.js';
import { ConflictError } from '../errors.js';
import { depthMessage, MAX_JSON_DEPTH, nestsDeeperThan } from './jsonDepth.js';

interface Item {
  leaseId: string;
  output: unknown;
}

/** The indexes of results whose output nests too deep to store. */
export function tooDeep(results: Item[]): number[] {
  return results.flatMap((r, i) => (nestsDeeperThan(r.output, MAX_JSON_DEPTH) ? [i] : []));
}

/**
 * A complete batch holding outputs too deep to store: each such task fails for good (its handler
 * would return the same output again), the other results are recorded as usual, and the 400 names
 * the first bad output and gives every result's outcome. One bad output never holds back the rest,
 * whose leases would otherwise run out and their tasks run again.
 */
export async function completeWithout(
  broker: WorkerBroker,
  results: Item[],
  deep: number[],
  reply: FastifyReply,
): Promise<FastifyReply> {
  const why = `nests deeper than ${MAX_JSON_DEPTH} levels`;
  const status = new Map<string, string>();
  // The healthy first: a failed task may fail its job, which would cancel its siblings' leases.
  const bad = new Set(deep);
  const healthy = results.filter((_, i) => !bad.has(i));
  for (const o of healthy.length > 0 ? await broker.complete(healthy) : []) status.set(o.leaseId, o.status);
  for (const i of deep) {
    const { leaseId } = results[i]!;
    try {
      await broker.fail(leaseId, `the hub refused the output: it ${why}; return a flatter value`, false);
      status.set(leaseId, 'invalid_output');
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
      status.set(leaseId, e.code);
    }
  }
  const field = `results.${deep[0]}.output`;
  return reply.code(400).send({
    error: {
      code: 'invalid_request',
      message: `body.${field} ${depthMessage(MAX_JSON_DEPTH)}; its task failed for good, the other results were recorded`,
      field,
    },
    results: results.map((r) => ({ leaseId: r.leaseId, status: status.get(r.leaseId) })),
  });
}
