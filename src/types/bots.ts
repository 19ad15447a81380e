// Bots, their feeds, ledgers and logs, and the sandbox platform's posts.

/** A bot as the hub keeps it, with what `roost bot stats` shows. */
export interface BotInfo {
  name: string;
  /** The module file the hub loads. */
  module: string;
  paused: boolean;
  createdAt: number;
  starts: number;
  /** Starts after a crash, a hang or a failed handler. */
  restarts: number;
  runs: number;
  errors: number;
  lastError: string | null;
  lastErrorAt: number | null;
  lastRunAt: number | null;
  /** The schedule time of the last scheduled run started. */
  lastScheduledAt: number | null;
}

/** One handler run of a bot, as the dashboard lists them. */
export interface BotRun {
  /** onSchedule, onAsk, onMention, onReply, onPost or onStart. */
  handler: string;
  startedAt: number;
  durationMs: number;
  /** Why it failed; null when it succeeded. */
  error: string | null;
}

/** A bot as the API shows it: its stored record, whether it runs, and what its process knows. */
export interface BotView extends BotInfo {
  running: boolean;
  /** The module's cron expression and time zone, and its account; null while it is not running. */
  schedule: string | null;
  timezone: string | null;
  account: string | null;
  /** The accounts whose events it handles; null while it is not running. */
  reads: string[] | null;
  /** Why the hub paused it (bad credentials, a post its platform refused); null when a person paused it or it runs. */
  pausedReason: string | null;
  /** Why it is not started though not paused (its module is missing); it starts once that is fixed. */
  waitingFor: string | null;
  /** When its schedule runs it next; null without a schedule or while it is not running. */
  nextRunAt: number | null;
  /** Posts it made (confirmed in its ledger). */
  postsMade: number;
  /** Its last 20 handler runs, newest first, since the hub started. */
  recentRuns: BotRun[];
}

export interface FeedItem {
  feed: string;
  seq: number;
  item: unknown;
  createdAt: number;
}

export interface LedgerEntry {
  bot: string;
  /** The post's idempotency key: the same key is never posted twice. */
  key: string;
  /** SHA-256 of the platform, the post it answers and the text. */
  hash: string;
  platform: string;
  state: 'pending' | 'confirmed';
  postId: string | null;
  createdAt: number;
  confirmedAt: number | null;
}

export type BotLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface BotLogLine {
  id: number;
  bot: string;
  at: number;
  level: BotLogLevel;
  msg: string;
  data: unknown;
}

/** A sandbox post: a post, a reply (`replyTo`) or an ask (a question sent to `recipient`). */
export interface SandboxPost {
  id: number;
  type: 'post' | 'ask';
  author: string;
  recipient: string | null;
  replyTo: number | null;
  text: string;
  /** Accounts named with @ in the text. */
  mentions: string[];
  likes: string[];
  key: string | null;
  createdAt: number;
}
