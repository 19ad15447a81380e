import type { Capability, WorkerInfo } from '../types/workers.js';
import type { Labels } from '../types/jobs.js';
import { parseRoute, serves } from './taskRoutes.js';

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
      e.routes = [...this.routes].filter(([, r]) => serves(e.info.capabilities, r.kind, r.requires)).map(([k]) => k);
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
      if (this.isConnected(id, now) && serves(e.info.capabilities, kind, requires ?? {})) return true;
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

  get(workerId: string): WorkerInfo | undefined {
    return this.workers.get(workerId)?.info;
  }
}
