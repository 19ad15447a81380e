import type { Blocked, ClaimedTask, HeartbeatReply, RouteClaim } from '../../types.js';
import { LimitGate } from '../limitGate.js';
import { retryPlan } from '../retryPlan.js';
import { byClaimOrder, leaseRefusal, splitLeaseId, splitTaskId, taskIdOf, toClaimedTask } from '../rows.js';
import type { BucketRow, RefusalRow, TaskRow } from '../rowTypes.js';
import type { Changes, CompleteOutcome } from '../store.js';
import { noChanges } from '../store.js';
import type { PgCore, Query } from './core.js';
import type { ClaimRow, CompleteRow, FailingLeaseRow, LeaseOwnerRow } from './leaseStatements.js';

const PROMOTE_BATCH = 10_000;

/** Lease ids split into parallel arrays for unnest, with each valid one's position among the items. */
function leaseArrays(leaseIds: string[]) {
  const leases = leaseIds.map(splitLeaseId);
  const positions = leases.flatMap((l, k) => (l ? [k] : []));
  return { leases, positions, ids: positions.map((k) => leases[k]![0]), tokens: positions.map((k) => leases[k]![1]) };
}

/**
 * The worker path of the PostgreSQL store: claims, heartbeats, results, failures, releases, the
 * reaper's requeues and redrives. Each call is one transaction (or one statement), committed before
 * its promise resolves; see statements.ts for how concurrent hubs stay out of each other's way.
 */
export class PgLeases {
  constructor(private readonly core: PgCore) {}

  /**
   * An unlimited claim is one statement, behind a create issued just before it in this turn (it
   * then sees the new tasks). Under limits, the claim holds its keys' locks, reads their
   * leases and buckets, leases within what they leave and saves the buckets, in one transaction.
   */
  async claim(workerId: string, routes: RouteClaim[], max: number, now: number, owner: string | null = null) {
    const limited = [
      ...new Set(
        routes.flatMap((rc) => (rc.key !== null && (rc.concurrency !== null || rc.rate !== null) ? [rc.key] : [])),
      ),
    ];
    if (limited.length === 0) {
      const names = routes.map((rc) => rc.route);
      const all = names.map(() => max);
      const { rows } = await this.core.follow<ClaimRow>('claim', [
        now,
        workerId,
        names,
        all,
        names.map((r) => `route:${r}`),
        all,
        max,
        owner,
      ]);
      return this.claimed(rows, []);
    }
    return this.core.tx(async (q) => {
      await q('lockKeys', [limited]);
      const running = new Map(
        (await q<{ key: string; n: number }>('runningByKey', [limited])).rows.map((r) => [r.key, r.n]),
      );
      const buckets = new Map((await q<BucketRow>('buckets', [limited])).rows.map((r) => [r.key, r]));
      const gate = new LimitGate(
        { running: (k) => running.get(k) ?? 0, bucket: (k) => buckets.get(k) },
        routes,
        max,
        now,
      );
      const keyOf = new Map(routes.map((rc) => [rc.route, rc.key]));
      const allowed = [...gate.allowed];
      let rows: ClaimRow[] = [];
      if (allowed.length > 0) {
        const capKeys = allowed.map(([route]) => {
          const key = keyOf.get(route);
          return key != null && gate.keyLeft.has(key) ? `key:${key}` : `route:${route}`;
        });
        const caps = allowed.map(([route]) => gate.keyLeft.get(keyOf.get(route) ?? '') ?? max);
        const params = [now, workerId, allowed.map(([r]) => r), allowed.map(([, n]) => n), capKeys, caps, max, owner];
        rows = (await q<ClaimRow>('claim', params)).rows;
      }
      const save = gate.consume(rows.map((r) => r.concurrency_key));
      if (save.length > 0) await q('saveBuckets', [save.map((b) => b.key), save.map((b) => b.tokens), now]);
      return this.claimed(rows, gate.blocked);
    });
  }

  private claimed(
    rows: ClaimRow[],
    blocked: Blocked[],
  ): { tasks: ClaimedTask[]; changes: Changes; blocked: Blocked[] } {
    const changes = noChanges();
    const inputs = new Map<string, unknown>();
    const tasks = rows.sort(byClaimOrder).map((r) => {
      if (!inputs.has(r.job_id)) {
        inputs.set(r.job_id, JSON.parse(r.input));
        if (r.started) changes.jobs.push({ jobId: r.job_id, state: 'running' });
      }
      return toClaimedTask(r, inputs.get(r.job_id));
    });
    return { tasks, changes, blocked };
  }

  async leaseOwners(leaseIds: string[]): Promise<Map<string, string | null>> {
    const { leases, ids, tokens } = leaseArrays(leaseIds);
    const { rows } = await this.core.q<LeaseOwnerRow>('leaseOwners', [ids, tokens]);
    const owner = new Map(rows.map((r) => [`${r.id}.${r.lease_token}`, r.owner]));
    const owners = new Map<string, string | null>();
    leaseIds.forEach((leaseId, k) => {
      const key = leases[k] && `${leases[k][0]}.${leases[k][1]}`;
      if (key && owner.has(key)) owners.set(leaseId, owner.get(key) ?? null);
    });
    return owners;
  }

  /** The task rows of these leases by task id, to say why an operation on them was refused. */
  private async leaseRows(q: Query, ids: number[]): Promise<Map<number, RefusalRow>> {
    if (ids.length === 0) return new Map();
    return new Map(
      (await q<Pick<TaskRow, 'id' | 'state' | 'lease_token'>>('leasesOf', [ids])).rows.map((r) => [r.id, r]),
    );
  }

  async heartbeat(leaseIds: string[], now: number): Promise<HeartbeatReply> {
    const { leases, ids, tokens } = leaseArrays(leaseIds);
    const extended = new Set(
      (await this.core.q<Pick<TaskRow, 'id'>>('extend', [now, ids, tokens])).rows.map((r) => r.id),
    );
    const rows = await this.leaseRows(
      this.core.q,
      ids.filter((id) => !extended.has(id)),
    );
    const reply: HeartbeatReply = { extended: [], cancelled: [], lost: [] };
    leaseIds.forEach((leaseId, k) => {
      const lease = leases[k];
      if (lease && extended.has(lease[0])) reply.extended.push(leaseId);
      else if (lease && leaseRefusal(rows.get(lease[0]), lease[1], 'leased') === 'cancelled')
        reply.cancelled.push(leaseId);
      else reply.lost.push(leaseId);
    });
    return reply;
  }

  async progress(leaseId: string, progress: unknown, _now: number) {
    const lease = splitLeaseId(leaseId);
    if (!lease) return { status: 'lease_lost' as const, jobId: null, taskId: null };
    const params = [JSON.stringify(progress ?? null), lease[0], lease[1]];
    const [row] = (await this.core.q<Pick<TaskRow, 'job_id' | 'idx'>>('progress', params)).rows;
    if (row) return { status: 'ok' as const, jobId: row.job_id, taskId: taskIdOf(row.job_id, row.idx) };
    const rows = await this.leaseRows(this.core.q, [lease[0]]);
    return {
      status: leaseRefusal(rows.get(lease[0]), lease[1], 'leased') ?? ('lease_lost' as const),
      jobId: null,
      taskId: null,
    };
  }

  /** One round trip: the jobs' locks, then the completions with their jobs' ends, in one transaction. */
  async complete(items: Array<{ leaseId: string; output: unknown }>, now: number) {
    const { leases, positions, ids, tokens } = leaseArrays(items.map((i) => i.leaseId));
    const outputs = positions.map((k) => JSON.stringify(items[k]!.output ?? null));
    const changes = noChanges();
    const rows =
      ids.length === 0
        ? []
        : (
            await this.core.steps<CompleteRow>(['lockJobsOfTasks', [ids]], ['complete', [ids, tokens, outputs, now]])
          )[1]!.rows;
    const seen = new Map<number, CompleteRow>();
    const ended = new Set<string>();
    for (const r of rows) {
      const k = positions[r.pos - 1]!;
      seen.set(k, r);
      if (!r.done) continue;
      const result = {
        taskId: taskIdOf(r.job_id, r.idx),
        index: r.idx,
        seed: r.seed,
        output: items[k]!.output ?? null,
        finishedAt: now,
        seq: r.done_seq,
      };
      changes.results.push({ jobId: r.job_id, result });
      if (r.concurrency_key !== null) changes.routes.push(r.route);
      if (r.finished && !ended.has(r.job_id)) changes.jobs.push({ jobId: r.job_id, state: 'succeeded' });
      if (r.finished) ended.add(r.job_id);
    }
    changes.results.sort((a, b) => a.result.seq - b.result.seq);
    // An item not completed just now was completed before by the same lease (ok) or is refused.
    const outcomes: CompleteOutcome[] = items.map(({ leaseId }, k) => {
      const lease = leases[k];
      const r = seen.get(k);
      if (r?.done) return { leaseId, status: 'ok' };
      if (!lease) return { leaseId, status: 'lease_lost' };
      return { leaseId, status: leaseRefusal(r, lease[1], 'succeeded') ?? 'ok' };
    });
    return { outcomes, changes };
  }

  /** Retry with backoff while attempts remain and the failure is retryable; otherwise dead. */
  private async failTask(
    q: Query,
    r: FailingLeaseRow,
    error: string,
    retryable: boolean,
    now: number,
    changes: Changes,
  ): Promise<void> {
    const retry = retryPlan(r, retryable, now, this.core.options, changes);
    if (retry) {
      await q('retry', [retry.state, retry.runAt, error, r.id]);
    } else {
      await q('kill', [error, now, r.id]);
      await this.core.cancelRest(q, r.job_id, `cancelled: variant ${r.idx} failed`, now, changes);
    }
    await this.core.refresh(q, [r.job_id], now, changes);
  }

  fail(leaseId: string, error: string, retryable: boolean, now: number) {
    return this.core.tx(async (q) => {
      const changes = noChanges();
      const lease = splitLeaseId(leaseId);
      if (!lease) return { status: 'lease_lost' as const, changes };
      await q('lockJobsOfTasks', [[lease[0]]]);
      const [row] = (await q<FailingLeaseRow>('failing', [lease[0]])).rows;
      if (!row || row.lease_token !== lease[1]) return { status: 'lease_lost' as const, changes };
      if (row.state !== 'leased')
        return { status: row.state === 'cancelled' ? ('cancelled' as const) : ('lease_lost' as const), changes };
      await this.failTask(q, row, error, retryable, now, changes);
      return { status: 'ok' as const, changes };
    });
  }

  release(leaseIds: string[], now: number) {
    const { leases, ids, tokens } = leaseArrays(leaseIds);
    return this.core.tx(async (q) => {
      const changes = noChanges();
      if (ids.length === 0) return { released: [], changes };
      await q('lockJobsOfTasks', [ids]);
      const rows = new Map(
        (await q<Pick<TaskRow, 'id' | 'job_id' | 'route'>>('release', [ids, tokens])).rows.map((r) => [r.id, r]),
      );
      const released = leaseIds.filter((_, k) => leases[k] && rows.has(leases[k]![0]));
      for (const id of ids) if (rows.has(id)) changes.routes.push(rows.get(id)!.route);
      await this.core.refresh(
        q,
        [...rows.values()].map((r) => r.job_id),
        now,
        changes,
      );
      return { released, changes };
    });
  }

  /** Another hub's reaper may race this one: each task is looked at again under its job's lock. */
  reapExpired(now: number, limit: number) {
    return this.core.tx(async (q) => {
      const changes = noChanges();
      const expired = (await q<Pick<TaskRow, 'id' | 'job_id'>>('expired', [now, limit])).rows;
      await q('lockJobs', [expired.map((r) => r.job_id)]);
      let reaped = 0;
      for (const { id } of expired) {
        const [row] = (await q<FailingLeaseRow>('failing', [id])).rows;
        // A leased task's lease has an end.
        if (row?.state !== 'leased' || row.lease_expires_at! > now) continue;
        await this.failTask(q, row, 'lease expired: the worker stopped heartbeating', true, now, changes);
        reaped++;
      }
      return { reaped, changes };
    });
  }

  /** In batches, each its own statement, so a large backlog coming due holds no long transaction. */
  async promoteDue(now: number): Promise<Changes> {
    const routes = new Set<string>();
    for (let n = PROMOTE_BATCH; n === PROMOTE_BATCH;) {
      const { rows } = await this.core.q<Pick<TaskRow, 'route'>>('promote', [now, PROMOTE_BATCH]);
      n = rows.length;
      rows.forEach((r) => routes.add(r.route));
    }
    return { ...noChanges(), routes: [...routes] };
  }

  redrive(taskId: string, now: number) {
    return this.core.tx(async (q) => {
      const changes = noChanges();
      const parts = splitTaskId(taskId);
      if (parts) await q('lockJobs', [[parts[0]]]);
      const [row] = parts ? (await q<TaskRow>('task', parts)).rows : [];
      if (!row) return { status: 'not_found' as const, changes };
      if (row.state !== 'dead') return { status: 'not_dead' as const, changes };
      await q('redrive', [now, row.id]);
      changes.routes.push(row.route);
      for (const s of (await q<Pick<TaskRow, 'route'>>('redriveSiblings', [now, row.job_id])).rows)
        changes.routes.push(s.route);
      await this.core.refresh(q, [row.job_id], now, changes);
      return { status: 'ok' as const, changes };
    });
  }
}
