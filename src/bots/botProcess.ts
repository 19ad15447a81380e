import { Worker } from 'node:worker_threads';
import { retryDelay } from '../util/backoff.js';
import type { PlatformEvent } from '../platforms/connector.js';
import { stopsTheBot } from '../platforms/errors.js';
import type { BotStore } from '../store/botStore.js';
import type { BotLogLevel, BotRun } from '../types.js';
import type { BotHost } from './botHost.js';
import type { Clock } from './clock.js';
import type { HandlerName } from './defineBot.js';
import { EventPoller, handlesEvents } from './eventPoller.js';
import { reconcileLedger } from './ledger.js';
import type { BotMeta, FromBot, ToBot } from './messages.js';
import { Schedule } from './schedule.js';

const RUNNER = new URL('./runner.js', import.meta.url);
const RESTART_BACKOFF = { type: 'exponential', delayMs: 250, maxDelayMs: 30_000, jitter: true } as const;
/** Loading a module (and its imports) may take a while on a busy machine; a thread is not called hung for it. */
const LOAD_GRACE_MS = 10_000;

export interface BotProcessOptions {
  name: string;
  module: string;
  store: BotStore;
  clock: Clock;
  /** A thread that sends no heartbeat for this long is terminated and restarted. */
  hangMs: number;
  pollMs: number;
  /** Makes the hub side of the context, with the connectors of the bot's accounts. */
  makeHost(meta: BotMeta): Promise<BotHost>;
  /** The bot met something only a person can fix (bad credentials, a refused post): it stops, and is paused. */
  halt(reason: string): void;
  log: (level: BotLogLevel, msg: string, data?: unknown) => void;
  /** Called when `running` changes: the thread has loaded the module, or it is gone. */
  onRunning?(running: boolean): void;
  /** A handler run ended, well or not. */
  ran: (run: BotRun) => void;
}

/**
 * One bot: its worker thread, restarted with backoff when it crashes, hangs or a handler fails;
 * its schedule; and its platform polls, whose cursors move only once an event is handled.
 */
export class BotProcess {
  private worker: Worker | null = null;
  private meta: BotMeta | null = null;
  private host: BotHost | null = null;
  private schedule: Schedule | null = null;
  private calls = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private lastBeat = 0;
  private watchdog: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private restartCancel: (() => void) | null = null;
  private failures = 0;
  /** Handlers run one at a time, so runs never overlap and cursors move in order. */
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private starts = 0;
  /** Resolves when the thread is ready (its module loaded), or torn down before that. */
  ready: Promise<void> = Promise.resolve();
  private settleReady: (() => void) | null = null;
  private readonly poller: EventPoller;

  constructor(private readonly options: BotProcessOptions) {
    this.poller = new EventPoller({
      bot: options.name,
      store: options.store,
      meta: () => this.meta,
      connector: (account) => this.host!.connectors.get(account)!,
      handle: (handler, event) => this.invoke(handler, event, null),
      stopped: () => this.stopped,
      halt: (reason) => this.halt(reason),
      log: (level, msg) => this.options.log(level, msg),
    });
  }

  get running(): boolean {
    return this.worker !== null && this.meta !== null;
  }

  /** What the module declared (schedule, account, handlers) and when its schedule runs it next. */
  get details(): {
    schedule: string | null;
    timezone: string | null;
    account: string | null;
    reads: string[] | null;
    nextRunAt: number | null;
  } {
    return {
      schedule: this.meta?.schedule ?? null,
      timezone: this.meta?.timezone ?? null,
      account: this.meta?.account ?? null,
      reads: this.meta?.reads ?? null,
      nextRunAt: this.schedule?.nextAt ?? null,
    };
  }

  start(): void {
    this.stopped = false;
    const { name, module, store, clock, hangMs } = this.options;
    const restart = this.starts++ > 0;
    void store.recordBotEvent(name, { type: 'start', restart });
    const beatMs = Math.max(10, Math.floor(hangMs / 4));
    const worker = new Worker(RUNNER, { workerData: { bot: name, module, beatMs } });
    this.worker = worker;
    this.lastBeat = clock.now();
    this.ready = new Promise<void>((resolve) => {
      this.settleReady = resolve;
      worker.on('message', (m: FromBot) => {
        if (m.type === 'ready') {
          this.onReady(m.meta).then(resolve, (e: Error) =>
            stopsTheBot(e) ? this.halt(e.message) : this.crash(e.message),
          );
        } else this.onMessage(m);
      });
    });
    worker.on('error', (e) => this.crash(`crashed: ${e.message}`));
    worker.on('exit', (code) => {
      if (this.worker === worker && !this.stopped) this.crash(`its thread exited with code ${code}`);
    });
    this.watchdog = setInterval(() => {
      const silent = clock.now() - this.lastBeat;
      if (silent > hangMs + (this.meta ? 0 : LOAD_GRACE_MS))
        this.crash(`did not answer for ${silent} ms (a busy loop?); terminated`);
    }, beatMs);
    this.watchdog.unref();
  }

  private async onReady(meta: BotMeta): Promise<void> {
    const { name, store, clock, log } = this.options;
    this.meta = meta;
    this.options.onRunning?.(true);
    this.host = await this.options.makeHost(meta);
    const confirmed = await reconcileLedger(store, name, this.host.connectors.values(), clock.now);
    if (confirmed > 0)
      log('info', `ledger: ${confirmed} post(s) sent before a crash were found on the platform and confirmed`);
    if (meta.handlers.includes('onStart')) void this.invoke('onStart', null, null).catch(() => undefined);
    if (meta.schedule) {
      const bot = await store.getBot(name);
      this.schedule = new Schedule({
        cron: meta.schedule,
        timezone: meta.timezone,
        missed: meta.missed,
        clock,
        lastScheduledAt: bot?.lastScheduledAt ?? null,
        run: (at) => this.invoke('onSchedule', null, at).catch(() => undefined),
        skipped: (at) =>
          log('warn', `skipped the run of ${new Date(at).toISOString()}: the previous run was still going`),
      });
      this.schedule.start();
    }
    if (handlesEvents(meta.handlers)) {
      this.pollTimer = setInterval(() => this.poll(), this.options.pollMs);
      this.pollTimer.unref();
      this.poll();
    }
  }

  private onMessage(m: FromBot): void {
    this.lastBeat = this.options.clock.now();
    if (m.type === 'invoked') {
      const c = this.calls.get(m.id);
      this.calls.delete(m.id);
      if (m.ok) c?.resolve();
      else c?.reject(new Error(m.error));
    } else if (m.type === 'call') {
      const reply = (r: Omit<Extract<ToBot, { type: 'reply' }>, 'type' | 'id'>) =>
        this.worker?.postMessage({ type: 'reply', id: m.id, ...r } satisfies ToBot);
      this.host!.call(m.call, (jobId, result) =>
        this.worker?.postMessage({ type: 'jobResult', id: m.id, jobId, result } satisfies ToBot),
      ).then(
        (value) => reply({ ok: true, value }),
        (e: Error) => {
          // Before the thread hears of it, so its handler's failure restarts nothing.
          if (stopsTheBot(e)) this.halt(e.message);
          reply({ ok: false, error: e.message });
        },
      );
    }
  }

  /** Queues a handler run; rejects when the handler fails (the bot is then restarted). */
  invoke(handler: HandlerName, event: PlatformEvent | null, scheduledAt: number | null): Promise<void> {
    const { name, store, clock, ran } = this.options;
    const run = this.queue.then(async () => {
      await this.ready;
      const worker = this.worker;
      if (!worker || this.stopped) throw new Error(`bot ${name} is not running`);
      const id = this.nextId++;
      const done = new Promise<void>((resolve, reject) => this.calls.set(id, { resolve, reject }));
      worker.postMessage({ type: 'invoke', id, handler, event, scheduledAt } satisfies ToBot);
      const startedAt = clock.now();
      try {
        await done;
        ran({ handler, startedAt, durationMs: clock.now() - startedAt, error: null });
      } catch (e) {
        ran({ handler, startedAt, durationMs: clock.now() - startedAt, error: (e as Error).message });
        // Torn down already (a hang, a crash, a pause): that cause is what was recorded.
        if (this.worker !== worker) throw e;
        // crash() records the error: once, so a failed run counts one error.
        this.crash(`${handler} failed: ${(e as Error).message}`);
        throw e;
      }
      this.failures = 0;
      await store.recordBotEvent(name, {
        type: 'run',
        at: clock.now(),
        scheduledAt: handler === 'onSchedule' ? scheduledAt : null,
      });
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Reads each platform from its stored cursor; a cursor moves past an event once it is handled. */
  poll(): void {
    this.poller.poll();
  }

  /** Stops for good (until resumed): said once, never restarted, so there is no crash loop. */
  private halt(reason: string): void {
    if (this.stopped) return;
    this.options.log(
      'error',
      `bot stopped and paused: ${reason}; fix it, then \`roost bot resume ${this.options.name}\``,
    );
    this.recordError(reason);
    this.stopped = true;
    this.restartCancel?.();
    this.teardown();
    this.options.halt(reason);
  }

  /** Terminates the thread and starts it again after a backoff. */
  private crash(reason: string): void {
    if (this.stopped || !this.worker) return;
    this.options.log('error', `bot ${reason}; restarting`);
    this.recordError(reason);
    this.teardown();
    const delay = retryDelay(RESTART_BACKOFF, ++this.failures);
    this.restartCancel = this.options.clock.setTimer(() => {
      this.restartCancel = null;
      if (!this.stopped) this.start();
    }, delay);
  }

  private recordError(reason: string): void {
    const { name, store, clock } = this.options;
    void store.recordBotEvent(name, { type: 'error', at: clock.now(), message: reason });
  }

  private teardown(): void {
    this.schedule?.stop();
    this.schedule = null;
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.watchdog = this.pollTimer = null;
    const worker = this.worker;
    const wasRunning = this.running;
    this.worker = null;
    this.meta = null;
    if (wasRunning) this.options.onRunning?.(false);
    for (const c of this.calls.values()) c.reject(new Error('the bot was stopped'));
    this.calls.clear();
    this.settleReady?.();
    void worker?.terminate();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.restartCancel?.();
    const worker = this.worker;
    this.teardown();
    await worker?.terminate();
  }
}
