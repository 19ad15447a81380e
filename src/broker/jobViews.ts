import type { Job } from '../types/jobs.js';
import { TERMINAL_JOB_STATES } from '../types/jobs.js';
import type { BrokerCore } from './brokerCore.js';
import { StoreWorkers } from './storeWorkers.js';

export interface JobView extends Job {
  /** True when the results were reused from an identical succeeded job (submitted with cache). */
  cached: boolean;
  waitingForWorker: boolean;
  /** Why the job's queued tasks wait although a worker could take them: its key's limits. */
  blockedBy: { reason: 'concurrency' | 'rate'; key: string; until: number | null } | null;
}

/** Jobs as clients see them: whether a worker anywhere serves them, and what holds them back. */
export class JobViews {
  private readonly storeWorkers: StoreWorkers;

  constructor(protected readonly core: BrokerCore) {
    this.storeWorkers = new StoreWorkers(core.store, core.options.workerTimeoutMs);
  }

  view(job: Job, now = Date.now()): JobView {
    return this.views([job], now)[0]!;
  }

  /**
   * True when some open job has no leased task and no worker connected to this hub serves it;
   * asked once per kind and requires, as views() does (each ask goes through every worker).
   */
  private someUnservedHere(jobs: Job[], now: number): boolean {
    const asked = new Set<string>();
    return jobs.some((job) => {
      if (TERMINAL_JOB_STATES.has(job.state) || job.counts.leased !== 0) return false;
      const what = servedAs(job);
      if (asked.has(what)) return false;
      asked.add(what);
      return !this.core.workers.canServe(job.kind, job.requires, now);
    });
  }

  /**
   * Before views() of these jobs: when this hub's own workers serve none of some job, reads which
   * workers the other hubs on the store have (at most once a second), so that views() answers from
   * the cluster's view; `maxAgeMs` 0 reads afresh (a submit: its answer is the CLI's warning, and a
   * worker may have just appeared). Returns the jobs.
   */
  async seeCluster<T extends Job>(jobs: T[], now = Date.now(), maxAgeMs?: number): Promise<T[]> {
    if (this.someUnservedHere(jobs, now)) await this.storeWorkers.fresh(now, maxAgeMs);
    return jobs;
  }

  /**
   * Jobs as clients see them. Whether a connected worker serves a kind is asked once per kind and
   * requires, not once per job (it goes through every worker). A job is waiting for a worker when
   * none of its tasks is leased and no worker connected to any hub on the store serves it (the
   * other hubs' workers as of the last seeCluster()). The jobs are the caller's own, fresh from
   * the store, so they gain their fields in place rather than being copied.
   */
  views(jobs: Job[], now = Date.now()): JobView[] {
    const serves = new Map<string, boolean>();
    return jobs.map((job) => {
      const open = !TERMINAL_JOB_STATES.has(job.state);
      let waitingForWorker = false;
      if (open && job.counts.leased === 0) {
        const what = servedAs(job);
        let can = serves.get(what);
        if (can === undefined) {
          can =
            this.core.workers.canServe(job.kind, job.requires, now) ||
            this.storeWorkers.canServe(job.kind, job.requires, now);
          serves.set(what, can);
        }
        waitingForWorker = !can;
      }
      const b =
        open && job.counts.queued > 0 && job.concurrencyKey !== null
          ? this.core.blocked.get(job.concurrencyKey)
          : undefined;
      const blockedBy =
        b && (b.until === null || b.until > now) ? { reason: b.reason, key: b.key, until: b.until } : null;
      return Object.assign(job, { cached: job.cachedFrom !== null, waitingForWorker, blockedBy });
    });
  }
}

/** What decides whether a worker serves a job: its kind and required labels. */
function servedAs(job: Job): string {
  return job.requires === null ? job.kind : `${job.kind}\n${JSON.stringify(job.requires)}`;
}
