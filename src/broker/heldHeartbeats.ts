/** One held heartbeat's view of its jobs: has one of them changed state since the last look? */
export interface JobWatch {
  /**
   * Resolves true as soon as one of the jobs changed state (at once if one did since the last
   * call), false after `ms`, when the signal aborts, or when the hub closes.
   */
  next(ms: number, signal: AbortSignal): Promise<boolean>;
  close(): void;
}

/**
 * Heartbeats held open (`waitMs`) until one of the jobs their leases belong to changes state: a
 * cancel, an early stop or a failed sibling is how a task's lease becomes `cancelled`, so the
 * worker hears of it within the time of a request instead of at its next beat. In memory; a held
 * heartbeat is answered when its hub closes and the worker sends the next one.
 */
export class HeldHeartbeats {
  private readonly byJob = new Map<string, Set<() => void>>();
  private closed = false;

  get size(): number {
    return this.byJob.size;
  }

  /** Starts watching before the caller reads the leases, so a change during the read is not missed. */
  watch(jobIds: string[]): JobWatch {
    let changed = false;
    let wake: ((changed: boolean) => void) | null = null;
    const poke = () => {
      changed = true;
      wake?.(true);
    };
    for (const id of jobIds) {
      let set = this.byJob.get(id);
      if (!set) this.byJob.set(id, (set = new Set()));
      set.add(poke);
    }
    return {
      next: (ms, signal) => {
        if (this.closed || signal.aborted) return Promise.resolve(false);
        if (changed) {
          changed = false;
          return Promise.resolve(true);
        }
        if (ms <= 0) return Promise.resolve(false);
        return new Promise<boolean>((resolve) => {
          const finish = (result: boolean) => {
            clearTimeout(timer);
            signal.removeEventListener('abort', onAbort);
            wake = null;
            changed = false;
            resolve(result);
          };
          const onAbort = () => finish(false);
          const timer = setTimeout(() => finish(false), ms);
          signal.addEventListener('abort', onAbort);
          wake = (c) => finish(c && !this.closed);
        });
      },
      close: () => {
        for (const id of jobIds) {
          const set = this.byJob.get(id);
          set?.delete(poke);
          if (set?.size === 0) this.byJob.delete(id);
        }
      },
    };
  }

  /** Jobs changed state (on this hub, or on another one of its store): their held heartbeats look again. */
  jobsChanged(jobs: ReadonlyArray<{ jobId: string }>): void {
    if (this.byJob.size === 0) return;
    for (const { jobId } of jobs) {
      const set = this.byJob.get(jobId);
      if (set) for (const poke of [...set]) poke();
    }
  }

  /** Notices may have been missed: every held heartbeat looks again. */
  pokeAll(): void {
    for (const set of [...this.byJob.values()]) for (const poke of [...set]) poke();
  }

  /** The hub is shutting down: answer every held heartbeat now. */
  closeAll(): void {
    this.closed = true;
    this.pokeAll();
  }
}
