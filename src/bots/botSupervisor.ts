import type { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import type { JobBroker as Broker } from '../broker/jobBroker.js';
import { soloCluster, type Cluster } from '../store/cluster.js';
import { ConflictError, InputError, NotFoundError } from '../errors.js';
import type { Accounts } from '../platforms/accounts.js';
import type { BotStore } from '../store/botStore.js';
import type { PlatformStore } from '../store/platformStore.js';
import type { BotInfo, BotView } from '../types.js';
import { BotActivity } from './botActivity.js';
import type { BotChat } from './botChat.js';
import { BotFleet } from './botFleet.js';
import { BotRelay } from './botRelay.js';
import { systemClock, type Clock } from './clock.js';
import type { ArtifactReader } from './artifactImages.js';
import {
  BOT_NAME_PATTERN,
  findModule,
  installModule,
  linkRoostPackage,
  modulesIn,
  removeModule,
} from './botModules.js';

export { BOT_NAME_PATTERN } from './botModules.js';

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
  private readonly fleet: BotFleet;
  private readonly activity: BotActivity;
  /** Emits 'log' with a bot's name once lines it logged are stored (the dashboard's live tail). */
  readonly logged: EventEmitter;
  private readonly clock: Clock;
  private readonly cluster: Cluster;
  private readonly relay: BotRelay;
  /** Starts and stops run one at a time, so a bot is never launched twice. */
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Whether this hub ran the bots the last time it looked (null: not yet looked). */
  private leading: boolean | null = null;
  private readonly onPost = () => {
    this.fleet.wake();
    this.relay.posted();
  };

  constructor(private readonly options: SupervisorOptions) {
    const { bots, accounts, broker, chat, artifacts, hangMs, pollMs, log } = options;
    this.clock = options.clock ?? systemClock;
    this.cluster = options.cluster ?? soloCluster();
    this.activity = new BotActivity(bots, this.clock, log);
    this.logged = this.activity.logged;
    this.fleet = new BotFleet({
      bots,
      accounts,
      host: { bots, broker, chat, artifacts, now: this.clock.now },
      clock: this.clock,
      hangMs,
      pollMs,
      log,
      activity: this.activity,
      halt: (name, reason) => void this.halt(name, reason),
      onRunning: (name, running) => this.relay.running(name, running),
      appeared: (name) => void this.reconcile(name, false),
    });
    this.relay = new BotRelay(this.cluster, log, {
      leads: () => this.leads,
      resync: () => void this.lead(),
      wake: () => this.fleet.wake(),
      running: () => this.fleet.running(),
      sync: (bot, ready) => this.reconcile(bot, ready),
      run: (bot) => this.runOnce(bot),
    });
  }

  /** Whether this hub runs the bots: it leads the hubs on its store (a hub alone always does). */
  get leads(): boolean {
    return this.cluster.isLeader && !this.closed;
  }

  async start(): Promise<void> {
    mkdirSync(this.options.botsDir, { recursive: true });
    linkRoostPackage(this.options.botsDir);
    for (const { name, module } of modulesIn(this.options.botsDir))
      await this.options.bots.createBot(name, module, this.clock.now());
    this.options.accounts.activity.on('activity', this.onPost);
    this.relay.listen();
    this.cluster.onLeadership(() => void this.lead());
    await this.lead();
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
        this.options.log.info(
          leads ? 'this hub leads: it runs the bots' : 'this hub does not lead: its bots run on the leading hub',
        );
      this.leading = leads;
      if (!leads) {
        await this.fleet.stopAll();
        this.relay.hello();
        return;
      }
      const bots = await this.options.bots.listBots();
      const wanted = new Set(bots.filter((b) => !b.paused).map((b) => b.name));
      await this.fleet.keepOnly(wanted);
      this.relay.announce(this.fleet.running());
      for (const bot of bots) if (wanted.has(bot.name) && !this.fleet.get(bot.name)) this.fleet.launch(bot);
      this.fleet.wake();
    });
  }

  /** On the leader: starts or stops the bot as its record says; `ready` waits for its module to load. */
  private async reconcile(name: string, ready: boolean): Promise<void> {
    const launched = await this.serial(async () => {
      const bot = await this.options.bots.getBot(name);
      if (bot && !bot.paused && this.leads) return this.fleet.get(name) ?? this.fleet.launch(bot);
      await this.fleet.stop(name);
      return null;
    });
    if (ready) await launched?.ready;
  }

  /** After a change to a bot's record: applied here on the leader, else forwarded to it. */
  private apply(name: string, ready = false): Promise<void> {
    return this.leads ? this.reconcile(name, ready) : this.relay.sync(name, ready);
  }

  /** Pauses a bot that met bad credentials or a refused post, keeping why for `roost bot list`. */
  private async halt(name: string, reason: string): Promise<void> {
    this.options.log.warn({ bot: name, reason }, 'bot paused: it needs a person to act');
    // The reason first: whoever sees the bot paused sees why.
    await this.options.platformStore.setPauseReason(name, reason);
    await this.options.bots.setPaused(name, true);
    await this.apply(name);
  }

  /** Whether the bot runs: here on the leader, else as the leader last said. */
  private isRunning(name: string): boolean {
    return this.cluster.isLeader ? (this.fleet.get(name)?.running ?? false) : this.relay.runsOnLeader(name);
  }

  /**
   * A bot's record with what only its running process knows: its schedule's next run and its
   * recent runs. A hub that does not lead runs no bot process, so it has neither to show.
   */
  private async view(bot: BotInfo, reasons?: Map<string, string>): Promise<BotView> {
    const p = this.fleet.get(bot.name);
    const details = p?.details ?? { schedule: null, timezone: null, account: null, reads: null, nextRunAt: null };
    return {
      ...bot,
      pausedReason: (reasons ?? (await this.options.platformStore.pauseReasons())).get(bot.name) ?? null,
      waitingFor: this.fleet.waitingFor(bot.name),
      running: this.isRunning(bot.name),
      ...details,
      postsMade: await this.options.bots.countPosts(bot.name),
      recentRuns: this.activity.recentRuns(bot.name),
    };
  }

  async get(name: string): Promise<BotView> {
    const bot = await this.options.bots.getBot(name);
    if (!bot) throw new NotFoundError(`no bot named '${name}'; \`roost bot list\` shows them`);
    return this.view(bot);
  }

  async list(): Promise<BotView[]> {
    const reasons = await this.options.platformStore.pauseReasons();
    return Promise.all((await this.options.bots.listBots()).map((b) => this.view(b, reasons)));
  }

  async create(name: string, from: string): Promise<BotView> {
    if (!new RegExp(BOT_NAME_PATTERN).test(name))
      throw new InputError('name', `a bot name is 1 to 64 lower-case letters, digits, '_' or '-', got '${name}'`);
    const exists = () =>
      new ConflictError('exists', `a bot named '${name}' exists; pick another name or destroy it first`);
    if (await this.options.bots.getBot(name)) throw exists();
    const target = installModule(findModule(from), this.options.botsDir, name);
    // Another hub may have created it since the check.
    if (!(await this.options.bots.createBot(name, target, this.clock.now()))) throw exists();
    await this.apply(name);
    return this.get(name);
  }

  async pause(name: string): Promise<BotView> {
    await this.get(name);
    await this.options.bots.setPaused(name, true);
    await this.apply(name);
    return this.get(name);
  }

  async resume(name: string): Promise<BotView> {
    await this.get(name);
    await this.options.platformStore.setPauseReason(name, null);
    await this.options.bots.setPaused(name, false);
    await this.apply(name, true);
    return this.get(name);
  }

  /** Stops the bot and deletes it with its state, owned feeds, ledger, log and module file. */
  async destroy(name: string): Promise<void> {
    const bot = await this.get(name);
    // Paused first, so that no hub taking the lead meanwhile starts it again.
    await this.options.bots.setPaused(name, true);
    await this.apply(name);
    await this.options.bots.deleteBot(name);
    this.activity.forget(name);
    removeModule(bot.module, this.options.botsDir);
  }

  /** Runs the bot's onSchedule now (after anything it is running), whether or not it has a schedule. */
  async runOnce(name: string): Promise<void> {
    await this.get(name);
    if (!this.leads) return this.relay.run(name);
    const p = this.fleet.get(name);
    if (!p) throw new ConflictError('paused', `bot '${name}' is paused; resume it first`);
    await p.ready;
    await p.invoke('onSchedule', null, null);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.options.accounts.activity.off('activity', this.onPost);
    this.relay.close();
    await this.serial(() => this.fleet.stopAll());
  }
}
