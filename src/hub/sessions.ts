import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Scope } from '../types/tokens.js';

/** How long a dashboard login lasts. */
export const SESSION_MS = 24 * 3_600_000;
/** Sessions one token holds at once; past it that token's own oldest is dropped (its user logs in again). */
export const MAX_SESSIONS_PER_TOKEN = 20;
/** Sessions held at once, all tokens together; past it logins are refused, never someone else's session dropped. */
const MAX_SESSIONS = 10_000;
/** Logins per token: a burst of this many, then one each LOGIN_REFILL_MS. */
export const LOGIN_BURST = 10;
export const LOGIN_REFILL_MS = 6_000;

export interface Session {
  /** The token the user logged in with: the session lasts while it is not revoked. */
  tokenId: string;
  scope: Scope;
  /** Sent back by the dashboard in X-Roost-CSRF on every request that changes something. */
  csrf: string;
  expiresAt: number;
}

/** A session logged out (by its id), or every session and use of a revoked token (by the token's id). */
export type EndedSessions = { sessionId: string } | { tokenId: string };

const digest = (id: string) => createHash('sha256').update(id).digest('hex');

/**
 * Dashboard logins: a token exchanged for a random session id carried in a cookie, so the token
 * itself never stays in the browser. Held in this hub's memory (a restart logs everyone out) and
 * keyed by the id's SHA-256, so looking one up reveals nothing through its timing.
 */
export class Sessions {
  private readonly byDigest = new Map<string, Session>();
  /** Told when sessions end by logout or revocation, so what was opened with them (streams) closes too. */
  private readonly endListeners = new Set<(ended: EndedSessions) => void>();
  /** Login allowance per token id: what is left of the burst as of `at`. */
  private readonly logins = new Map<string, { left: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * A new session for the token, or how long to wait (ms) when the token has logged in too often
   * or the hub holds as many sessions as it keeps. A token over its own bound loses its own oldest
   * session, so one token's logins never end another's.
   */
  create(tokenId: string, scope: Scope): { id: string; session: Session } | { retryAfterMs: number } {
    const now = this.now();
    this.sweep(now);
    const allowance = this.allowance(tokenId, now);
    if (allowance.left < 1) return { retryAfterMs: Math.ceil((1 - allowance.left) * LOGIN_REFILL_MS) };
    const own = [...this.byDigest].filter(([, s]) => s.tokenId === tokenId);
    for (const [key] of own.slice(0, Math.max(0, own.length - MAX_SESSIONS_PER_TOKEN + 1))) this.byDigest.delete(key);
    if (this.byDigest.size >= MAX_SESSIONS) return { retryAfterMs: LOGIN_REFILL_MS };
    allowance.left--;
    const id = randomBytes(32).toString('base64url');
    const session = { tokenId, scope, csrf: randomBytes(24).toString('base64url'), expiresAt: now + SESSION_MS };
    this.byDigest.set(digest(id), session);
    return { id, session };
  }

  /** The token's login allowance, refilled for the time since it was last looked at. */
  private allowance(tokenId: string, now: number): { left: number; at: number } {
    let a = this.logins.get(tokenId);
    if (!a) this.logins.set(tokenId, (a = { left: LOGIN_BURST, at: now }));
    a.left = Math.min(LOGIN_BURST, a.left + (now - a.at) / LOGIN_REFILL_MS);
    a.at = now;
    return a;
  }

  get(id: string): Session | null {
    const key = digest(id);
    const s = this.byDigest.get(key);
    if (!s) return null;
    if (s.expiresAt <= this.now()) {
      this.byDigest.delete(key);
      return null;
    }
    return s;
  }

  delete(id: string): boolean {
    const key = digest(id);
    const s = this.byDigest.get(key);
    if (!s) return false;
    this.byDigest.delete(key);
    for (const l of this.endListeners) l({ sessionId: id });
    return true;
  }

  /** Ends every session opened with a token, and tells listeners the token is revoked. */
  deleteForToken(tokenId: string): void {
    for (const [key, s] of this.byDigest) if (s.tokenId === tokenId) this.byDigest.delete(key);
    for (const l of this.endListeners) l({ tokenId });
  }

  /** Calls `listener` whenever a session is logged out or a token revoked; returns the unsubscribe. */
  onEnd(listener: (ended: EndedSessions) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  private sweep(now: number): void {
    for (const [key, s] of this.byDigest) if (s.expiresAt <= now) this.byDigest.delete(key);
    // A full allowance is the same as none kept.
    for (const [id, a] of this.logins)
      if (a.left + (now - a.at) / LOGIN_REFILL_MS >= LOGIN_BURST) this.logins.delete(id);
  }
}

export function csrfMatches(session: Session, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
