/**
 * The bot's live connection to Discord's gateway (@discordjs/ws: HELLO, IDENTIFY, heartbeats,
 * resume and reconnect). What it hears is kept in memory until read: messages (MESSAGE_CREATE,
 * also readable from channel history later) and interactions (INTERACTION_CREATE, which exist only
 * here). Each dispatch wakes the bots reading the account.
 *
 * An interaction must be answered within 3 seconds (Discord's "Interactions: Receiving and
 * Responding"); a bot may take longer, so one still unanswered after DEFER_AFTER_MS is deferred
 * (callback type 5, "thinking…") and the answer later edits that response; its token lasts 15
 * minutes.
 */
import { WebSocketManager, WebSocketShardEvents } from '@discordjs/ws';
import {
  GatewayDispatchEvents,
  GatewayIntentBits,
  InteractionResponseType,
  Routes,
  type APIInteraction,
} from 'discord-api-types/v10';
import { AuthError } from '../errors.js';
import type { Message } from './discordMessages.js';
import type { DiscordRest } from './discordRest.js';

/** Within Discord's 3 s, leaving time for the deferral's own round trip. */
export const DEFER_AFTER_MS = 2000;
/** Dispatches kept for bots that have not read them yet; older ones are dropped first. */
const BUFFER_MAX = 1000;
/** Interactions forgotten after Discord's 15 minutes, when their token no longer answers. */
const INTERACTION_TTL_MS = 15 * 60_000;

export const INTENTS =
  GatewayIntentBits.Guilds |
  GatewayIntentBits.GuildMessages |
  GatewayIntentBits.DirectMessages |
  GatewayIntentBits.MessageContent;

export type Heard =
  { kind: 'message'; id: string; message: Message } | { kind: 'interaction'; id: string; interaction: APIInteraction };

export interface Pending {
  token: string;
  at: number;
  /** Set once the answer is under way (the deferral then does nothing). */
  answering: boolean;
  /** The deferral, once sent. */
  deferred: Promise<unknown> | null;
  timer: NodeJS.Timeout;
}

export class DiscordGateway {
  private readonly manager: WebSocketManager;
  private readonly heard: Heard[] = [];
  private readonly pending = new Map<string, Pending>();
  private started: Promise<void> | null = null;
  private refused: AuthError | null = null;

  constructor(
    account: string,
    token: string,
    private readonly rest: DiscordRest,
    private readonly now: () => number,
    private readonly wake: () => void,
  ) {
    this.manager = new WebSocketManager({ token, intents: INTENTS, rest: rest.library, shardCount: 1 });
    this.manager.on(WebSocketShardEvents.Dispatch, (p) => {
      if (p.t === GatewayDispatchEvents.MessageCreate) this.keep({ kind: 'message', id: p.d.id, message: p.d });
      else if (p.t === GatewayDispatchEvents.InteractionCreate) {
        this.track(p.d);
        this.keep({ kind: 'interaction', id: p.d.id, interaction: p.d });
      }
    });
    // Errors after which @discordjs/ws does not reconnect: what a person must fix, said as such.
    this.manager.on(WebSocketShardEvents.Error, (e) => {
      if (/authentication failed/i.test(e.message))
        this.refused = new AuthError(account, "Discord's gateway refused the bot token");
      else if (/disallowed intents/i.test(e.message))
        this.refused = new AuthError(
          account,
          'Discord refused the Message Content intent: turn on "Message Content Intent" on the Bot page of the application in the Developer Portal',
        );
    });
  }

  /** Connects once; later calls wait for that. A refusal comes as what a person must fix. */
  start(): Promise<void> {
    return (this.started ??= this.manager.connect().catch((e: unknown) => {
      this.started = null;
      throw this.refusal() ?? e;
    }));
  }

  /**
   * A refusal heard since the last call (a token reset, an intent turned off), said once: the next
   * start connects again, since by then a person may have fixed it and resumed the bot.
   */
  refusal(): AuthError | null {
    const r = this.refused;
    this.refused = null;
    if (r) this.started = null;
    return r;
  }

  private keep(h: Heard): void {
    this.heard.push(h);
    if (this.heard.length > BUFFER_MAX) this.heard.shift();
    this.wake();
  }

  /** What was heard after this snowflake, oldest first. */
  after(cursor: bigint): Heard[] {
    return this.heard.filter((h) => BigInt(h.id) > cursor);
  }

  /** The channels messages were heard in (where findSent looks besides the configured ones). */
  channels(): string[] {
    return [
      ...new Set(this.heard.map((h) => (h.kind === 'message' ? h.message.channel_id : h.interaction.channel?.id))),
    ].filter((c): c is string => !!c);
  }

  private track(i: APIInteraction): void {
    for (const [id, p] of this.pending) if (this.now() - p.at > INTERACTION_TTL_MS) this.pending.delete(id);
    const p: Pending = {
      token: i.token,
      at: this.now(),
      answering: false,
      deferred: null,
      timer: setTimeout(() => {
        if (p.answering) return;
        p.deferred = this.rest
          .post(Routes.interactionCallback(i.id, i.token), {
            body: { type: InteractionResponseType.DeferredChannelMessageWithSource },
            auth: false,
          })
          .catch(() => undefined); // the answer then tries type 4 itself, and says what failed
      }, DEFER_AFTER_MS),
    };
    p.timer.unref();
    this.pending.set(i.id, p);
  }

  /** The interaction of this id, still answerable (null after 15 minutes or a restart). */
  interaction(id: string): Pending | null {
    const p = this.pending.get(id);
    return p && this.now() - p.at < INTERACTION_TTL_MS ? p : null;
  }

  async close(): Promise<void> {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    if (this.started) await this.manager.destroy();
  }
}
