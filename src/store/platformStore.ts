/** Platform accounts (credentials sealed by the hub's key) and the record of every platform call. */

export interface StoredAccount {
  name: string;
  platform: string;
  /** The server, for platforms with many (a Mastodon instance, a feed's URL); null where there is one. */
  instance: string | null;
  /** The credentials as a sealed box (secretBox.ts): never stored, printed or logged in the clear. */
  sealed: string | null;
  createdAt: number;
  updatedAt: number;
}

/** One exchange with a platform, as `roost calls` shows it. */
export interface PlatformCall {
  id?: number;
  at: number;
  platform: string;
  account: string;
  /** e.g. `POST /api/v1/statuses`, or the connector's name for an in-process call. */
  method: string;
  /** HTTP status; 0 for a network error; 200 for an in-process call that succeeded. */
  status: number;
  durationMs: number;
  /** What the platform said is left of its limit after this call; null when it did not say. */
  remaining: number | null;
  /** Milliseconds the call waited (pacing, Retry-After) before it went. */
  waitMs: number;
  attempt: number;
  error: string | null;
}

export interface CallQuery {
  account?: string;
  since?: number;
  limit: number;
}

export interface PlatformStore {
  /** False when an account with this name exists. */
  addAccount(a: StoredAccount): Promise<boolean>;
  getAccount(name: string): Promise<StoredAccount | null>;
  listAccounts(): Promise<StoredAccount[]>;
  /** A refreshed token, sealed. */
  setSealed(name: string, sealed: string, now: number): Promise<void>;
  removeAccount(name: string): Promise<boolean>;
  recordCall(call: PlatformCall): Promise<void>;
  /** Newest first. */
  listCalls(q: CallQuery): Promise<PlatformCall[]>;
  /** Retention: deletes calls made before `at`; returns how many. */
  deleteCallsBefore(at: number): Promise<number>;
  /** Why the bot was paused by the hub (bad credentials, a refused post); null clears it. */
  setPauseReason(bot: string, reason: string | null): Promise<void>;
  pauseReasons(): Promise<Map<string, string>>;
}
