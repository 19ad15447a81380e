import type { Capability, WorkerInfo } from '../types/workers.js';
import type { Labels } from '../types/jobs.js';
import { parseRoute, serves } from './taskRoutes.js';

/**
 * A label every worker has without offering it: its own id. A job requiring it is offered to that
 * worker only (pipelines place a step on the worker holding its inputs, docs/pipelines.md).
 */
export const WORKER_LABEL = 'roost.worker';

/** `serves`, with WORKER_LABEL meaning this worker's id. */
function servesAs(workerId: string, capabilities: Capability[], kind: string, requires: Labels): boolean {
  const { [WORKER_LABEL]: only, ...rest } = requires;
  return (only === undefined || only === workerId) && serves(capabilities, kind, rest);
}

/** How many held hashes are remembered per worker (the newest). */
const MAX_HELD = 10_000;

export interface WorkerHello {
  workerId: string;
  name: string;
  capabilities: Capability[];
  concurrency: number;
  version: string;
}

interface Entry {
  info: WorkerInfo;
  capsKey: string;
  persistedAt: number;
  routes: string[];
  routesVersion: number;
  /** Open long-poll claims; a worker waiting on one is connected however long it waits. */
  waiting: number;
}

/**
 * The workers the hub has heard from, and the routing table: which routes have had tasks, and
 * which of them each worker can serve.
 */
export class WorkerRegistry {
  private readonly workers = new Map<string, Entry>();
  private readonly routes = new Map<string, { kind: string; requires: Labels }>();
  private readonly byKey = new Map<string, Set<string>>();
  private routesVersion = 0;
  /** Artifact hashes each worker holds, as it reported them or as it produced them (newest last). */
  private readonly held = new Map<string, Set<string>>();
  /** The worker that last claimed a task of each recent job (on this hub), newest last. */
  private readonly claims = new Map<string, string>();

  constructor(private readonly connectedForMs: number) {}

  /** Notes a route; returns true when it is new (the broker then refreshes routing). */
  addRoute(route: string): boolean {
    if (this.routes.has(route)) return false;
    const parsed = parseRoute(route);
    this.routes.set(route, parsed);
    if (parsed.key !== null) {
      let set = this.byKey.get(parsed.key);
      if (!set) this.byKey.set(parsed.key, (set = new Set()));
      set.add(route);
    }
    this.routesVersion++;
    return true;
  }

  /** Every route of a concurrency key (one per kind and label set its tasks use). */
  routesOfKey(key: string): Iterable<string> {
    return this.byKey.get(key) ?? [];
  }

  /**
   * Records that the worker was heard from. Returns its info when the store should be told
   * (a new worker, new capabilities, or a last-seen time older than `persistEveryMs`).
   */
  seen(hello: WorkerHello, now: number, persistEveryMs: number): WorkerInfo | null {
    const capsKey = JSON.stringify(hello.capabilities);
    let e = this.workers.get(hello.workerId);
    if (!e) {
      e = {
        info: { ...hello, firstSeen: now, lastSeen: now },
        capsKey,
        persistedAt: 0,
        routes: [],
        routesVersion: -1,
        waiting: 0,
      };
      this.workers.set(hello.workerId, e);
    }
    const changed = e.capsKey !== capsKey || e.info.name !== hello.name || e.info.concurrency !== hello.concurrency;
    e.info = { ...e.info, ...hello, lastSeen: now };
    if (changed) {
      e.capsKey = capsKey;
      e.routesVersion = -1;
    }
    if (!changed && now - e.persistedAt < persistEveryMs) return null;
    e.persistedAt = now;
    return e.info;
  }

  /**
   * Records that a known worker was heard from (a heartbeat, a claim answered). Returns its info when
   * its last-seen time in the store is older than `persistEveryMs`, so that the other hubs on the
   * store see a worker busy with long tasks (it heartbeats, it does not claim) as connected.
   */
  touch(workerId: string, now: number, persistEveryMs = Infinity): WorkerInfo | null {
    const e = this.workers.get(workerId);
    if (!e) return null;
    e.info.lastSeen = now;
    if (now - e.persistedAt < persistEveryMs) return null;
    e.persistedAt = now;
    return e.info;
  }

  waiting(workerId: string, delta: 1 | -1): void {
    const e = this.workers.get(workerId);
    if (e) e.waiting += delta;
  }

  /** The routes this worker can serve, recomputed only when routes or its capabilities change. */
  routesFor(workerId: string): string[] {
    const e = this.workers.get(workerId);
    if (!e) return [];
    if (e.routesVersion !== this.routesVersion) {
      e.routes = [...this.routes]
        .filter(([, r]) => servesAs(workerId, e.info.capabilities, r.kind, r.requires))
        .map(([k]) => k);
      e.routesVersion = this.routesVersion;
    }
    return e.routes;
  }

  isConnected(workerId: string, now: number): boolean {
    const e = this.workers.get(workerId);
    return !!e && (e.waiting > 0 || now - e.info.lastSeen <= this.connectedForMs);
  }

  /** True when a connected worker can run jobs of this kind with these required labels. */
  canServe(kind: string, requires: Labels | null, now: number): boolean {
    for (const [id, e] of this.workers) {
      if (this.isConnected(id, now) && servesAs(id, e.info.capabilities, kind, requires ?? {})) return true;
    }
    return false;
  }

  /** The values of `label` that connected workers offer on kinds starting with `kindPrefix`, sorted (the models of `llm.`). */
  labelValues(kindPrefix: string, label: string, now: number): string[] {
    const values = new Set<string>();
    for (const w of this.connected(now))
      for (const c of w.capabilities) if (c.kind.startsWith(kindPrefix) && c.labels[label]) values.add(c.labels[label]);
    return [...values].sort();
  }

  connected(now: number): WorkerInfo[] {
    return [...this.workers.keys()].filter((id) => this.isConnected(id, now)).map((id) => this.workers.get(id)!.info);
  }

  /** Notes which worker claimed these tasks, so the outputs of their jobs are known to be there. */
  claimed(workerId: string, tasks: ReadonlyArray<{ jobId: string }>): void {
    for (const t of tasks) {
      this.claims.delete(t.jobId);
      this.claims.set(t.jobId, workerId);
    }
    for (const jobId of this.claims.keys()) {
      if (this.claims.size <= MAX_HELD) break;
      this.claims.delete(jobId);
    }
  }

  /** The worker that last claimed a task of the job on this hub, if it is still remembered. */
  claimedBy(jobId: string): string | undefined {
    return this.claims.get(jobId);
  }

  /** Notes hashes a worker holds: `replace` for the full list a claim reports, else added to it. */
  noteHeld(workerId: string, hashes: Iterable<string>, replace = false): void {
    let set = this.held.get(workerId);
    if (!set || replace) this.held.set(workerId, (set = new Set()));
    for (const h of hashes) {
      set.delete(h);
      set.add(h);
    }
    for (const h of set) {
      if (set.size <= MAX_HELD) break;
      set.delete(h);
    }
  }

  /**
   * The connected worker serving `kind` that holds the most of these bytes (none when no worker
   * holds any): where a step reading them is offered first.
   */
  holderOf(kind: string, inputs: Array<{ sha256: string; size: number }>, now: number): string | null {
    let best: { id: string; bytes: number } | null = null;
    for (const [id, set] of this.held) {
      const e = this.workers.get(id);
      if (!e || !this.isConnected(id, now) || !serves(e.info.capabilities, kind, {})) continue;
      const bytes = inputs.reduce((n, i) => n + (set.has(i.sha256) ? i.size : 0), 0);
      if (bytes > 0 && (!best || bytes > best.bytes)) best = { id, bytes };
    }
    return best?.id ?? null;
  }

  get(workerId: string): WorkerInfo | undefined {
    return this.workers.get(workerId)?.info;
  }
}
