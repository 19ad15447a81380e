import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { BotStore } from '../store/botStore.js';
import type { BotLogLevel, BotRun } from '../types.js';
import type { Clock } from './clock.js';

const RECENT_RUNS = 20;

/**
 * What the bots did: their log lines, stored where `roost bot logs` reads them, and their last
 * handler runs since the hub started.
 */
export class BotActivity {
  /** Emits 'log' with a bot's name once lines it logged are stored (the dashboard's live tail). */
  readonly logged = new EventEmitter();
  /** The last handler runs of each bot, newest first. */
  private readonly runs = new Map<string, BotRun[]>();

  constructor(
    private readonly bots: BotStore,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.logged.setMaxListeners(0);
  }

  /** Log lines of a bot go to the store, where `roost bot logs` reads them. */
  logger(bot: string): (level: BotLogLevel, msg: string, data?: unknown) => void {
    return (level, msg, data) => {
      this.bots
        .appendLogs([{ bot, at: this.clock.now(), level, msg, data }])
        .then(() => this.logged.emit('log', bot))
        .catch((e: Error) => this.log.warn({ bot, err: e }, 'could not store a bot log line'));
    };
  }

  ran(bot: string, run: BotRun): void {
    const runs = this.runs.get(bot) ?? [];
    this.runs.set(bot, [run, ...runs].slice(0, RECENT_RUNS));
  }

  recentRuns(bot: string): BotRun[] {
    return this.runs.get(bot) ?? [];
  }

  forget(bot: string): void {
    this.runs.delete(bot);
  }
}
