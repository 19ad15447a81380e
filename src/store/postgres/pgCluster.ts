import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Cluster, HubNotice } from '../cluster.js';
import { pgTarget } from './connection.js';

/** NOTIFY payloads must stay under 8000 bytes; leave room for the envelope. */
const MAX_PAYLOAD = 7000;
/**
 * Waits between reconnection attempts while the database is away. They stop growing at half a
 * second, so a hub is back (listening, and leading if it can) within about that of the server's
 * return; an attempt against a server that is down costs one refused connect.
 */
const RECONNECT_MS = [100, 250, 500];
/**
 * A connect or statement the server does not answer (a host that vanished without a reset) fails
 * after this long, so the check loop goes on rather than waiting on it for ever.
 */
const CONNECT_TIMEOUT_MS = 2000;
const QUERY_TIMEOUT_MS = 5000;

interface Envelope {
  /** The hub that sent it: a hub hears its own notifications and skips them. */
  h: string;
  n: HubNotice;
}

/**
 * The hubs on one PostgreSQL schema: commits are announced with NOTIFY on a channel named for the
 * schema, and the hub holding a session advisory lock is the leader. A leader that dies loses its
 * session and with it the lock; a follower asks for the lock every `checkMs` and takes over.
 */
export class PgCluster implements Cluster {
  private readonly hubId = randomBytes(6).toString('hex');
  private readonly channel: string;
  private readonly lockKey: string;
  private listener: pg.Client | null = null;
  private lockHolder: pg.Client | null = null;
  private readonly noticeListeners: Array<(n: HubNotice) => Promise<void>> = [];
  private readonly leaderListeners: Array<(leader: boolean) => void> = [];
  private outbox: HubNotice[] = [];
  private flushing = false;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private failures = 0;
  private ticking = false;
  isLeader = false;

  private constructor(
    private readonly config: pg.ClientConfig,
    schema: string,
    private readonly checkMs: number,
    private readonly log: Logger,
  ) {
    this.channel = `roost_${schema}`;
    this.lockKey = `roost leader ${schema}`;
  }

  /** Connects the listening session and tries for leadership once before answering. */
  static async connect(url: string, checkMs: number, log: Logger): Promise<PgCluster> {
    const target = pgTarget(url);
    const { connectionString, application_name } = target.pool;
    const cluster = new PgCluster(
      {
        connectionString,
        application_name,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        query_timeout: QUERY_TIMEOUT_MS,
        keepAlive: true,
      },
      target.schema,
      checkMs,
      log,
    );
    await cluster.listen();
    await cluster.tryLead();
    cluster.schedule();
    return cluster;
  }

  publish(notice: HubNotice): void {
    if (this.closed) return;
    this.outbox.push(notice);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => void this.flush());
    }
  }

  onNotice(listener: (n: HubNotice) => Promise<void>): void {
    this.noticeListeners.push(listener);
  }

  onLeadership(listener: (leader: boolean) => void): void {
    this.leaderListeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.flush();
    this.setLeader(false);
    await Promise.all([this.listener?.end().catch(() => undefined), this.lockHolder?.end().catch(() => undefined)]);
  }

  /** Sends what this turn's commits announced, in as few notifications as fit the payload limit. */
  private async flush(): Promise<void> {
    const notices = this.outbox;
    this.outbox = [];
    const client = this.listener;
    try {
      // One send at a time: commits that land meanwhile wait in the outbox and go out together next.
      // Every notification of a flush goes in one statement (one transaction, so they arrive in order).
      if (client && notices.length > 0) {
        const payloads = packNotices(notices, MAX_PAYLOAD).map((n) =>
          JSON.stringify({ h: this.hubId, n } satisfies Envelope),
        );
        // ($1 channel, $2 payloads) -> nothing: each payload notified, in order
        await client.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS n(p, k) ORDER BY k', [
          this.channel,
          payloads,
        ]);
      }
    } catch (e) {
      // The other hubs resync when this hub's session comes back; their claims also time out and retry.
      this.log.warn({ err: e }, 'could not tell the other hubs about a commit');
    } finally {
      this.flushing = this.outbox.length > 0 && !this.closed;
      if (this.flushing) setImmediate(() => void this.flush());
    }
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on('error', () => undefined);
    client.on('end', () => {
      if (this.listener !== client) return;
      this.listener = null;
      this.lost();
    });
    client.on('notification', (m) => {
      // This session sends this hub's notices, and PostgreSQL delivers them to it too: skipped unread.
      if (
        m.channel !== this.channel ||
        !m.payload ||
        m.processId === (client as unknown as { processID: number }).processID
      )
        return;
      const env = JSON.parse(m.payload) as Envelope;
      if (env.h !== this.hubId) this.deliver(env.n);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch (e) {
      void client.end().catch(() => undefined);
      throw e;
    }
    this.listener = client;
  }

  private deliver(n: HubNotice): void {
    for (const l of this.noticeListeners) void l(n);
  }

  private async tryLead(): Promise<void> {
    if (!this.lockHolder) {
      const client = new pg.Client(this.config);
      client.on('error', () => undefined);
      client.on('end', () => {
        if (this.lockHolder !== client) return;
        this.lockHolder = null;
        this.setLeader(false);
        this.lost();
      });
      try {
        await client.connect();
      } catch (e) {
        void client.end().catch(() => undefined);
        throw e;
      }
      this.lockHolder = client;
    }
    if (this.isLeader) {
      // A leader checks that its session, and so its lock, is still there.
      await this.lockHolder.query('SELECT 1');
      return;
    }
    const r = await this.lockHolder.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [
      this.lockKey,
    ]);
    this.setLeader(r.rows[0]!.ok);
  }

  private setLeader(leader: boolean): void {
    if (leader === this.isLeader) return;
    this.isLeader = leader;
    this.log.info(
      { leader },
      leader ? 'this hub now leads: it runs the reaper and retention' : 'this hub no longer leads',
    );
    for (const l of this.leaderListeners) l(leader);
  }

  /** A session ended under this hub: reconnect now rather than at the next check. */
  private lost(): void {
    if (this.closed || this.ticking) return;
    if (this.timer) clearTimeout(this.timer);
    if (this.failures === 0) this.log.warn('lost the connection to PostgreSQL for hub notices; reconnecting');
    this.failures = Math.max(this.failures, 1);
    this.schedule();
  }

  /** Every checkMs: reconnect what dropped (then resync), and ask for leadership. */
  private schedule(): void {
    if (this.closed) return;
    const wait = this.failures === 0 ? this.checkMs : RECONNECT_MS[Math.min(this.failures, RECONNECT_MS.length) - 1]!;
    this.timer = setTimeout(() => void this.tick(), wait);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.ticking = true;
    try {
      if (!this.listener) {
        await this.listen();
        // Notices sent while this hub was not listening are lost: read the store afresh.
        this.deliver({ routes: [], jobs: [], results: [], nextRunAt: null, limits: [], resync: true });
        this.log.info('listening to the other hubs again');
      }
      await this.tryLead();
      this.failures = 0;
    } catch (e) {
      if (this.failures++ === 0)
        this.log.warn({ err: e }, 'lost the connection to PostgreSQL for hub notices; retrying');
      this.lockHolder?.end().catch(() => undefined);
      this.lockHolder = null;
      this.setLeader(false);
    } finally {
      this.ticking = false;
      this.schedule();
    }
  }
}

/**
 * Merges notices and cuts them into ones whose JSON stays under `max` bytes. Routes, limits and
 * results come before job states: a watcher stops at a final state and must have the results by
 * then, and the notifications of one session arrive in order. Bot notices keep their order.
 */
export function packNotices(notices: HubNotice[], max: number): HubNotice[] {
  const empty = (): HubNotice => ({ routes: [], jobs: [], results: [], nextRunAt: null, limits: [] });
  const routes = new Set(notices.flatMap((n) => n.routes));
  const limits = new Set(notices.flatMap((n) => n.limits));
  const results = new Set(notices.flatMap((n) => n.results));
  const dues = notices.map((n) => n.nextRunAt).filter((t): t is number => t !== null);
  const out: HubNotice[] = [];
  let cur = empty();
  let size = JSON.stringify(cur).length + 50;
  const add = (bytes: number, put: (n: HubNotice) => void) => {
    if (size + bytes > max && size > JSON.stringify(empty()).length + 50) {
      out.push(cur);
      cur = empty();
      size = JSON.stringify(cur).length + 50;
    }
    put(cur);
    size += bytes;
  };
  if (dues.length > 0) cur.nextRunAt = Math.min(...dues);
  for (const r of routes) add(r.length + 3, (n) => n.routes.push(r));
  for (const l of limits) add(l.length + 3, (n) => n.limits.push(l));
  for (const j of results) add(j.length + 3, (n) => n.results.push(j));
  // {"jobId":"…","state":"…"} and a comma, without writing it out.
  for (const j of notices.flatMap((n) => n.jobs)) add(j.jobId.length + j.state.length + 24, (n) => n.jobs.push(j));
  // One wake-up serves any number of posts.
  const all = notices.flatMap((n) => n.bots ?? []);
  const firstPosted = all.findIndex((b) => b.type === 'posted');
  const bots = all.filter((b, i) => b.type !== 'posted' || i === firstPosted);
  for (const b of bots) add(JSON.stringify(b).length + 1, (n) => (n.bots ??= []).push(b));
  out.push(cur);
  return out;
}
