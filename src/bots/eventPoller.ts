import type { Connector, EventType, PlatformEvent } from '../platforms/connector.js';
import { stopsTheBot } from '../platforms/errors.js';
import type { BotStore } from '../store/botStore.js';
import type { BotLogLevel } from '../types.js';
import type { HandlerName } from './defineBot.js';
import type { BotMeta } from './messages.js';

/** An event whose handler failed this many times in a row is skipped, so one bad post cannot stop a bot. */
const MAX_EVENT_FAILURES = 3;
const POLL_LIMIT = 100;

const EVENT_HANDLERS: Record<EventType, HandlerName> = {
  ask: 'onAsk',
  mention: 'onMention',
  reply: 'onReply',
  post: 'onPost',
  message: 'onMessage',
  like: 'onLike',
  boost: 'onBoost',
};

/** Cursors were kept per platform before accounts: a sandbox account reads on from the old one. */
const LEGACY_CURSOR: Record<string, string> = { sandbox: 'sandbox' };

/**
 * A cursor means something only to the platform that gave it: kept per platform and account, an
 * account moved to another platform (the sandbox's `echoer` added on Bluesky) starts afresh there.
 */
const cursorKey = (platform: string, account: string) => `${platform}:${account}`;

/** Whether a bot with these handlers reacts to platform events, so it needs polling. */
export function handlesEvents(handlers: HandlerName[]): boolean {
  return handlers.some((h) => Object.values(EVENT_HANDLERS).includes(h));
}

export interface EventPollerOptions {
  bot: string;
  store: BotStore;
  /** What the bot's thread declared; null while it is not loaded. */
  meta(): BotMeta | null;
  /** The connector of one of the accounts the bot reads. */
  connector(account: string): Connector;
  /** Runs the handler; rejects when it failed (the bot is then restarted). */
  handle(handler: HandlerName, event: PlatformEvent): Promise<void>;
  /** Whether the bot was stopped (a poll asked for meanwhile is then dropped). */
  stopped(): boolean;
  halt(reason: string): void;
  log(level: BotLogLevel, msg: string): void;
}

/**
 * A bot's platform polls: reads each account it reads from its stored cursor, which moves past an
 * event only once the event is handled. Lives as long as the bot, across restarts of its thread,
 * so an event that keeps failing is skipped at last.
 */
export class EventPoller {
  private polling = false;
  private pollAgain = false;
  private readonly eventFailures = new Map<string, number>();

  constructor(private readonly options: EventPollerOptions) {}

  poll(): void {
    if (this.polling || !this.options.meta()) {
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    this.pollOnce()
      .catch((e: Error) => {
        if (stopsTheBot(e)) this.options.halt(e.message);
        else this.options.log('warn', `polling failed: ${e.message}`);
      })
      .finally(() => {
        this.polling = false;
        if (this.pollAgain && !this.options.stopped()) {
          this.pollAgain = false;
          this.poll();
        }
      });
  }

  private async pollOnce(): Promise<void> {
    const { bot, store } = this.options;
    const meta = this.options.meta()!;
    for (const account of meta.reads) {
      const connector = this.options.connector(account);
      const key = cursorKey(connector.platform, account);
      const legacy = LEGACY_CURSOR[connector.platform];
      const cursor = (await store.getCursor(bot, key)) ?? (legacy ? await store.getCursor(bot, legacy) : null);
      const page = await connector.poll(cursor, POLL_LIMIT);
      for (const event of page.events) {
        const handler = EVENT_HANDLERS[event.type];
        if (meta.handlers.includes(handler) && !(await this.handle(handler, event))) return;
        await store.setCursor(bot, key, event.cursor);
      }
      if (page.cursor !== null && page.cursor !== cursor) await store.setCursor(bot, key, page.cursor);
      if (page.events.length === POLL_LIMIT) this.pollAgain = true;
    }
  }

  /** False when the event should be tried again after the restart. */
  private async handle(handler: HandlerName, event: PlatformEvent): Promise<boolean> {
    try {
      await this.options.handle(handler, event);
      this.eventFailures.delete(event.cursor);
      return true;
    } catch {
      const n = (this.eventFailures.get(event.cursor) ?? 0) + 1;
      this.eventFailures.set(event.cursor, n);
      if (n < MAX_EVENT_FAILURES) return false;
      this.options.log('error', `gave up on ${event.type} ${event.post.id} after ${n} failed attempts; it is skipped`);
      return true;
    }
  }
}
