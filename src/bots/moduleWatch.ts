import { existsSync } from 'node:fs';
import type { BotStore } from '../store/botStore.js';
import type { BotInfo } from '../types.js';

/** How often the hub looks for the modules of bots waiting for theirs. */
const MODULE_WATCH_MS = 1000;

export interface ModuleWatchOptions {
  bots: BotStore;
  /** The module of a waiting bot is there again: it may start. */
  appeared(name: string): void;
}

/**
 * Bots whose module file is missing, with why: they are not started (no crash loop) until the
 * file appears, which is looked for every second while any bot waits.
 */
export class ModuleWatch {
  private readonly waiting = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: ModuleWatchOptions) {}

  /**
   * Whether the bot must wait for its module file; `missing` hears why the first time, so it is
   * said once. A bot whose file is there waits no more.
   */
  waits(bot: BotInfo, missing: (reason: string) => void): boolean {
    if (existsSync(bot.module)) {
      this.waiting.delete(bot.name);
      return false;
    }
    if (!this.waiting.has(bot.name)) {
      const reason = `its module ${bot.module} is missing; it starts when the file is there again`;
      this.waiting.set(bot.name, reason);
      missing(reason);
    }
    this.watch();
    return true;
  }

  /** Why the bot waits, or null when it does not. */
  reason(name: string): string | null {
    return this.waiting.get(name) ?? null;
  }

  forget(name: string): void {
    this.waiting.delete(name);
  }

  /** Forgets the bots not among these (paused or gone). */
  keepOnly(names: Set<string>): void {
    for (const name of this.waiting.keys()) if (!names.has(name)) this.waiting.delete(name);
  }

  /** Forgets every bot and stops looking. */
  clear(): void {
    this.waiting.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private watch(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      for (const name of this.waiting.keys()) {
        void this.options.bots.getBot(name).then((bot) => {
          if (bot && existsSync(bot.module)) this.options.appeared(name);
        });
      }
      if (this.waiting.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    }, MODULE_WATCH_MS);
    this.timer.unref();
  }
}
