import type Database from 'better-sqlite3';

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; value: unknown };

/**
 * Runs the writes that arrive in one event-loop turn in a single transaction; callers are
 * answered after the commit, so a resolved write is durable.
 *
 * A write that throws must fail alone. Savepoints give that, but each one journals every page it
 * touches, which costs more than the writes themselves; so a batch first runs without them, and
 * only when a write throws is it rolled back and replayed with a savepoint per write. Writes must
 * therefore keep their effects inside the database, or be harmless to repeat (the completion
 * counter skipping numbers is).
 */
export class TxBatcher {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly whole: (batch: Pending[]) => Outcome[];
  private readonly oneByOne: (batch: Pending[]) => Outcome[];

  constructor(db: Database.Database) {
    this.whole = db.transaction((batch: Pending[]) => batch.map((op): Outcome => ({ ok: true, value: op.run() })));
    this.oneByOne = db.transaction((batch: Pending[]) =>
      batch.map((op): Outcome => {
        try {
          return { ok: true, value: db.transaction(op.run)() };
        } catch (error) {
          return { ok: false, value: error };
        }
      }),
    );
  }

  /** While set, writes queue up and wait (the WAL checkpoint catching up); reads go on. */
  private held = false;

  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: fn, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Holds the writes until `done` settles, then commits what queued meanwhile. */
  holdUntil(done: Promise<unknown>): void {
    if (this.held) return;
    this.held = true;
    void done.finally(() => {
      this.held = false;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.held || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.held) this.flush();
    });
  }

  /** Commits whatever is queued now, held or not; used on shutdown so no accepted write is dropped. */
  flush(): void {
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = this.tryWhole(batch);
    } catch (error) {
      for (const op of batch) op.reject(error);
      return;
    }
    batch.forEach((op, i) => {
      const o = outcomes[i]!;
      if (o.ok) op.resolve(o.value);
      else op.reject(o.value);
    });
  }

  private tryWhole(batch: Pending[]): Outcome[] {
    try {
      return this.whole(batch);
    } catch (error) {
      // Rolled back: a write alone has failed by itself; several are replayed to find which.
      if (batch.length === 1) return [{ ok: false, value: error }];
      return this.oneByOne(batch);
    }
  }
}
