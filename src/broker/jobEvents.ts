import type { JobEvent } from '../types/jobs.js';

export interface JobListener {
  event(e: JobEvent): void;
  /** The hub is shutting down: answer now with what you have. */
  close(): void;
}

/** Who is watching which job: long-polls and event streams. In memory; they reconnect after a restart. */
export class JobEvents {
  private readonly listeners = new Map<string, Set<JobListener>>();

  subscribe(jobId: string, listener: JobListener): () => void {
    let set = this.listeners.get(jobId);
    if (!set) this.listeners.set(jobId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(jobId) === set) this.listeners.delete(jobId);
    };
  }

  emit(e: JobEvent): void {
    const set = this.listeners.get(e.jobId);
    if (!set) return;
    for (const l of [...set]) l.event(e);
  }

  isWatched(jobId: string): boolean {
    return this.listeners.has(jobId);
  }

  watchedJobs(): string[] {
    return [...this.listeners.keys()];
  }

  get watched(): number {
    return this.listeners.size;
  }

  closeAll(): void {
    for (const set of this.listeners.values()) for (const l of [...set]) l.close();
    this.listeners.clear();
  }
}
