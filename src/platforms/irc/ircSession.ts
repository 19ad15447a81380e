/**
 * The live connection of one IRC account (irc-framework): it registers, joins the account's
 * channels, keeps what it hears in a bounded buffer numbered by a sequence, and comes back after a
 * drop, rejoining its channels. irc-framework's own reconnect gives up after three tries and only
 * for a connection that stayed up five seconds, so this one reconnects itself: 1 s, doubling to
 * 60 s, for as long as the session is open, unless the server refused the credentials.
 *
 * IRC has no history: what is said while the session is down never reaches it, and the buffer is
 * in memory, so what it held and no bot had read yet is gone after a restart of the hub.
 */
import type { Client } from 'irc-framework';
import { AuthError } from '../errors.js';

/**
 * irc-framework, loaded at an IRC account's first connection: it takes about 0.13 s to load, which
 * every hub start and test would pay though most hubs have no IRC account.
 */
let loading: Promise<typeof import('irc-framework')> | null = null;
const loadIrc = () => (loading ??= import('irc-framework'));

export interface IrcTarget {
  host: string;
  port: number;
  tls: boolean;
  nick: string;
  /** The server password (PASS). */
  password?: string;
  sasl?: { account: string; password: string };
  channels: string[];
}

/** A PRIVMSG the session heard: in a channel (`target` the channel) or to the bot (`target` its nick). */
export interface Heard {
  seq: number;
  nick: string;
  target: string;
  text: string;
  at: number;
}

/** Lines kept for bots that have not read them yet; older ones are dropped first. */
export const BUFFER_MAX = 1000;
const RECONNECT_FIRST_MS = 1000;
const RECONNECT_MAX_MS = 60_000;
const SYNC_SPACING_MS = 1000;
/** Replies that mean the server will not take these credentials, whatever the retries. */
const REFUSED = /password|access denied|banned|k-?lined|not authori[sz]ed/i;

const lower = (s: string) => s.toLowerCase();

export class IrcSession {
  /** Made at the first connection, once irc-framework is loaded. */
  private client: Client | null = null;
  private readonly heard: Heard[] = [];
  private seq: number;
  /** The newest sequence number when the session started: events come after it. */
  readonly firstSeq: number;
  private up = false;
  private registered = false;
  private started = false;
  private closed = false;
  private refused: AuthError | null = null;
  private lastError = 'not connected yet';
  private attempts = 0;
  private nickTries = 0;
  private retry: NodeJS.Timeout | null = null;
  private unjoined = new Set<string>();
  private readonly waiters = new Set<() => void>();
  private readonly pongs = new Map<string, (ok: boolean) => void>();
  private syncs = 0;
  private lastSyncAt = 0;
  private nextSync: Promise<boolean> | null = null;
  /** How many times the connection came up (registered and joined): 1 until a drop. */
  connections = 0;

  constructor(
    private readonly account: string,
    private readonly target: IrcTarget,
    private readonly now: () => number,
    private readonly onHeard: () => void,
  ) {
    // Monotonic across restarts without storing anything: a hub restarted later starts higher.
    this.seq = this.firstSeq = now() * 1000;
  }

  get nick(): string {
    return this.client?.user.nick || this.target.nick;
  }

  get isUp(): boolean {
    return this.up;
  }

  private wire(c: Client): void {
    const now = this.now;
    c.on('registered', () => {
      this.registered = true;
      this.unjoined = new Set(this.target.channels.map(lower));
      for (const ch of this.target.channels) c.join(ch);
      this.joinedOne();
    });
    c.on('join', (e) => {
      if (lower(String(e.nick)) === lower(this.nick)) this.joinedOne(String(e.channel));
    });
    c.on('irc error', (e) => {
      const reason = String(e.reason ?? e.error);
      if (e.error === 'password_mismatch' || (!this.registered && REFUSED.test(reason))) return this.refuse(reason);
      if (typeof e.channel === 'string' && this.unjoined.has(lower(e.channel))) {
        this.lastError = `could not join ${e.channel}: ${reason}`;
        this.joinedOne(e.channel);
      }
    });
    c.on('sasl failed', (e) => this.refuse(`SASL login refused (${String(e.reason)})`));
    c.on('nick in use', () => {
      if (this.registered) return;
      if (++this.nickTries > 3) return this.refuse(`the nick ${this.target.nick} is in use`);
      c.changeNick(`${this.target.nick}${'_'.repeat(this.nickTries)}`);
    });
    c.on('nick invalid', (e) =>
      this.refuse(`the server does not take the nick ${this.target.nick} (${String(e.reason)})`),
    );
    c.on('privmsg', (e) => {
      const text = String(e.message ?? '');
      // Server notices and CTCP (\x01VERSION\x01, /me) are not messages to answer.
      if (!e.nick || text.startsWith('\x01')) return;
      this.heard.push({ seq: ++this.seq, nick: String(e.nick), target: String(e.target), text, at: now() });
      if (this.heard.length > BUFFER_MAX) this.heard.shift();
      this.onHeard();
    });
    c.on('pong', (e) => {
      const done = this.pongs.get(String(e.message));
      this.pongs.delete(String(e.message));
      done?.(true);
    });
    c.on('socket error', (e) => void (this.lastError = String(e.message ?? e)));
    c.on('socket close', () => {
      this.up = false;
      this.registered = false;
      for (const done of this.pongs.values()) done(false);
      this.pongs.clear();
    });
    // Emitted once irc-framework is done with a connection (its own reconnect is off).
    c.on('close', () => {
      if (this.closed || this.refused) return;
      const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** this.attempts++);
      this.retry = setTimeout(() => this.connect(c), delay);
      this.retry.unref();
    });
  }

  /** A channel answered the JOIN (joined, or refused it); the session is up once all have. */
  private joinedOne(channel?: string): void {
    if (channel) this.unjoined.delete(lower(channel));
    if (this.unjoined.size > 0 || this.up) return;
    this.up = true;
    this.attempts = 0;
    this.connections++;
    for (const w of this.waiters) w();
  }

  private refuse(reason: string): void {
    this.refused = new AuthError(this.account, `the IRC server refused the connection: ${reason}`);
    for (const w of this.waiters) w();
  }

  /** Loads irc-framework, makes the client and connects, unless the session was closed meanwhile. */
  private async start(): Promise<void> {
    const { Client } = await loadIrc();
    if (this.closed) return;
    this.client = new Client();
    this.wire(this.client);
    this.connect(this.client);
  }

  private connect(client: Client): void {
    this.nickTries = 0;
    client.connect({
      host: this.target.host,
      port: this.target.port,
      tls: this.target.tls,
      nick: this.target.nick,
      username: this.target.nick.replace(/[^A-Za-z0-9]/g, '').slice(0, 10) || 'roost',
      gecos: 'a Roost bot',
      ...(this.target.password ? { password: this.target.password } : {}),
      // An empty account keeps irc-framework from trying the server password as SASL.
      account: this.target.sasl ?? {},
      auto_reconnect: false,
      version: 'Roost',
    });
  }

  /** Connects on first use; resolves once registered and joined, throws AuthError when refused. */
  async whenUp(timeoutMs: number): Promise<void> {
    if (this.refused) throw this.refused;
    if (this.closed) throw new Error(`the IRC connection of account '${this.account}' is closed`);
    if (!this.started) {
      this.started = true;
      await this.start();
    }
    if (this.up) return;
    let wake = () => undefined as void;
    const timer = new Promise<void>((resolve) => {
      wake = resolve;
      this.waiters.add(resolve);
      setTimeout(resolve, timeoutMs).unref();
    });
    await timer.finally(() => this.waiters.delete(wake));
    this.throwIfRefused();
    if (!this.up)
      throw new Error(
        `account '${this.account}' is not connected to ${this.target.host}:${this.target.port} (${this.lastError}); it keeps trying`,
      );
  }

  /** After a reconnect the server refused: the credentials changed under the bot. */
  throwIfRefused(): void {
    if (this.refused) throw this.refused;
  }

  /**
   * A PING answered: everything the server relayed to this connection before it is in the buffer,
   * and every line this connection sent before it has been handled by the server. False when the
   * connection is down or the answer did not come in time. PINGs go at most one a second (servers
   * count them against flood limits too): callers within that second share the next one, which
   * still leaves after each of them asked.
   */
  sync(timeoutMs: number): Promise<boolean> {
    if (!this.up) return Promise.resolve(false);
    if (this.nextSync) return this.nextSync;
    const wait = Math.max(0, this.lastSyncAt + SYNC_SPACING_MS - Date.now());
    this.nextSync = new Promise<void>((r) => setTimeout(r, wait).unref()).then(() => {
      this.nextSync = null;
      this.lastSyncAt = Date.now();
      return this.ping(timeoutMs);
    });
    return this.nextSync;
  }

  private ping(timeoutMs: number): Promise<boolean> {
    if (!this.up) return Promise.resolve(false);
    const token = `roost-${++this.syncs}`;
    return new Promise((resolve) => {
      this.pongs.set(token, resolve);
      setTimeout(() => {
        this.pongs.delete(token);
        resolve(false);
      }, timeoutMs).unref();
      this.client?.raw('PING', token);
    });
  }

  /** Writes one line; throws when the connection is down, so nothing was sent. */
  say(target: string, line: string): void {
    if (!this.up || !this.client?.connected)
      throw new Error(`account '${this.account}' is not connected to the IRC server (${this.lastError}); not sent`);
    this.client.raw('PRIVMSG', target, line);
  }

  /** What was heard after `seq`, oldest first. */
  after(seq: number, limit: number): Heard[] {
    return this.heard.filter((h) => h.seq > seq).slice(0, limit);
  }

  newest(): number {
    return this.heard.at(-1)?.seq ?? this.firstSeq;
  }

  /** A number for a line the session sent (its post id), from the same sequence. */
  nextSeq(): number {
    return ++this.seq;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    for (const w of this.waiters) w();
    const c = this.client;
    if (!c) return;
    if (c.connected)
      await new Promise<void>((resolve) => {
        c.on('socket close', () => resolve());
        setTimeout(resolve, 2000).unref();
        c.quit('Roost is closing');
      });
    c.removeAllListeners();
  }
}
