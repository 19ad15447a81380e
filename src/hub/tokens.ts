import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { Scope, TokenInfo } from '../types/tokens.js';
import { InputError } from '../errors.js';
import { Sessions } from './sessions.js';

const PREFIX = 'roost_';
const ID_LENGTH = 12;
// Tokens are cached so a request costs one hash, not a store read; a revoke drops the entry here
// and other hubs see it within this many milliseconds.
const CACHE_MS = 10_000;
// last-used times are written at most this often per token.
const TOUCH_MS = 60_000;

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** Who a verified request comes from, and what its token is confined to. */
export interface Caller {
  id: string;
  scope: Scope;
  /** A worker token serves only these kinds; null: any. */
  kinds: string[] | null;
  /** A client token sees and changes only the jobs it created. */
  ownJobs: boolean;
  /** A bot token acts only for this bot; null: any. */
  bot: string | null;
}

/** What a token is confined to (docs/protocol.md, isolation between tokens). */
export type Confinement = Pick<Caller, 'kinds' | 'ownJobs' | 'bot'>;

interface Cached extends Confinement {
  scope: Scope;
  hash: Buffer;
  revoked: boolean;
  loadedAt: number;
  touchedAt: number;
}

/**
 * Tokens look like `roost_<id>_<secret>`. Only the SHA-256 of the secret is stored; the id finds
 * the row and the hashes are compared in constant time. The whole token is shown once, at creation.
 */
export class Tokens {
  private readonly cache = new Map<string, Cached>();
  /** Dashboard logins made with these tokens. */
  readonly sessions = new Sessions();

  constructor(private readonly store: Store) {}

  /**
   * `kinds` confines a worker token to those kinds, `ownJobs` a client token to its own jobs, `bot`
   * a bot token to one bot (see docs/protocol.md, isolation). `keep`, when
   * given, receives the whole token before the store records it: a token that must not be lost (the
   * first admin token, written to a file) is kept before it can lock anyone out.
   */
  async create(
    name: string,
    scope: Scope,
    { kinds = null, ownJobs = false, bot = null, keep }: Partial<Confinement> & { keep?: (token: string) => void } = {},
  ): Promise<{ token: string; info: TokenInfo }> {
    if (kinds !== null && scope !== 'worker')
      throw new InputError('kinds', `only a worker token may be confined to kinds, not a ${scope} token`);
    if (ownJobs && scope !== 'client')
      throw new InputError('ownJobs', `only a client token may be confined to its own jobs, not a ${scope} token`);
    if (bot !== null && scope !== 'bot')
      throw new InputError('bot', `only a bot token may be confined to a bot, not a ${scope} token`);
    const id = randomBytes(ID_LENGTH / 2).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const createdAt = Date.now();
    const token = `${PREFIX}${id}_${secret}`;
    keep?.(token);
    const hash = hashSecret(secret).toString('hex');
    await this.store.createToken({ id, name, scope, hash, createdAt, kinds, ownJobs, bot });
    return { token, info: { id, name, scope, createdAt, revokedAt: null, lastUsedAt: null, kinds, ownJobs, bot } };
  }

  /** The token row, from the cache when it was read within CACHE_MS; null when there is none. */
  private async entry(id: string, now: number): Promise<Cached | null> {
    let entry = this.cache.get(id);
    if (!entry || now - entry.loadedAt > CACHE_MS) {
      const row = await this.store.getToken(id);
      if (!row) return null;
      entry = {
        scope: row.scope,
        kinds: row.kinds,
        ownJobs: row.ownJobs,
        bot: row.bot,
        hash: Buffer.from(row.hash, 'hex'),
        revoked: row.revokedAt !== null,
        loadedAt: now,
        touchedAt: entry?.touchedAt ?? 0,
      };
      this.cache.set(id, entry);
    }
    return entry;
  }

  /** The token's confinement while it exists and is not revoked (a session made with it lives on); else null. */
  async active(id: string): Promise<Confinement | null> {
    const entry = await this.entry(id, Date.now());
    return entry !== null && !entry.revoked ? confinement(entry) : null;
  }

  /** The token's id and scope, or null when it is malformed, unknown, revoked or wrong. */
  async verify(token: string): Promise<Caller | null> {
    if (!token.startsWith(PREFIX) || token[PREFIX.length + ID_LENGTH] !== '_') return null;
    const id = token.slice(PREFIX.length, PREFIX.length + ID_LENGTH);
    const secret = token.slice(PREFIX.length + ID_LENGTH + 1);
    const now = Date.now();
    const entry = await this.entry(id, now);
    if (!entry) return null;
    const given = hashSecret(secret);
    if (entry.revoked || given.length !== entry.hash.length || !timingSafeEqual(given, entry.hash)) return null;
    if (now - entry.touchedAt > TOUCH_MS) {
      entry.touchedAt = now;
      void this.store.touchToken(id, now).catch(() => undefined);
    }
    return { id, scope: entry.scope, ...confinement(entry) };
  }

  list(): Promise<TokenInfo[]> {
    return this.store.listTokens();
  }

  async revoke(id: string): Promise<boolean> {
    this.cache.delete(id);
    this.sessions.deleteForToken(id);
    return this.store.revokeToken(id, Date.now());
  }
}

function confinement(entry: Cached): Confinement {
  return { kinds: entry.kinds, ownJobs: entry.ownJobs, bot: entry.bot };
}
