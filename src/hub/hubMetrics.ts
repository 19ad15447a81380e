import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WorkerBroker } from '../broker/workerBroker.js';
import type { BrokerObserver } from '../broker/observer.js';
import type { BotSupervisor } from '../bots/botSupervisor.js';
import type { ClaimedTask } from '../types/workers.js';
import { requireScope } from './auth.js';
import type { Tokens } from './tokens.js';

/** Leases this hub remembers the start of; beyond it the oldest are forgotten (their workers died). */
const MAX_TRACKED_LEASES = 100_000;

/**
 * The hub's Prometheus metrics, served at `GET /metrics` (admin token). Counters are fed by the
 * broker as it works; the sizes of things (tasks by state, workers, bots) are read at each scrape,
 * so they are right after a restart and across hubs sharing a store: task counts from the counts
 * the store keeps as rows change (a few rows, however many tasks are stored). Each hub has its own registry,
 * so several hubs in one process (tests) do not mix their figures.
 */
export class HubMetrics implements BrokerObserver {
  readonly registry = new Registry();
  private readonly started = new Map<string, { kind: string; at: number }>();
  private readonly claims: Counter<'kind'>;
  private readonly durations: Histogram<'kind' | 'outcome'>;
  /** The histogram's child per kind and outcome: observing through it skips hashing the labels each time. */
  private readonly durationOf = new Map<string, Histogram.Internal<'kind' | 'outcome'>>();
  private readonly retries: Counter;
  private readonly lost: Counter<'operation'>;
  private readonly reapedLeases: Counter;
  private readonly failedJobs: Counter;
  private readonly createdJobs: Counter;
  private readonly http: Histogram<'method' | 'route' | 'status_code'>;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.claims = new Counter({
      name: 'roost_claims_total',
      help: 'Tasks leased to workers by this hub, by kind',
      labelNames: ['kind'],
      registers,
    });
    this.durations = new Histogram({
      name: 'roost_task_duration_seconds',
      help: 'From lease to result or failure, for leases handed out and finished on this hub',
      labelNames: ['kind', 'outcome'],
      buckets: [0.005, 0.025, 0.1, 0.5, 1, 2.5, 10, 30, 120, 600],
      registers,
    });
    this.retries = new Counter({
      name: 'roost_task_retries_total',
      help: 'Failures reported by workers that left the task another attempt',
      registers,
    });
    this.lost = new Counter({
      name: 'roost_leases_lost_total',
      help: 'Reports refused because the lease was no longer held (expired, given away, cancelled), by operation',
      labelNames: ['operation'],
      registers,
    });
    this.reapedLeases = new Counter({
      name: 'roost_leases_expired_total',
      help: 'Leases the reaper took back after their worker stopped heartbeating',
      registers,
    });
    this.failedJobs = new Counter({
      name: 'roost_jobs_failed_total',
      help: 'Jobs that ended failed because one of their tasks died',
      registers,
    });
    this.createdJobs = new Counter({
      name: 'roost_jobs_created_total',
      help: 'Jobs submitted to this hub and created (not found by their idempotency key)',
      registers,
    });
    this.http = new Histogram({
      name: 'roost_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10, 60],
      registers,
    });
  }

  /** The sizes read at each scrape: from the broker (made after this, as it reports here) and the bots. */
  watch(broker: WorkerBroker, bots: BotSupervisor | null): void {
    const registers = [this.registry];
    new Gauge({
      name: 'roost_tasks',
      help: 'Tasks in the store by kind and state (queued includes delayed)',
      labelNames: ['kind', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const t of (await broker.store.stats()).tasks) this.inc({ kind: t.kind, state: t.state }, t.count);
      },
    });
    new Gauge({
      name: 'roost_workers_connected',
      help: 'Workers heard from within the worker timeout, on this hub',
      registers,
      collect() {
        // From the registry in memory: listing the workers would count leases in the store.
        this.set(broker.workers.connected(Date.now()).length);
      },
    });
    new Gauge({
      name: 'roost_claims_waiting',
      help: 'Claims held open (long-polling workers) on this hub',
      registers,
      collect() {
        this.set(broker.waitingClaims);
      },
    });
    if (bots) this.botMetrics(bots, registers);
  }

  /** Bot runs and errors as the supervisor records them (stored, so they survive restarts). */
  private botMetrics(bots: BotSupervisor, registers: Registry[]): void {
    const read = async (field: 'runs' | 'errors' | 'restarts', metric: Counter<'bot'>) => {
      metric.reset();
      for (const b of await bots.list()) metric.inc({ bot: b.name }, b[field]);
    };
    for (const [field, help] of [
      ['runs', 'Handler runs of each bot (schedule, events, run --once)'],
      ['errors', 'Handler runs of each bot that threw or rejected'],
      ['restarts', 'Restarts of each bot after a crash, a hang or a failed handler'],
    ] as const) {
      new Counter({
        name: `roost_bot_${field}_total`,
        help,
        labelNames: ['bot'],
        registers,
        async collect() {
          await read(field, this);
        },
      });
    }
  }

  /** Times every request, and serves the metrics to admin tokens. */
  attach(app: FastifyInstance, tokens: Tokens): void {
    app.addHook('onResponse', async (req, reply) => {
      const route = req.routeOptions.url ?? 'unmatched';
      this.http.observe({ method: req.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });
    app.get('/metrics', { onRequest: requireScope(tokens), schema: { hide: true } }, async (_req, reply) => {
      reply.header('content-type', this.registry.contentType);
      return this.registry.metrics();
    });
  }

  claimed(tasks: ClaimedTask[], now: number): void {
    // One increment per kind per claim, not per task: a claim's tasks are mostly of one kind.
    const perKind = new Map<string, number>();
    for (const t of tasks) {
      perKind.set(t.kind, (perKind.get(t.kind) ?? 0) + 1);
      this.started.set(t.leaseId, { kind: t.kind, at: now });
    }
    for (const [kind, n] of perKind) this.claims.inc({ kind }, n);
    // Leases whose workers vanished are never finished here; drop the oldest past the bound.
    for (const key of this.started.keys()) {
      if (this.started.size <= MAX_TRACKED_LEASES) break;
      this.started.delete(key);
    }
  }

  finished(leaseId: string, outcome: 'succeeded' | 'failed'): void {
    const s = this.started.get(leaseId);
    if (!s) return;
    this.started.delete(leaseId);
    const key = `${s.kind}\n${outcome}`;
    let child = this.durationOf.get(key);
    if (!child) this.durationOf.set(key, (child = this.durations.labels({ kind: s.kind, outcome })));
    child.observe((Date.now() - s.at) / 1000);
  }

  retried(count: number): void {
    this.retries.inc(count);
  }

  leasesLost(operation: 'complete' | 'fail' | 'heartbeat' | 'progress', count: number): void {
    this.lost.inc({ operation }, count);
  }

  reaped(count: number): void {
    this.reapedLeases.inc(count);
  }

  jobsCreated(count: number): void {
    this.createdJobs.inc(count);
  }

  jobsEnded(state: 'succeeded' | 'failed', count: number): void {
    if (state === 'failed') this.failedJobs.inc(count);
  }
}
