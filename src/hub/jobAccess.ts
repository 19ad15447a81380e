import type { JobBroker } from '../broker/jobBroker.js';
import type { JobView } from '../broker/jobViews.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { Task } from '../types/jobs.js';
import type { Caller } from './tokens.js';

/**
 * A client token made with ownJobs sees and changes only the jobs it created (docs/protocol.md,
 * isolation between tokens). Another token's job answers 404 exactly as a missing one does, so job
 * ids cannot be probed. Every other caller sees every job.
 */

/** The creator a caller's job lists are filtered by; undefined when it sees every job. */
export function ownerOf(caller: Caller): string | undefined {
  return caller.scope === 'client' && caller.ownJobs ? caller.id : undefined;
}

/** The job, when the caller may see it; else the NotFoundError of a job that does not exist. */
export async function visibleJob(broker: JobBroker, caller: Caller, jobId: string): Promise<JobView> {
  const job = await broker.get(jobId);
  const owner = ownerOf(caller);
  if (owner !== undefined && job.createdBy !== owner) throw new NotFoundError(`no job with id '${jobId}'`);
  return job;
}

/** Before acting on a job by id: throws as visibleJob does; reads nothing for an unconfined caller. */
export async function checkJob(broker: JobBroker, caller: Caller, jobId: string): Promise<void> {
  if (ownerOf(caller) !== undefined) await visibleJob(broker, caller, jobId);
}

/**
 * A submit whose idempotency key another token used answers that token's job: a confined caller
 * gets 409 on the key instead (it learns the key is taken, not the job).
 */
export function checkSubmitted(caller: Caller, jobs: Array<{ job: JobView; created: boolean }>, batch: boolean): void {
  const owner = ownerOf(caller);
  if (owner === undefined) return;
  const k = jobs.findIndex(({ job, created }) => !created && job.createdBy !== owner);
  if (k < 0) return;
  const field = batch ? `jobs.${k}.key` : 'key';
  throw new ConflictError('key_taken', `the key '${jobs[k]!.job.key}' is taken by a job this token did not create`, {
    field,
  });
}

/** The task, when the caller may see its job; else the NotFoundError of a task that does not exist. */
export async function visibleTask(broker: JobBroker, caller: Caller, taskId: string): Promise<Task> {
  const task = await broker.store.getTask(taskId);
  const owner = ownerOf(caller);
  const job = task && owner !== undefined ? await broker.store.getJob(task.jobId) : null;
  if (!task || (owner !== undefined && job?.createdBy !== owner))
    throw new NotFoundError(`no task with id '${taskId}'`);
  return task;
}

/** Those of the tasks whose jobs the caller may see (one read per job, only for a confined caller). */
export async function visibleTasks<T extends Task>(broker: JobBroker, caller: Caller, tasks: T[]): Promise<T[]> {
  const owner = ownerOf(caller);
  if (owner === undefined) return tasks;
  const mine = new Map<string, boolean>();
  for (const t of tasks)
    if (!mine.has(t.jobId)) mine.set(t.jobId, (await broker.store.getJob(t.jobId))?.createdBy === owner);
  return tasks.filter((t) => mine.get(t.jobId));
}
