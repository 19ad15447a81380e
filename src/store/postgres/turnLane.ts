import pg from 'pg';

interface Lane {
  client: Promise<pg.PoolClient>;
  /** The turn itself while it lasts, plus each statement on the lane until it settles. */
  users: number;
  /** Why the connection cannot be trusted any more (it is then closed rather than pooled). */
  broken?: Error;
}

/**
 * One connection for statements that must run in the order issued within one event-loop turn: a
 * claim issued right after a create, in the same turn, runs next on the create's connection, so
 * it sees the create's commit, and the two share a round trip (the connection is pipelined). Each
 * statement still commits on its own. The turn ends at the next microtask; the connection goes
 * back to the pool once the last statement on it settles.
 */
export class TurnLane {
  private open: Lane | null = null;

  constructor(private readonly pool: pg.Pool) {}

  /** Runs `fn` first on a connection of its own, which this turn's followers join. */
  first<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const lane: Lane = { client: this.pool.connect(), users: 1 };
    this.open = lane;
    queueMicrotask(() => {
      if (this.open === lane) this.open = null;
      this.done(lane);
    });
    return this.run(lane, fn);
  }

  /** Runs `fn` behind this turn's first statement, or answers null when this turn has none. */
  follow<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> | null {
    return this.open ? this.run(this.open, fn) : null;
  }

  private run<T>(lane: Lane, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    lane.users++;
    return lane.client
      .then(fn)
      .catch((e: Error) => {
        // An error the server sent leaves the connection usable; any other may not.
        if (!(e instanceof pg.DatabaseError)) lane.broken ??= e;
        throw e;
      })
      .finally(() => this.done(lane));
  }

  private done(lane: Lane): void {
    if (--lane.users > 0) return;
    lane.client.then(
      (c) => c.release(lane.broken),
      () => undefined,
    );
  }
}
