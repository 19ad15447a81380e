import type { ClaimedTask, HeartbeatReply, LeaseRefusal, RouteClaim } from '../../types.js';
import type { Changes, CompleteOutcome } from '../store.js';
import { noChanges } from '../store.js';
import type { SqliteCore } from './core.js';
import { CountDeltas } from './countDeltas.js';
import { LimitGate, type LimitReads } from '../limitGate.js';
import { byClaimOrder, leaseRefusal, splitLeaseId, splitTaskId, taskIdOf, toClaimedTask } from '../rows.js';
import type { BucketRow, ClaimOrderRow, FailingRow, JobRow, TaskRow } from '../rowTypes.js';
import { leasedRow, type SqliteLeasedRow } from './leaseStatements.js';
import { retryPlan } from '../retryPlan.js';

/** The head of a route's ready tasks (`readyHead`). */
type HeadRow = ClaimOrderRow & Pick<TaskRow, 'concurrency_key'>;

/**
 * The worker path of the SQLite store: claims, heartbeats, results, failures, releases, the
 * reaper's requeues and redrives. Each call is one batched write; see TxBatcher.
 */
export class SqliteLeases {
  constructor(private readonly core: SqliteCore) {}

  claim(workerId: string, routes: RouteClaim[], max: number, now: number, owner: string | null = null) {
    return this.core.batch.run(() => {
      const tasks: ClaimedTask[] = [];
      const changes = noChanges();
      const inputs = new Map<string, unknown>();
      const st = this.core.st;
      const reads: LimitReads = {
        running: (key) => (st.runningByKey.get(key) as { n: number }).n,
        bucket: (key) => st.bucket.get(key) as Omit<BucketRow, 'key'> | undefined,
      };
      const gate = new LimitGate(reads, routes, max, now);
      const rows = this.leaseHeads({ worker: workerId, owner }, gate, max, now);
      const counts = new CountDeltas(st.addCount);
      for (const r of rows) {
        counts.move('tasks', r.kind, 'queued', 'leased');
        if (r.variants === 1) {
          // The job started with this lease when it is its first (see leaseSql.leaseIds).
          if (r.attempt === 1) {
            changes.jobs.push({ jobId: r.job_id, state: 'running' });
            counts.move('jobs', '', 'queued', 'running');
          }
          tasks.push(toClaimedTask(r, JSON.parse(r.input!)));
          continue;
        }
        let input = inputs.get(r.job_id);
        if (input === undefined) {
          const started = st.startJob.get(now, r.job_id) as Pick<JobRow, 'input'> | undefined;
          if (started) changes.jobs.push({ jobId: r.job_id, state: 'running' });
          input = JSON.parse((started ?? (st.jobInput.get(r.job_id) as Pick<JobRow, 'input'>)).input);
          inputs.set(r.job_id, input);
        }
        tasks.push(toClaimedTask(r, input));
      }
      for (const b of gate.consume(rows.map((r) => r.concurrency_key))) st.saveBucket.run({ ...b, now });
      counts.write();
      return { tasks, changes, blocked: gate.blocked };
    });
  }

  /**
   * Leases the best `max` ready tasks across the routes the gate allows: higher priority first,
   * then oldest, so no route starves another, and no key beyond its limits. One unlimited route
   * (the common case) reads its head from the ready index alone.
   */
  private leaseHeads(
    by: { worker: string; owner: string | null },
    gate: LimitGate,
    max: number,
    now: number,
  ): SqliteLeasedRow[] {
    const ids = this.headIds(gate, max);
    if (ids.length === 0) return [];
    return (this.core.st.leaseIds.all({ now, ...by, ids: JSON.stringify(ids) }) as unknown[][])
      .map(leasedRow)
      .sort(byClaimOrder);
  }

  /** The ids of the best `max` ready tasks the gate allows, best first. */
  private headIds(gate: LimitGate, max: number): number[] {
    const allowed = [...gate.allowed];
    if (allowed.length === 1 && gate.keyLeft.size === 0)
      return (this.core.st.readyIds.all(allowed[0]![0], max) as Array<[number]>).map((r) => r[0]);
    const heads = allowed
      .flatMap(([route, n]) => this.core.st.readyHead.all(route, Math.min(n, max)) as HeadRow[])
      .sort(byClaimOrder);
    const ids: number[] = [];
    for (const h of heads) {
      if (ids.length >= max) break;
      if (gate.take(h.concurrency_key)) ids.push(h.id);
    }
    return ids;
  }

  async leaseOwners(leaseIds: string[]): Promise<Map<string, string | null>> {
    const owners = new Map<string, string | null>();
    for (const leaseId of leaseIds) {
      const lease = splitLeaseId(leaseId);
      const row =
        lease &&
        (this.core.st.leaseOwner.get({ id: lease[0], token: lease[1] }) as { owner: string | null } | undefined);
      if (row) owners.set(leaseId, row.owner);
    }
    return owners;
  }

  /** Why an operation on this lease cannot go ahead, or null when the lease matches in `okState`. */
  private refusal(id: number, token: string, okState: string): LeaseRefusal | null {
    return leaseRefusal(
      this.core.st.leaseOf.get(id) as Pick<TaskRow, 'state' | 'lease_token'> | undefined,
      token,
      okState,
    );
  }

  heartbeat(leaseIds: string[], now: number): Promise<HeartbeatReply> {
    return this.core.batch.run(() => {
      const reply: HeartbeatReply = { extended: [], cancelled: [], lost: [] };
      for (const leaseId of leaseIds) {
        const lease = splitLeaseId(leaseId);
        if (lease && this.core.st.extend.get({ now, id: lease[0], token: lease[1] })) reply.extended.push(leaseId);
        else if (lease && this.refusal(lease[0], lease[1], 'leased') === 'cancelled') reply.cancelled.push(leaseId);
        else reply.lost.push(leaseId);
      }
      return reply;
    });
  }

  progress(leaseId: string, progress: unknown, _now: number) {
    return this.core.batch.run(() => {
      const lease = splitLeaseId(leaseId);
      if (!lease) return { status: 'lease_lost' as const, jobId: null, taskId: null };
      const row = this.core.st.progress.get({
        progress: JSON.stringify(progress ?? null),
        id: lease[0],
        token: lease[1],
      }) as Pick<TaskRow, 'job_id' | 'idx'> | undefined;
      if (row) return { status: 'ok' as const, jobId: row.job_id, taskId: taskIdOf(row.job_id, row.idx) };
      return {
        status: this.refusal(lease[0], lease[1], 'leased') ?? ('lease_lost' as const),
        jobId: null,
        taskId: null,
      };
    });
  }

  complete(items: Array<{ leaseId: string; output: unknown }>, now: number) {
    return this.core.batch.run(() => {
      const changes = noChanges();
      const leases = items.map((i) => splitLeaseId(i.leaseId));
      const done = new Set<number>();
      const others = new Set<string>();
      const st = this.core.st;
      const counts = new CountDeltas(st.addCount);
      items.forEach((item, k) => {
        const lease = leases[k];
        if (!lease) return;
        const output = item.output ?? null;
        const seq = this.core.seq + 1;
        const r = st.complete.get(JSON.stringify(output), seq, now, now, now, lease[0], lease[1]) as
          [string, number, string, number, string, string | null, number | null] | undefined;
        if (!r) return;
        const [jobId, idx, kind, seed, route, concurrencyKey, variants] = r;
        this.core.seq = seq;
        done.add(k);
        changes.results.push({
          jobId,
          result: { taskId: taskIdOf(jobId, idx), index: idx, seed, output, finishedAt: now, seq },
        });
        if (concurrencyKey !== null) changes.routes.push(route);
        counts.move('tasks', kind, 'leased', 'succeeded');
        // A single-variant job succeeded with its task (see leaseSql.complete).
        if (variants === 1) {
          changes.jobs.push({ jobId, state: 'succeeded' });
          counts.move('jobs', '', 'running', 'succeeded');
        } else others.add(jobId);
      });
      counts.write();
      for (const jobId of others) {
        if (this.core.st.finishJob.run(now, now, jobId).changes > 0) changes.jobs.push({ jobId, state: 'succeeded' });
      }
      // Anything not completed just now was completed before by the same lease (ok) or refused.
      const outcomes: CompleteOutcome[] = items.map(({ leaseId }, k) => {
        const lease = leases[k];
        if (done.has(k)) return { leaseId, status: 'ok' };
        if (!lease) return { leaseId, status: 'lease_lost' };
        return { leaseId, status: this.refusal(lease[0], lease[1], 'succeeded') ?? 'ok' };
      });
      return { outcomes, changes };
    });
  }

  /** Retry with backoff while attempts remain and the failure is retryable; otherwise dead. */
  private failTask(r: FailingRow, error: string, retryable: boolean, now: number, changes: Changes): void {
    const retry = retryPlan(r, retryable, now, this.core.options, changes);
    if (retry) {
      this.core.st.retry.run({ ...retry, error, id: r.id });
    } else {
      this.core.st.kill.run({ error, now, id: r.id });
      this.core.cancelRest(r.job_id, `cancelled: variant ${r.idx} failed`, now, changes);
    }
    this.core.refresh([r.job_id], now, changes);
  }

  fail(leaseId: string, error: string, retryable: boolean, now: number) {
    return this.core.batch.run(() => {
      const changes = noChanges();
      const lease = splitLeaseId(leaseId);
      const row = lease && (this.core.st.failing.get(lease[0]) as FailingRow | undefined);
      if (!lease || !row || row.lease_token !== lease[1]) return { status: 'lease_lost' as const, changes };
      if (row.state !== 'leased')
        return { status: row.state === 'cancelled' ? ('cancelled' as const) : ('lease_lost' as const), changes };
      this.failTask(row, error, retryable, now, changes);
      return { status: 'ok' as const, changes };
    });
  }

  release(leaseIds: string[], now: number) {
    return this.core.batch.run(() => {
      const changes = noChanges();
      const released: string[] = [];
      for (const leaseId of leaseIds) {
        const lease = splitLeaseId(leaseId);
        const row =
          lease &&
          (this.core.st.release.get({ id: lease[0], token: lease[1] }) as
            Pick<TaskRow, 'job_id' | 'route'> | undefined);
        if (!row) continue;
        released.push(leaseId);
        changes.routes.push(row.route);
        this.core.refresh([row.job_id], now, changes);
      }
      return { released, changes };
    });
  }

  reapExpired(now: number, limit: number) {
    return this.core.batch.run(() => {
      const changes = noChanges();
      const expired = this.core.st.expired.all(now, limit) as Array<Pick<TaskRow, 'id'>>;
      for (const { id } of expired) {
        this.failTask(
          this.core.st.failing.get(id) as FailingRow,
          'lease expired: the worker stopped heartbeating',
          true,
          now,
          changes,
        );
      }
      return { reaped: expired.length, changes };
    });
  }

  promoteDue(now: number): Promise<Changes> {
    return this.core.batch.run(() => {
      const changes = noChanges();
      const routes = new Set<string>();
      let n: number;
      do {
        const rows = this.core.st.promote.all(now, 10_000) as Array<Pick<TaskRow, 'route'>>;
        n = rows.length;
        for (const r of rows) routes.add(r.route);
      } while (n === 10_000);
      changes.routes = [...routes];
      return changes;
    });
  }

  redrive(taskId: string, now: number) {
    return this.core.batch.run(() => {
      const changes = noChanges();
      const parts = splitTaskId(taskId);
      const row = parts && (this.core.st.task.get(parts[0], parts[1]) as TaskRow | undefined);
      if (!row) return { status: 'not_found' as const, changes };
      if (row.state !== 'dead') return { status: 'not_dead' as const, changes };
      this.core.st.redrive.run({ now, id: row.id });
      changes.routes.push(row.route);
      for (const s of this.core.st.redriveSiblings.all({ now, jobId: row.job_id }) as Array<Pick<TaskRow, 'route'>>)
        changes.routes.push(s.route);
      this.core.refresh([row.job_id], now, changes);
      return { status: 'ok' as const, changes };
    });
  }
}
