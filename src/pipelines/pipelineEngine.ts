import type { Logger } from 'pino';
import type { Cluster } from '../store/cluster.js';
import { NotFoundError } from '../errors.js';
import { jobId } from '../util/ids.js';
import { splitFrom, type ResolvedPipeline } from './definition.js';
import { components, type Component } from './graph.js';
import { PLACEMENT_MS } from './placement.js';
import type { PipelineStore, RunRecord, StepRecord } from './pipelineStore.js';
import { runStep, StepFailure, type Known, type StepContext } from './stepRunner.js';

export interface EngineOptions {
  store: PipelineStore;
  broker: StepContext['broker'];
  hold: StepContext['hold'];
  log: Logger;
  /** The hubs sharing the store: only the leader resumes the runs left running. */
  cluster?: Pick<Cluster, 'isLeader' | 'onLeadership'>;
  /** How long a step is offered only to the worker holding its inputs (default PLACEMENT_MS; 0: off). */
  placementMs?: number;
  /** Appends an item to a bot feed (a pipeline's `publish`); absent, nothing is published. */
  publish?: (feed: string, item: unknown) => Promise<void>;
}

/** How a component ended: its steps' outputs are known, or why they are not. */
type Outcome = { ok: true } | { ok: false; error: string };

/** Thrown into a run's drive when the run is cancelled or the hub closes. */
class Stopped extends Error {}

/**
 * Runs pipelines in the hub (docs/pipelines.md says why there): each run is driven to its end,
 * each group of steps after the groups it reads, a cycle's steps round by round to a fixed point.
 * Everything a run did is in the store, and every finished step is found again by its identity, so
 * a hub started after a crash drives its unfinished runs on without redoing finished steps.
 */
export class PipelineEngine {
  private readonly runs = new Map<string, { abort: AbortController; inFlight: Set<string>; done: Promise<void> }>();
  private closed = false;
  private following = false;
  /** How long a step is offered only to the worker holding its inputs; 0 turns placement off. */
  placementMs: number;

  constructor(private readonly options: EngineOptions) {
    this.placementMs = options.placementMs ?? PLACEMENT_MS;
  }

  /** Drives the runs a previous hub left running (on the leader, when hubs share a store). */
  async resume(): Promise<void> {
    const cluster = this.options.cluster;
    if (cluster && !this.following) {
      this.following = true;
      // A hub that comes to lead takes over the runs a dead leader drove.
      cluster.onLeadership((leads) => {
        if (leads)
          this.resume().catch((e) =>
            this.options.log.error({ err: e }, 'resuming pipeline runs failed; the next start tries again'),
          );
      });
    }
    if (cluster && !cluster.isLeader) return;
    for (const id of await this.options.store.runningRuns()) {
      const got = await this.options.store.getRun(id);
      if (got) this.drive(got.run, got.steps);
    }
  }

  async start(def: ResolvedPipeline, createdBy: string | null): Promise<RunRecord> {
    const now = Date.now();
    const run: RunRecord = {
      id: jobId(now).replace(/^job_/, 'run_'),
      name: def.name,
      state: 'running',
      definition: def,
      error: null,
      createdBy,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
    };
    const steps = Object.keys(def.steps).map((step) => emptyStep(step, now));
    await this.options.store.createRun(run, steps);
    this.drive(run, steps);
    return run;
  }

  async cancel(id: string): Promise<void> {
    const got = await this.options.store.getRun(id);
    if (!got) throw new NotFoundError(`no pipeline run with id '${id}'`);
    if (got.run.state !== 'running') return;
    const live = this.runs.get(id);
    await this.options.store.finishRun(id, 'cancelled', 'cancelled', Date.now());
    if (live) {
      live.abort.abort(new Stopped('cancelled'));
      for (const job of live.inFlight) await this.options.broker.cancel(job).catch(() => undefined);
      await live.done;
    }
    const after = await this.options.store.getRun(id);
    for (const s of after?.steps ?? [])
      if (s.state === 'running' || s.state === 'pending')
        await this.options.store.saveStep(id, { ...s, state: 'cancelled', updatedAt: Date.now() });
  }

  /** Waits until every run this engine drives has stopped (left running in the store, to resume). */
  async close(): Promise<void> {
    this.closed = true;
    for (const r of this.runs.values()) r.abort.abort(new Stopped('the hub is closing'));
    await Promise.all([...this.runs.values()].map((r) => r.done));
  }

  /** Resolves when the run's drive in this hub has ended (tests, and `--wait`). */
  async settled(id: string): Promise<void> {
    await this.runs.get(id)?.done;
  }

  private drive(run: RunRecord, steps: StepRecord[]): void {
    if (this.closed || this.runs.has(run.id)) return;
    const abort = new AbortController();
    const inFlight = new Set<string>();
    const done = this.execute(run, steps, abort.signal, inFlight)
      .catch((e) => {
        if (!abort.signal.aborted)
          this.options.log.error(
            { err: e, run: run.id },
            'pipeline run stopped on an error; it resumes at the next start',
          );
      })
      .finally(() => this.runs.delete(run.id));
    this.runs.set(run.id, { abort, inFlight, done });
  }

  private async execute(run: RunRecord, steps: StepRecord[], signal: AbortSignal, inFlight: Set<string>) {
    const def = run.definition;
    const previous = new Map((await this.options.store.previousSteps(run.name, run.id)).map((s) => [s.step, s]));
    const ctx: StepContext = {
      runId: run.id,
      createdBy: run.createdBy,
      store: this.options.store,
      broker: this.options.broker,
      hold: this.options.hold,
      placementMs: this.placementMs,
      signal,
      inFlight,
      previous,
      current: new Map(steps.map((s) => [s.step, s])),
      reran: new Set(),
      lastJob: new Map(),
    };
    const known: Known = new Map();
    const groups = components(def);
    const outcomes: Array<Promise<Outcome>> = [];
    groups.forEach((c, i) => {
      outcomes[i] = Promise.all(c.after.map((d) => outcomes[d]!)).then((deps) => {
        const failed = deps.find((d) => !d.ok);
        if (failed) return this.skip(run.id, c, groups, deps).then(() => failed);
        return this.runGroup(def, c, known, ctx);
      });
    });
    const results = await Promise.all(outcomes);
    if (signal.aborted) return;
    const failure = results.find((r): r is { ok: false; error: string } => !r.ok);
    // Before the run is finished: a hub that dies in between publishes again when it resumes the
    // run, and the bots' ledgers keep a post from going out twice.
    if (!failure) await this.publish(run, known);
    await this.options.store.finishRun(run.id, failure ? 'failed' : 'succeeded', failure?.error ?? null, Date.now());
  }

  /** The run's `publish` outputs to their feed, when a step that makes one ran a job in this run. */
  private async publish(run: RunRecord, known: Known): Promise<void> {
    const target = run.definition.publish;
    if (!target || !this.options.publish) return;
    const { steps } = (await this.options.store.getRun(run.id))!;
    const ran = new Set(steps.filter((s) => s.state === 'succeeded' && !s.reused).map((s) => s.step));
    if (!target.outputs.some((o) => ran.has(splitFrom(o, 'publish').step))) return;
    const outputs = Object.fromEntries(target.outputs.map((o) => [o, known.get(o)?.value ?? null]));
    await this.options.publish(target.feed, { pipeline: run.name, run: run.id, outputs });
  }

  private async skip(runId: string, c: Component, groups: Component[], deps: Outcome[]) {
    const from = c.after.filter((_, i) => !deps[i]!.ok).flatMap((d) => groups[d]!.steps);
    for (const step of c.steps)
      await this.options.store.saveStep(runId, {
        ...emptyStep(step),
        state: 'skipped',
        reason: `not run: ${from.join(', ')} did not succeed`,
      });
  }

  /** Runs a step, or a cycle's steps round after round until no output changes. */
  private async runGroup(def: ResolvedPipeline, c: Component, known: Known, ctx: StepContext): Promise<Outcome> {
    try {
      const rounds = c.cyclic ? def.maxRounds : 1;
      let last = new Map<string, string>();
      for (let round = 1; round <= rounds; round++) {
        const now = new Map<string, string>();
        for (const name of c.steps) {
          const r = await runStep(name, def.steps[name]!, known, round, ctx);
          for (const [o, value] of Object.entries(r.outputs)) {
            known.set(`${name}.${o}`, { value, hash: r.outputHashes[o]! });
            now.set(`${name}.${o}`, r.outputHashes[o]!);
          }
        }
        const changing = [...now].filter(([k, h]) => last.get(k) !== h).map(([k]) => k);
        if (!c.cyclic || changing.length === 0) return { ok: true };
        if (round === rounds) {
          const error = `the cycle ${c.steps.join(' -> ')} did not converge in ${rounds} rounds; outputs still changing: ${changing.join(', ')}`;
          for (const name of c.steps) {
            const rec = (await this.options.store.getRun(ctx.runId))!.steps.find((s) => s.step === name)!;
            await this.options.store.saveStep(ctx.runId, { ...rec, state: 'failed', error, updatedAt: Date.now() });
          }
          return { ok: false, error };
        }
        last = now;
      }
      return { ok: true };
    } catch (e) {
      if (e instanceof StepFailure) return { ok: false, error: e.message };
      throw e;
    }
  }
}

function emptyStep(step: string, now = Date.now()): StepRecord {
  return {
    step,
    state: 'pending',
    identity: null,
    reused: false,
    reason: null,
    rounds: 0,
    jobId: null,
    inputHashes: null,
    outputs: null,
    outputHashes: null,
    error: null,
    updatedAt: now,
  };
}
