import { hashOf } from '../artifacts/ref.js';
import { hashesInJson } from '../store/artifactMeta.js';
import type { JobBroker } from '../broker/jobBroker.js';
import { TERMINAL_JOB_STATES } from '../types.js';
import { splitFrom, type ResolvedStep } from './definition.js';
import { outputHashes, stepIdentity, valueHash } from './hashing.js';
import type { PipelineStore, StepRecord, StepResult } from './pipelineStore.js';
import { refsIn, submitPlaced } from './placement.js';

/** What a step needs of the hub: the broker's job operations and the artifacts' holders. */
export interface StepContext {
  runId: string;
  createdBy: string | null;
  store: PipelineStore;
  broker: Pick<JobBroker, 'submit' | 'wait' | 'cancel' | 'store' | 'events' | 'get' | 'workers'>;
  /** How long a step is offered only to the worker holding its inputs (0: no placement). */
  placementMs: number;
  /** Keeps an output artifact alive while its result is recorded (owner `pipeline:<identity>`). */
  hold(sha256: string, owner: string): Promise<void>;
  signal: AbortSignal;
  /** Jobs in flight, so a cancel can cancel them. */
  inFlight: Set<string>;
  /** The step's record in the previous run of the same pipeline (for saying why it re-runs). */
  previous: Map<string, StepRecord>;
  /** The step's record in this run as stored (a resumed run keeps what it already did). */
  current: Map<string, StepRecord>;
  /** Steps of this run that ran a job (rather than re-using a result) so far. */
  reran: Set<string>;
  /** The job whose outputs each step has now (a cycle's previous round, for its fixed point). */
  lastJob: Map<string, string | null>;
}

/** Values and hashes of the outputs known so far, by `step.output`. */
export type Known = Map<string, { value: unknown; hash: string }>;

/** How long one wait on a job lasts before it is asked again (a hub closing ends it sooner). */
const WAIT_MS = 30_000;

export class StepFailure extends Error {}

function inputsOf(step: ResolvedStep, known: Known) {
  const values: Record<string, unknown> = {};
  const hashes: Record<string, string> = {};
  for (const [name, src] of Object.entries(step.inputs)) {
    if ('artifact' in src) {
      values[name] = src.artifact;
      hashes[name] = hashOf(src.artifact);
    } else {
      // Not known yet only inside a cycle's first round: the value it starts from.
      const k = known.get(src.from) ?? { value: src.initial ?? null, hash: valueHash(src.initial ?? null) };
      values[name] = k.value;
      hashes[name] = k.hash;
    }
  }
  return { values, hashes };
}

/** Why a step runs again, from its record in the previous run of this pipeline. */
function whyRun(name: string, step: ResolvedStep, hashes: Record<string, string>, ctx: StepContext, round: number) {
  if (round > 1) return `round ${round} of its cycle: an output it reads changed`;
  const prev = ctx.previous.get(name);
  if (!prev?.inputHashes) return 'no earlier run of this pipeline ran it';
  const changed = Object.keys({ ...hashes, ...prev.inputHashes }).filter((k) => hashes[k] !== prev.inputHashes![k]);
  if (changed.length > 0) {
    const how = changed.map((k) => {
      const src = step.inputs[k];
      return src && 'from' in src
        ? `${k} (from ${src.from})`
        : src && 'file' in src && src.file
          ? `${k} (file ${src.file})`
          : k;
    });
    return `input changed: ${how.join(', ')}`;
  }
  if (prev.identity !== null && prev.state !== 'succeeded') return `its earlier run ended ${prev.state}`;
  return 'its kind or parameters changed';
}

/** True when the job was submitted by this run (its key names the run): it ran here, not earlier. */
async function ranInThisRun(jobId: string | null, step: string, ctx: StepContext): Promise<boolean> {
  if (jobId === null) return false;
  const job = await ctx.broker.get(jobId).catch(() => null);
  return job?.key?.startsWith(`pipeline:${ctx.runId}:${step}:`) ?? false;
}

/** Why a result could be re-used; early cutoff when a step it reads re-ran to the same output. */
function whyReuse(step: ResolvedStep, ctx: StepContext, result: StepResult): string {
  const upstream = Object.values(step.inputs)
    .filter((s): s is { from: string } => 'from' in s)
    .map((s) => splitFrom(s.from, 'from').step)
    .filter((s) => ctx.reran.has(s));
  const from = result.jobId ? ` (job ${result.jobId})` : '';
  if (upstream.length > 0)
    return `early cutoff: ${[...new Set(upstream)].join(', ')} re-ran but gave the same output, so its identity already succeeded${from}`;
  return `its identity already succeeded${from}: nothing it reads changed`;
}

async function runJob(
  name: string,
  step: ResolvedStep,
  identity: string,
  values: Record<string, unknown>,
  ctx: StepContext,
  record: StepRecord,
) {
  const job = await submitPlaced(
    ctx.broker,
    {
      kind: step.kind,
      input: { params: step.params ?? {}, inputs: values },
      // The same key after a restart finds the job already submitted instead of running it twice.
      key: `pipeline:${ctx.runId}:${name}:${identity}`,
    },
    ctx.createdBy,
    ctx.placementMs,
  );
  record.jobId = job.id;
  await ctx.store.saveStep(ctx.runId, { ...record, updatedAt: Date.now() });
  ctx.inFlight.add(job.id);
  try {
    for (;;) {
      const { job: now, results } = await ctx.broker.wait(job.id, undefined, WAIT_MS, ctx.signal);
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (!TERMINAL_JOB_STATES.has(now.state)) continue;
      if (now.state !== 'succeeded') {
        const errors = (await ctx.broker.store.listTasks(job.id)).map((t) => t.error).filter(Boolean);
        throw new StepFailure(`job ${job.id} ${now.state}${errors.length ? `: ${errors.join('; ')}` : ''}`);
      }
      // The worker that ran it keeps what it produced in its cache: the next step may go there.
      const output = results[0]?.output;
      const by = ctx.broker.workers.claimedBy(job.id);
      if (by)
        ctx.broker.workers.noteHeld(
          by,
          refsIn(output).map((r) => r.sha256),
        );
      return { jobId: job.id, output };
    }
  } finally {
    ctx.inFlight.delete(job.id);
  }
}

/**
 * Runs one round of one step: its identity from its kind, parameters and input hashes; a recorded
 * success of that identity is re-used, else its job runs (once per identity and run, even across
 * a restart) and its declared outputs are recorded by identity. Returns the step's outputs.
 */
export async function runStep(
  name: string,
  step: ResolvedStep,
  known: Known,
  round: number,
  ctx: StepContext,
): Promise<StepResult> {
  const { values, hashes } = inputsOf(step, known);
  const identity = stepIdentity(step.kind, step.params, hashes);
  const done = ctx.current.get(name);
  const base = { step: name, identity, inputHashes: hashes, rounds: round, error: null };
  const cached = await ctx.store.findResult(identity);
  if (cached) {
    let reused = true;
    let reason = whyReuse(step, ctx, cached);
    if (round > 1 && ctx.reran.has(name) && cached.jobId !== null && cached.jobId === ctx.lastJob.get(name)) {
      // A cycle's round reading what the round before read: it ran this run, to its fixed point.
      reused = false;
      reason = `reached its fixed point: round ${round} reads what round ${round - 1} read`;
    } else if (await ranInThisRun(cached.jobId, name, ctx)) {
      // A resumed run: the job ran in this run before the hub stopped; the record keeps the why.
      reused = false;
      reason = done?.identity === identity && done.reason ? done.reason : 'ran in this run before the hub restarted';
    }
    if (!reused) ctx.reran.add(name);
    ctx.lastJob.set(name, cached.jobId);
    const record: StepRecord = {
      ...base,
      state: 'succeeded',
      reused,
      reason,
      jobId: cached.jobId,
      ...pick(cached),
      updatedAt: Date.now(),
    };
    await ctx.store.saveStep(ctx.runId, record);
    return cached;
  }
  const record: StepRecord = {
    ...base,
    state: 'running',
    reused: false,
    reason: whyRun(name, step, hashes, ctx, round),
    jobId: null,
    outputs: null,
    outputHashes: null,
    updatedAt: Date.now(),
  };
  await ctx.store.saveStep(ctx.runId, record);
  ctx.reran.add(name);
  try {
    const { jobId, output } = await runJob(name, step, identity, values, ctx, record);
    ctx.lastJob.set(name, jobId);
    if (typeof output !== 'object' || output === null || Array.isArray(output))
      throw new StepFailure(
        `job ${jobId} returned ${JSON.stringify(output)}; a step's job must return an object with its outputs (${step.outputs.join(', ')})`,
      );
    const missing = step.outputs.filter((o) => !(o in output));
    if (missing.length > 0)
      throw new StepFailure(
        `job ${jobId} returned no ${missing.join(', ')} (the step declares outputs ${step.outputs.join(', ')})`,
      );
    const outputs = Object.fromEntries(step.outputs.map((o) => [o, (output as Record<string, unknown>)[o]]));
    const result: StepResult = { outputs, outputHashes: outputHashes(outputs, step.ignore), jobId };
    // Held before the result is recorded, so the gc never takes an artifact a recorded result names.
    for (const sha of new Set(hashesInJson(JSON.stringify(outputs)))) await ctx.hold(sha, `pipeline:${identity}`);
    await ctx.store.saveResult(identity, step.kind, result, Date.now());
    await ctx.store.saveStep(ctx.runId, {
      ...record,
      state: 'succeeded',
      jobId,
      ...pick(result),
      updatedAt: Date.now(),
    });
    return result;
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    const error = e instanceof Error ? e.message : String(e);
    await ctx.store.saveStep(ctx.runId, { ...record, state: 'failed', error, updatedAt: Date.now() });
    throw new StepFailure(`step ${name}: ${error}`);
  }
}

const pick = (r: StepResult) => ({ outputs: r.outputs, outputHashes: r.outputHashes });
