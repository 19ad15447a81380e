import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { JobBroker as Broker } from '../broker/jobBroker.js';
import { soloCluster, type Cluster } from '../store/cluster.js';
import { ConflictError, InputError, NotFoundError } from '../errors.js';
import { packageRoot } from '../paths.js';
import type { Accounts } from '../platforms/accounts.js';
import type { Connector } from '../platforms/connector.js';
import { AuthError } from '../platforms/errors.js';
import type { BotStore } from '../store/botStore.js';
import type { PlatformStore } from '../store/platformStore.js';
import type { BotInfo, BotLogLevel, BotRun, BotView } from '../types.js';
import type { BotChat } from './botChat.js';
import { BotHost } from './botHost.js';
import { BotProcess } from './botProcess.js';
import { BotRelay } from './botRelay.js';
import { systemClock, type Clock } from './clock.js';
import type { ArtifactReader } from './artifactImages.js';
import type { BotMeta } from './messages.js';
import { BOT_NAME_PATTERN, findModule, installModule, modulesIn, removeModule } from './botModules.js';

export { BOT_NAME_PATTERN } from './botModules.js';
const RECENT_RUNS = 20;
/** How often the hub looks for the modules of bots waiting for theirs. */
const MODULE_WATCH_MS = 1000;

export interface SupervisorOptions {
  bots: BotStore;
  /** The accounts bots act as; their platforms' activity wakes the bots' polls. */
  accounts: Accounts;
  /** Where the hub keeps why it paused a bot. */
  platformStore: PlatformStore;
  broker: Broker;
  /** ctx.chat: conversations in the chat memory, answered by llm.chat workers. */
  chat: BotChat;
  /** The hub's artifacts, which posts may attach as images. */
  artifacts: ArtifactReader | null;
  /** Where bot modules live; `roost bot create` copies modules here. */
  botsDir: string;
  hangMs: number;
  pollMs: number;
  log: Logger;
  clock?: Clock;
  /** The other hubs on the store: bots run on the leader only. */
  cluster?: Cluster;
}

/**
 * Runs every bot of the hub: loads the modules in botsDir at start, creates, pauses, resumes and
 * destroys bots, and wakes their polls when the sandbox gets a post. Of several hubs on one store
 * only the leader runs bots; the others forward to it what must reach them (see BotRelay).
 */
export class BotSupervisor {
  private readonly running = new Map<string, BotProcess>();
  /** Bots whose module file is missing, with why: not started (no crash loop) until the file appears. */
  private readonly waiting = new Map<string, string>();
  private moduleWatch: NodeJS.Timeout | null = null;
  /** The last handler runs of each bot, newest first, since the hub started. */
  private readonly runs = new Map<string, BotRun[]>();
  /** Emits 'log' with a bot's name once lines it logged are stored (the dashboard's live tail). */
  readonly logged = new EventEmitter();
  private readonly clock: Clock;
  private readonly cluster: Cluster;
  private readonly relay: BotRelay;
  /** Starts and stops run one at a time, so a bot is never launched twice. */
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Whether this hub ran the bots the last time it looked (null: not yet looked). */
  private leading: boolean | null = null;
  private readonly onPost = () => {
    this.wake();
    this.relay.posted();
  };

  constructor(private readonly o: SupervisorOptions) {
    this.clock = o.clock ?? systemClock;
    this.logged.setMaxListeners(0);
    this.cluster = o.cluster ?? soloCluster();
    this.relay = new BotRelay(this.cluster, o.log, {
      leads: () => this.leads,
      resync: () => void this.lead(),
      wake: () => this.wake(),
      running: () => this.runningHere(),
      sync: (bot, ready) => this.reconcile(bot, ready),
      run: (bot) => this.runOnce(bot),
    });
  }

  /** Whether this hub runs the bots: it leads the hubs on its store (a hub alone always does). */
  get leads(): boolean {
    return this.cluster.isLeader && !this.closed;
  }

  async start(): Promise<void> {
    mkdirSync(this.o.botsDir, { recursive: true });
    this.linkPackage();
    for (const { name, module } of modulesIn(this.o.botsDir))
      await this.o.bots.createBot(name, module, this.clock.now());
    this.o.accounts.activity.on('activity', this.onPost);
    this.relay.listen();
    this.cluster.onLeadership(() => void this.lead());
    await this.lead();
  }

  private runningHere(): string[] {
    return [...this.running].filter(([, p]) => p.running).map(([name]) => name);
  }

  private wake(): void {
    for (const p of this.running.values()) p.poll();
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Brings this hub in line with its role: the leader runs every bot that is not paused (and
   * nothing else), and says so to the other hubs; a hub that does not lead runs none.
   */
  private lead(): Promise<void> {
    return this.serial(async () => {
      if (this.closed) return;
      const leads = this.leads;
      this.relay.leadershipChanged(leads);
      if (leads !== this.leading)
        this.o.log.info(
          leads ? 'this hub leads: it runs the bots' : 'this hub does not lead: its bots run on the leading hub',
        );
      this.leading = leads;
      if (!leads) {
        await this.stopAll();
        this.relay.hello();
        return;
      }
      const bots = await this.o.bots.listBots();
      const wanted = new Set(bots.filter((b) => !b.paused).map((b) => b.name));
      for (const [name, p] of [...this.running]) {
        if (wanted.has(name)) continue;
        this.running.delete(name);
        await p.stop();
      }
      this.relay.announce(this.runningHere());
      for (const name of this.waiting.keys()) if (!wanted.has(name)) this.waiting.delete(name);
      for (const bot of bots) if (wanted.has(bot.name) && !this.running.has(bot.name)) this.launch(bot);
      this.wake();
    });
  }

  /** On the leader: starts or stops the bot as its record says; `ready` waits for its module to load. */
  private async reconcile(name: string, ready: boolean): Promise<void> {
    const launched = await this.serial(async () => {
      const bot = await this.o.bots.getBot(name);
      const p = this.running.get(name);
      if (bot && !bot.paused && this.leads) return p ?? this.launch(bot);
      this.waiting.delete(name);
      if (p) {
        this.running.delete(name);
        await p.stop();
      }
      return null;
    });
    if (ready) await launched?.ready;
  }

  /** After a change to a bot's record: applied here on the leader, else forwarded to it. */
  private apply(name: string, ready = false): Promise<void> {
    return this.leads ? this.reconcile(name, ready) : this.relay.sync(name, ready);
  }

  /**
   * Bot modules import 'roost/bots'. Linking the package into botsDir/node_modules lets that
   * resolve wherever botsDir is, with no install step.
   */
  private linkPackage(): void {
    const link = join(this.o.botsDir, 'node_modules', 'roost');
    if (existsSync(link)) return;
    mkdirSync(join(this.o.botsDir, 'node_modules'), { recursive: true });
    symlinkSync(packageRoot, link, 'dir');
  }

  /** Starts a bot; one whose module is missing waits for the file (said once), started when it appears. */
  private launch(bot: BotInfo): BotProcess | null {
    if (!existsSync(bot.module)) {
      if (!this.waiting.has(bot.name)) {
        const reason = `its module ${bot.module} is missing; it starts when the file is there again`;
        this.waiting.set(bot.name, reason);
        void this.o.bots.recordBotEvent(bot.name, { type: 'error', at: this.clock.now(), message: reason });
        this.logger(bot.name)('error', `not started: ${reason}`);
        this.o.log.warn({ bot: bot.name, module: bot.module }, 'bot module missing; the bot waits for it');
      }
      this.watchModules();
      return null;
    }
    this.waiting.delete(bot.name);
    const p = new BotProcess({
      name: bot.name,
      module: bot.module,
      store: this.o.bots,
      clock: this.clock,
      hangMs: this.o.hangMs,
      pollMs: this.o.pollMs,
      log: this.logger(bot.name),
      ran: (run) => this.noteRun(bot.name, run),
      makeHost: async (meta) =>
        new BotHost(
          {
            bots: this.o.bots,
            broker: this.o.broker,
            chat: this.o.chat,
            artifacts: this.o.artifacts,
            now: this.clock.now,
          },
          bot.name,
          await this.connectors(meta),
          meta.account,
          this.logger(bot.name),
        ),
      halt: (reason) => void this.halt(bot.name, reason),
      onRunning: (running) => this.relay.running(bot.name, running),
    });
    this.running.set(bot.name, p);
    p.start();
    return p;
  }

  /** The connectors of the accounts a bot names; one that cannot be made stops the bot (a person must fix it). */
  private async connectors(meta: BotMeta): Promise<Map<string, Connector>> {
    const out = new Map<string, Connector>();
    for (const account of new Set([meta.account, ...meta.reads])) {
      try {
        out.set(account, await this.o.accounts.connector(account));
      } catch (e) {
        throw new AuthError(account, (e as Error).message);
      }
    }
    return out;
  }

  /** Pauses a bot that met bad credentials or a refused post, keeping why for `roost bot list`. */
  private async halt(name: string, reason: string): Promise<void> {
    this.o.log.warn({ bot: name, reason }, 'bot paused: it needs a person to act');
    // The reason first: whoever sees the bot paused sees why.
    await this.o.platformStore.setPauseReason(name, reason);
    await this.o.bots.setPaused(name, true);
    await this.apply(name);
  }

  private watchModules(): void {
    if (this.moduleWatch) return;
    this.moduleWatch = setInterval(() => {
      for (const name of this.waiting.keys()) {
        void this.o.bots.getBot(name).then((bot) => {
          if (bot && existsSync(bot.module)) void this.reconcile(name, false);
        });
      }
      if (this.waiting.size === 0 && this.moduleWatch) {
        clearInterval(this.moduleWatch);
        this.moduleWatch = null;
      }
    }, MODULE_WATCH_MS);
    this.moduleWatch.unref();
  }

  private noteRun(bot: string, run: BotRun): void {
    const runs = this.runs.get(bot) ?? [];
    this.runs.set(bot, [run, ...runs].slice(0, RECENT_RUNS));
  }

  /** Log lines of a bot go to the store, where `roost bot logs` reads them. */
  logger(bot: string): (level: BotLogLevel, msg: string, data?: unknown) => void {
    return (level, msg, data) => {
      this.o.bots
        .appendLogs([{ bot, at: this.clock.now(), level, msg, data }])
        .then(() => this.logged.emit('log', bot))
        .catch((e: Error) => this.o.log.warn({ bot, err: e }, 'could not store a bot log line'));
    };
  }

  /** Whether the bot runs: here on the leader, else as the leader last said. */
  private isRunning(name: string): boolean {
    return this.cluster.isLeader ? (this.running.get(name)?.running ?? false) : this.relay.runsOnLeader(name);
  }

  /**
   * A bot's record with what only its running process knows: its schedule's next run and its
   * recent runs. A hub that does not lead runs no bot process, so it has neither to show.
   */
  private async view(bot: BotInfo, reasons?: Map<string, string>): Promise<BotView> {
    const p = this.running.get(bot.name);
    const details = p?.details ?? { schedule: null, timezone: null, account: null, reads: null, nextRunAt: null };
    return {
      ...bot,
      pausedReason: (reasons ?? (await this.o.platformStore.pauseReasons())).get(bot.name) ?? null,
      waitingFor: this.waiting.get(bot.name) ?? null,
      running: this.isRunning(bot.name),
      ...details,
      postsMade: await this.o.bots.countPosts(bot.name),
      recentRuns: this.runs.get(bot.name) ?? [],
    };
  }

  async get(name: string): Promise<BotView> {
    const bot = await this.o.bots.getBot(name);
    if (!bot) throw new NotFoundError(`no bot named '${name}'; \`roost bot list\` shows them`);
    return this.view(bot);
  }

  async list(): Promise<BotView[]> {
    const reasons = await this.o.platformStore.pauseReasons();
    return Promise.all((await this.o.bots.listBots()).map((b) => this.view(b, reasons)));
  }

  async create(name: string, from: string): Promise<BotView> {
    if (!new RegExp(BOT_NAME_PATTERN).test(name))
      throw new InputError('name', `a bot name is 1 to 64 lower-case letters, digits, '_' or '-', got '${name}'`);
    const exists = () =>
      new ConflictError('exists', `a bot named '${name}' exists; pick another name or destroy it first`);
    if (await this.o.bots.getBot(name)) throw exists();
    const target = installModule(findModule(from), this.o.botsDir, name);
    // Another hub may have created it since the check.
    if (!(await this.o.bots.createBot(name, target, this.clock.now()))) throw exists();
    await this.apply(name);
    return this.get(name);
  }

  async pause(name: string): Promise<BotView> {
    await this.get(name);
    await this.o.bots.setPaused(name, true);
    await this.apply(name);
    return this.get(name);
  }

  async resume(name: string): Promise<BotView> {
    await this.get(name);
    await this.o.platformStore.setPauseReason(name, null);
    await this.o.bots.setPaused(name, false);
    await this.apply(name, true);
    return this.get(name);
  }

  /** Stops the bot and deletes it with its state, owned feeds, ledger, log and module file. */
  async destroy(name: string): Promise<void> {
    const bot = await this.get(name);
    // Paused first, so that no hub taking the lead meanwhile starts it again.
    await this.o.bots.setPaused(name, true);
    await this.apply(name);
    await this.o.bots.deleteBot(name);
    this.runs.delete(name);
    removeModule(bot.module, this.o.botsDir);
  }

  /** Runs the bot's onSchedule now (after anything it is running), whether or not it has a schedule. */
  async runOnce(name: string): Promise<void> {
    await this.get(name);
    if (!this.leads) return this.relay.run(name);
    const p = this.running.get(name);
    if (!p) throw new ConflictError('paused', `bot '${name}' is paused; resume it first`);
    await p.ready;
    await p.invoke('onSchedule', null, null);
  }

  private async stopAll(): Promise<void> {
    this.waiting.clear();
    if (this.moduleWatch) clearInterval(this.moduleWatch);
    this.moduleWatch = null;
    const all = [...this.running.values()];
    this.running.clear();
    await Promise.all(all.map((p) => p.stop()));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.o.accounts.activity.off('activity', this.onPost);
    this.relay.close();
    await this.serial(() => this.stopAll());
  }
}
