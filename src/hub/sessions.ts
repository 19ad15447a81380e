import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Scope } from '../types.js';

/** How long a dashboard login lasts. */
export const SESSION_MS = 24 * 3_600_000;
/** Sessions held at once; past it the oldest is dropped (its user logs in again). */
const MAX_SESSIONS = 10_000;

export interface Session {
  /** The token the user logged in with: the session lasts while it is not revoked. */
  tokenId: string;
  scope: Scope;
  /** Sent back by the dashboard in X-Roost-CSRF on every request that changes something. */
  csrf: string;
  expiresAt: number;
}

const digest = (id: string) => createHash('sha256').update(id).digest('hex');

/**
 * Dashboard logins: a token exchanged for a random session id carried in a cookie, so the token
 * itself never stays in the browser. Held in this hub's memory (a restart logs everyone out) and
 * keyed by the id's SHA-256, so looking one up reveals nothing through its timing.
 */
export class Sessions {
  private readonly byDigest = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  create(tokenId: string, scope: Scope): { id: string; session: Session } {
    const id = randomBytes(32).toString('base64url');
    const session = { tokenId, scope, csrf: randomBytes(24).toString('base64url'), expiresAt: this.now() + SESSION_MS };
    this.sweep();
    this.byDigest.set(digest(id), session);
    return { id, session };
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
    return this.byDigest.delete(digest(id));
  }

  /** Ends every session opened with a token (it was revoked). */
  deleteForToken(tokenId: string): void {
    for (const [key, s] of this.byDigest) if (s.tokenId === tokenId) this.byDigest.delete(key);
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, s] of this.byDigest) if (s.expiresAt <= now) this.byDigest.delete(key);
    // Insertion order is age order: drop the oldest past the bound.
    for (const key of this.byDigest.keys()) {
      if (this.byDigest.size < MAX_SESSIONS) break;
      this.byDigest.delete(key);
    }
  }
}

export function csrfMatches(session: Session, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
