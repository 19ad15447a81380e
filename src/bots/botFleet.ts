import type { Logger } from 'pino';
import type { Accounts } from '../platforms/accounts.js';
import type { BotStore } from '../store/botStore.js';
import type { BotInfo } from '../types.js';
import type { BotActivity } from './botActivity.js';
import { accountConnectors, BotHost, type HostDeps } from './botHost.js';
import { BotProcess } from './botProcess.js';
import type { Clock } from './clock.js';
import { ModuleWatch } from './moduleWatch.js';

export interface BotFleetOptions {
  bots: BotStore;
  accounts: Accounts;
  /** What the hub side of every bot's context works on. */
  host: HostDeps;
  clock: Clock;
  hangMs: number;
  pollMs: number;
  log: Logger;
  activity: BotActivity;
  /** The bot met something only a person can fix (bad credentials, a refused post). */
  halt(name: string, reason: string): void;
  /** The bot's thread has loaded its module, or it is gone. */
  onRunning(name: string, running: boolean): void;
  /** The module of a bot waiting for it is there again. */
  appeared: (name: string) => void;
}

/** The bot processes this hub runs, and the bots it would run but for a missing module file. */
export class BotFleet {
  private readonly processes = new Map<string, BotProcess>();
  private readonly modules: ModuleWatch;

  constructor(private readonly options: BotFleetOptions) {
    this.modules = new ModuleWatch({ bots: options.bots, appeared: options.appeared });
  }

  get(name: string): BotProcess | undefined {
    return this.processes.get(name);
  }

  /** The bots whose thread has loaded their module here. */
  running(): string[] {
    return [...this.processes].filter(([, p]) => p.running).map(([name]) => name);
  }

  /** Why the bot is not started, when it waits for its module file. */
  waitingFor(name: string): string | null {
    return this.modules.reason(name);
  }

  /** The bots read their platforms now. */
  wake(): void {
    for (const p of this.processes.values()) p.poll();
  }

  /** Starts a bot; one whose module is missing waits for the file (said once), started when it appears. */
  launch(bot: BotInfo): BotProcess | null {
    const { bots, accounts, clock, log, activity } = this.options;
    const missing = (reason: string) => {
      void bots.recordBotEvent(bot.name, { type: 'error', at: clock.now(), message: reason });
      activity.logger(bot.name)('error', `not started: ${reason}`);
      log.warn({ bot: bot.name, module: bot.module }, 'bot module missing; the bot waits for it');
    };
    if (this.modules.waits(bot, missing)) return null;
    const p = new BotProcess({
      name: bot.name,
      module: bot.module,
      store: bots,
      clock,
      hangMs: this.options.hangMs,
      pollMs: this.options.pollMs,
      log: activity.logger(bot.name),
      ran: (run) => activity.ran(bot.name, run),
      makeHost: async (meta) =>
        new BotHost(
          this.options.host,
          bot.name,
          await accountConnectors(accounts, meta),
          meta.account,
          activity.logger(bot.name),
        ),
      halt: (reason) => this.options.halt(bot.name, reason),
      onRunning: (running) => this.options.onRunning(bot.name, running),
    });
    this.processes.set(bot.name, p);
    p.start();
    return p;
  }

  /** Stops the bot, or stops waiting for its module. */
  async stop(name: string): Promise<void> {
    this.modules.forget(name);
    const p = this.processes.get(name);
    if (p) {
      this.processes.delete(name);
      await p.stop();
    }
  }

  /** Stops the bots not among these, one after the other. */
  async keepOnly(names: Set<string>): Promise<void> {
    for (const [name, p] of [...this.processes]) {
      if (names.has(name)) continue;
      this.processes.delete(name);
      await p.stop();
    }
    this.modules.keepOnly(names);
  }

  async stopAll(): Promise<void> {
    this.modules.clear();
    const all = [...this.processes.values()];
    this.processes.clear();
    await Promise.all(all.map((p) => p.stop()));
  }
}
