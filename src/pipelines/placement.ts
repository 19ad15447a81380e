import { hashOf, isArtifactRef, type ArtifactRef } from '../artifacts/ref.js';
import type { JobBroker } from '../broker/jobBroker.js';
import { WORKER_LABEL } from '../broker/workerRegistry.js';
import type { JobView } from '../broker/jobViews.js';
import type { JobSpec } from '../types.js';

/** How long a step is offered only to the worker holding its inputs before any worker may take it. */
export const PLACEMENT_MS = 2000;

/** Every artifact reference in a value, once each. */
export function refsIn(value: unknown, found = new Map<string, number>()): Array<{ sha256: string; size: number }> {
  if (isArtifactRef(value)) found.set(hashOf(value), (value as ArtifactRef).size);
  else if (Array.isArray(value)) for (const v of value) refsIn(v, found);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) refsIn(v, found);
  return [...found].map(([sha256, size]) => ({ sha256, size }));
}

/** Resolves once the job has left `queued` (true), or false when `ms` pass first. */
function leavesQueue(broker: Pick<JobBroker, 'events' | 'get'>, jobId: string, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (left: boolean) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(left);
    };
    const timer = setTimeout(() => done(false), ms);
    const unsubscribe = broker.events.subscribe(jobId, {
      event: (e) => e.type === 'state' && e.state !== 'queued' && done(true),
      close: () => done(false),
    });
    // It may have left before the subscription: read it once now that events are heard.
    void broker.get(jobId).then(
      (j) => j.state !== 'queued' && done(true),
      () => undefined,
    );
  });
}

/**
 * Submits a step's job, offered first to the connected worker that holds the most of its input
 * bytes (WORKER_LABEL). Still queued after `placementMs` (that worker busy or gone), it is cancelled
 * and submitted again for any worker. Each submission has a key of its own, so a restart finds them.
 */
export async function submitPlaced(
  broker: Pick<JobBroker, 'submit' | 'cancel' | 'events' | 'get' | 'workers'>,
  spec: JobSpec & { key: string },
  createdBy: string | null,
  placementMs: number,
): Promise<JobView> {
  const holder = placementMs > 0 ? broker.workers.holderOf(spec.kind, refsIn(spec.input), Date.now()) : null;
  if (holder) {
    const { job } = await broker.submit(
      { ...spec, key: `${spec.key}@${holder}`, requires: { ...spec.requires, [WORKER_LABEL]: holder } },
      createdBy,
    );
    if (job.state !== 'queued' || (await leavesQueue(broker, job.id, placementMs))) return job;
    const cancelled = await broker.cancel(job.id);
    // Taken between the wait and the cancel: it runs where it was placed.
    if (cancelled.state !== 'cancelled') return cancelled;
  }
  return (await broker.submit(spec, createdBy)).job;
}
