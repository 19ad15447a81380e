// Tokens and the scopes they carry.

export type Scope = 'admin' | 'client' | 'worker' | 'bot';
export const SCOPES: readonly Scope[] = ['admin', 'client', 'worker', 'bot'];

export interface TokenInfo {
  id: string;
  name: string;
  scope: Scope;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
  /** The kinds a worker token may serve; null for any. */
  kinds: string[] | null;
  /** A client token that sees and changes only the jobs it created. */
  ownJobs: boolean;
  /** The bot a bot token acts for (its state, its feeds); null for any bot. */
  bot: string | null;
}
