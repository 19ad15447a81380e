import { EventEmitter } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Broker } from '../broker/broker.js';
import { ConflictError, InputError, NotFoundError } from '../errors.js';
import { packageRoot } from '../paths.js';
import type { PlatformClient } from '../platforms/platformClient.js';
import type { Sandbox } from '../platforms/sandbox/sandbox.js';
import { SandboxClient } from '../platforms/sandbox/sandboxClient.js';
import type { BotStore } from '../store/botStore.js';
import type { BotInfo, BotLogLevel, BotRun, BotView } from '../types.js';
import { BotHost } from './botHost.js';
import { BotProcess } from './botProcess.js';
import { systemClock, type Clock } from './clock.js';
import type { BotMeta } from './messages.js';

export const BOT_NAME_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';
const RECENT_RUNS = 20;
const MODULE_EXTENSIONS = ['.js', '.mjs'];

export interface SupervisorOptions {
  bots: BotStore;
  sandbox: Sandbox;
  broker: Broker;
  /** Where bot modules live; `roost bot create` copies modules here. */
  botsDir: string;
  hangMs: number;
  pollMs: number;
  log: Logger;
  clock?: Clock;
}

/** A module path given to `create`: the file, or FILE.js, or FOLDER/index.js. */
function findModule(from: string): string {
  for (const candidate of [from, ...MODULE_EXTENSIONS.map((e) => from + e), join(from, 'index.js')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return resolve(candidate);
  }
  throw new InputError('from', `no bot module at ${resolve(from)} (tried .js, .mjs and index.js too)`);
}

/**
 * Runs every bot of the hub: loads the modules in botsDir at start, creates, pauses, resumes and
 * destroys bots, and wakes their polls when the sandbox gets a post.
 */
export class BotSupervisor {
  private readonly running = new Map<string, BotProcess>();
  /** The last handler runs of each bot, newest first, since the hub started. */
  private readonly runs = new Map<string, BotRun[]>();
  /** Emits 'log' with a bot's name once lines it logged are stored (the dashboard's live tail). */
  readonly logged = new EventEmitter();
  private readonly clock: Clock;
  private readonly wake = () => {
    for (const p of this.running.values()) p.poll();
  };

  constructor(private readonly o: SupervisorOptions) {
    this.clock = o.clock ?? systemClock;
    this.logged.setMaxListeners(0);
  }

  async start(): Promise<void> {
    mkdirSync(this.o.botsDir, { recursive: true });
    this.linkPackage();
    for (const file of readdirSync(this.o.botsDir)) {
      const name = basename(file, extname(file));
      if (!MODULE_EXTENSIONS.includes(extname(file)) || !new RegExp(BOT_NAME_PATTERN).test(name)) continue;
      await this.o.bots.createBot(name, resolve(join(this.o.botsDir, file)), this.clock.now());
    }
    for (const bot of await this.o.bots.listBots()) if (!bot.paused) this.launch(bot);
    this.o.sandbox.posts.on('post', this.wake);
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

  private launch(bot: BotInfo): BotProcess {
    if (!existsSync(bot.module)) {
      void this.o.bots.recordBotEvent(bot.name, { type: 'error', at: this.clock.now(), message: `its module ${bot.module} is missing` });
      this.o.log.warn({ bot: bot.name, module: bot.module }, 'bot module missing; the bot is not started');
    }
    const p = new BotProcess({
      name: bot.name,
      module: bot.module,
      store: this.o.bots,
      clock: this.clock,
      hangMs: this.o.hangMs,
      pollMs: this.o.pollMs,
      log: this.logger(bot.name),
      ran: (run) => this.noteRun(bot.name, run),
      makeHost: (meta) => new BotHost({ bots: this.o.bots, broker: this.o.broker, now: this.clock.now }, bot.name, this.clients(meta), this.logger(bot.name)),
    });
    this.running.set(bot.name, p);
    p.start();
    return p;
  }

  private clients(meta: BotMeta): Map<string, PlatformClient> {
    const clients = new Map<string, PlatformClient>();
    for (const platform of meta.platforms) {
      if (platform !== 'sandbox') throw new Error(`bot ${meta.name}: unknown platform '${platform}'; this hub has: sandbox`);
      clients.set(platform, new SandboxClient(this.o.sandbox, meta.account));
    }
    return clients;
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

  /** A bot's record with what only the running process knows: its schedule's next run, its recent runs. */
  private async view(bot: BotInfo): Promise<BotView> {
    const p = this.running.get(bot.name);
    const details = p?.details ?? { schedule: null, timezone: null, account: null, nextRunAt: null };
    return { ...bot, running: p?.running ?? false, ...details, postsMade: await this.o.bots.countPosts(bot.name), recentRuns: this.runs.get(bot.name) ?? [] };
  }

  async get(name: string): Promise<BotView> {
    const bot = await this.o.bots.getBot(name);
    if (!bot) throw new NotFoundError(`no bot named '${name}'; \`roost bot list\` shows them`);
    return this.view(bot);
  }

  async list(): Promise<BotView[]> {
    return Promise.all((await this.o.bots.listBots()).map((b) => this.view(b)));
  }

  async create(name: string, from: string): Promise<BotView> {
    if (!new RegExp(BOT_NAME_PATTERN).test(name)) throw new InputError('name', `a bot name is 1 to 64 lower-case letters, digits, '_' or '-', got '${name}'`);
    if (await this.o.bots.getBot(name)) throw new ConflictError('exists', `a bot named '${name}' exists; pick another name or destroy it first`);
    const source = findModule(from);
    const target = resolve(join(this.o.botsDir, `${name}${extname(source) || '.js'}`));
    if (source !== target) copyFileSync(source, target);
    await this.o.bots.createBot(name, target, this.clock.now());
    this.launch((await this.o.bots.getBot(name))!);
    return this.get(name);
  }

  async pause(name: string): Promise<BotView> {
    await this.get(name);
    await this.o.bots.setPaused(name, true);
    await this.running.get(name)?.stop();
    this.running.delete(name);
    return this.get(name);
  }

  async resume(name: string): Promise<BotView> {
    const bot = await this.get(name);
    await this.o.bots.setPaused(name, false);
    if (!this.running.has(name)) await this.launch(bot).ready;
    return this.get(name);
  }

  /** Stops the bot and deletes it with its state, owned feeds, ledger, log and module file. */
  async destroy(name: string): Promise<void> {
    const bot = await this.get(name);
    await this.running.get(name)?.stop();
    this.running.delete(name);
    await this.o.bots.deleteBot(name);
    this.runs.delete(name);
    if (resolve(bot.module).startsWith(resolve(this.o.botsDir))) rmSync(bot.module, { force: true });
  }

  /** Runs the bot's onSchedule now (after anything it is running), whether or not it has a schedule. */
  async runOnce(name: string): Promise<void> {
    await this.get(name);
    const p = this.running.get(name);
    if (!p) throw new ConflictError('paused', `bot '${name}' is paused; resume it first`);
    await p.ready;
    await p.invoke('onSchedule', null, null);
  }

  async close(): Promise<void> {
    this.o.sandbox.posts.off('post', this.wake);
    await Promise.all([...this.running.values()].map((p) => p.stop()));
    this.running.clear();
  }
}
