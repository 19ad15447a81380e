import type { PlatformEvent } from '../platforms/connector.js';
import type { Result } from '../types.js';
import type { BotCall } from './botCalls.js';
import type { HandlerName } from './defineBot.js';

/** What a bot's thread tells the hub once its module loaded. */
export interface BotMeta {
  name: string;
  schedule: string | null;
  timezone: string;
  missed: 'skip' | 'once';
  /** The account it posts with by default. */
  account: string;
  /** The accounts whose events it handles. */
  reads: string[];
  handlers: HandlerName[];
}

/** Hub -> bot thread. */
export type ToBot =
  | { type: 'invoke'; id: number; handler: HandlerName; event: PlatformEvent | null; scheduledAt: number | null }
  | { type: 'reply'; id: number; ok: boolean; value?: unknown; error?: string }
  | { type: 'jobResult'; id: number; jobId: string; result: Result };

/** Bot thread -> hub. */
export type FromBot =
  | { type: 'ready'; meta: BotMeta }
  | { type: 'beat' }
  | { type: 'invoked'; id: number; ok: boolean; error?: string }
  | { type: 'call'; id: number; call: BotCall };
