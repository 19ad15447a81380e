import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { BotNotice, Cluster, HubNotice, RelayedError } from '../store/cluster.js';
import { ConflictError, InputError, NotFoundError, UnavailableError } from '../errors.js';

/**
 * A pause or resume forwarded to the leader waits this long for its answer, then replies anyway:
 * the change is in the store, and whichever hub leads applies it.
 */
const SYNC_WAIT_MS = 10_000;
/** A forwarded run waits for the handler, which may itself wait for jobs. */
const RUN_WAIT_MS = 300_000;

type Outcome = RelayedError | null | 'unanswered';

export function toRelayed(e: unknown): RelayedError {
  const message = (e as Error).message ?? String(e);
  if (e instanceof InputError) return { kind: 'input', message, field: e.field };
  if (e instanceof NotFoundError) return { kind: 'not_found', message };
  if (e instanceof ConflictError) return { kind: 'conflict', message, code: e.code };
  if (e instanceof UnavailableError) return { kind: 'unavailable', message };
  return { kind: 'failed', message };
}

/** The leader's error as the one it would have thrown here, so the reply is the same on every hub. */
function fromRelayed(r: RelayedError): Error {
  if (r.kind === 'input') return new InputError(r.field ?? 'body', r.message);
  if (r.kind === 'not_found') return new NotFoundError(r.message);
  if (r.kind === 'conflict') return new ConflictError(r.code ?? 'conflict', r.message);
  if (r.kind === 'unavailable') return new UnavailableError(r.message);
  return new Error(`on the leading hub: ${r.message}`);
}

/** What the supervisor of this hub does for the others while it leads. */
export interface LeaderDuties {
  leads(): boolean;
  /** Notices may have been missed: every bot brought in line with its record again. */
  resync(): void;
  /** The bots read their platforms now. */
  wake(): void;
  /** The bots running here. */
  running(): string[];
  /** Starts or stops the bot as its record says; `ready` waits for its module to load. */
  sync(bot: string, ready: boolean): Promise<void>;
  run(bot: string): Promise<void>;
}

/**
 * The bots' side of several hubs on one store. Only the leader runs bots, so the other hubs send
 * it, as bot notices, what must reach them (new sandbox posts, changed bot records, runs) and wait
 * for its answers; the leader says which bots it runs, so every hub can answer `running`.
 */
export class BotRelay {
  private readonly hubId = randomBytes(6).toString('hex');
  private readonly pending = new Map<string, (outcome: Outcome) => void>();
  /** The bots the leader said it runs (on a hub that does not lead). */
  private readonly remote = new Set<string>();
  private leader: string | null = null;
  private closed = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly log: Logger,
    private readonly duties: LeaderDuties,
  ) {}

  /** From now on, the other hubs' bot notices are heard (and served while this hub leads). */
  listen(): void {
    this.cluster.onNotice(async (n) => this.onNotice(n));
  }

  private send(...bots: BotNotice[]): void {
    this.cluster.publish({ routes: [], jobs: [], results: [], nextRunAt: null, limits: [], bots });
  }

  /** The sandbox got a post here: the leader's bots read it now. */
  posted(): void {
    this.send({ type: 'posted' });
  }

  /**
   * A bot started or stopped here. Only the leader speaks for the bots: a hub losing the lead is
   * stopping them, and the new leader's announcement may already be out.
   */
  running(bot: string, running: boolean): void {
    if (this.duties.leads()) this.send({ type: 'running', bot, running });
  }

  /** A hub that does not lead asks the leader which bots it runs. */
  hello(): void {
    this.send({ type: 'hello' });
  }

  private onNotice(n: HubNotice): void {
    if (this.closed) return;
    if (n.resync) this.duties.resync();
    for (const b of n.bots ?? []) {
      this.receive(b);
      if (this.duties.leads()) this.serve(b);
    }
  }

  /** What the leader does with another hub's bot notice. */
  private serve(b: BotNotice): void {
    if (b.type === 'posted') this.duties.wake();
    else if (b.type === 'hello') this.announce(this.duties.running());
    else if (b.type === 'sync' || b.type === 'run') {
      const done = b.type === 'sync' ? this.duties.sync(b.bot, b.ready) : this.duties.run(b.bot);
      done.then(
        () => this.answer(b.id, null),
        (e: unknown) => this.answer(b.id, e),
      );
    }
  }

  /** Has the leader start or stop the bot as its record now says; resolves once it has, or quietly when it does not answer. */
  async sync(bot: string, ready: boolean): Promise<void> {
    const outcome = await this.ask({ type: 'sync', id: '', bot, ready }, SYNC_WAIT_MS);
    if (outcome === 'unanswered')
      this.log.warn(
        { bot },
        'the leading hub did not confirm a change to this bot; it applies the change when it hears of it',
      );
    else if (outcome) throw fromRelayed(outcome);
  }

  /** Runs the bot's onSchedule on the leader; rejects with its error, or 503 when no leader answers. */
  async run(bot: string): Promise<void> {
    const outcome = await this.ask({ type: 'run', id: '', bot }, RUN_WAIT_MS);
    if (outcome === 'unanswered')
      throw new UnavailableError(`no hub leading the bots answered the run of '${bot}'; try again`);
    if (outcome) throw fromRelayed(outcome);
  }

  private ask(notice: Extract<BotNotice, { id: string }>, waitMs: number): Promise<Outcome> {
    const id = randomBytes(8).toString('hex');
    return new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => settle('unanswered'), waitMs);
      timer.unref();
      const settle = (outcome: Outcome) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(outcome);
      };
      this.pending.set(id, settle);
      this.send({ ...notice, id });
    });
  }

  private answer(id: string, error: unknown): void {
    this.send({ type: 'answer', id, error: error === null ? null : toRelayed(error) });
  }

  /** Tells the other hubs that this hub leads and runs these bots. */
  announce(running: string[]): void {
    this.send(
      { type: 'leads', hub: this.hubId },
      ...running.map((bot) => ({ type: 'running' as const, bot, running: true })),
    );
  }

  /** Answers to this hub's asks, and what the leader runs. */
  private receive(b: BotNotice): void {
    if (b.type === 'answer') this.pending.get(b.id)?.(b.error);
    else if (b.type === 'leads') {
      // A new leader never got the asks sent to the one before.
      if (this.leader !== null && b.hub !== this.leader) this.dropPending();
      this.leader = b.hub;
      this.remote.clear();
    } else if (b.type === 'running') {
      if (b.running) this.remote.add(b.bot);
      else this.remote.delete(b.bot);
    }
  }

  /** This hub took or lost the lead: the asks it sent will not be answered, and what it mirrored is void. */
  leadershipChanged(leads: boolean): void {
    this.dropPending();
    this.remote.clear();
    this.leader = leads ? this.hubId : null;
  }

  /** Whether the leader said it runs the bot (asked on a hub that does not lead). */
  runsOnLeader(bot: string): boolean {
    return this.remote.has(bot);
  }

  private dropPending(): void {
    for (const settle of [...this.pending.values()]) settle('unanswered');
  }

  close(): void {
    this.closed = true;
    this.dropPending();
  }
}
