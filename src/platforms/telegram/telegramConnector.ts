/**
 * Telegram, as a bot, over the Bot API (core.telegram.org/bots/api). Plain HTTP rather than
 * `grammy`: the Bot API is JSON over HTTP with one envelope ({ok, result} or {ok:false,
 * error_code, description, parameters}), and every call must go through the proxy, which paces,
 * retries on 429 and records each call; grammy sends with its own client and hands back no
 * response headers or 429 bodies, so it would hide exactly what the proxy reads.
 *
 * Events come from a short long-poll of `getUpdates`; the cursor is the last update_id handled,
 * and `offset` = cursor + 1 both asks for what follows and confirms the rest to Telegram, which
 * keeps an unconfirmed update (24 h), so a restart neither misses nor repeats one. A post's id is
 * `CHAT:MESSAGE` (Telegram's message ids are per chat): a reply goes to the chat of the message it
 * answers; a post without replyTo goes to the account's `chat` credential (a channel or group).
 *
 * Pacing: Telegram allows about 1 message a second per chat, 20 a minute per group and ~30 a
 * second per bot; the account budget below is the proxy's (configurable as
 * `platformBudgets["telegram:ACCOUNT"]`), and the per-chat spacing, which the proxy's budgets (per
 * platform and account) cannot key, is kept here.
 * A 429's `parameters.retry_after` is the proxy's signal (`signal` below): it waits, then sends.
 *
 * At most once: the Bot API cannot list what a bot has sent, so nothing can be searched after a
 * crash; see ../unsearchable.ts for what that means (at most the one message in flight at a crash
 * is lost; none is sent twice).
 */
import type {
  Capabilities,
  Connector,
  EventType,
  Identity,
  PlatformEvent,
  PlatformPost,
  PollResult,
  PostDraft,
  SendIntent,
} from '../connector.js';
import { readImage, renderText } from '../draft.js';
import { AuthError, PlatformRefusal } from '../errors.js';
import type { ConnectorDeps, PlatformDefinition } from '../platform.js';
import { sendFailedHere, unsearchableFindSent } from '../unsearchable.js';
import { telegramSignal, type Message, type Update, type User } from './telegramApi.js';

/** Seconds a getUpdates waits for an update when there is none: short, since a bot reading several accounts polls them in turn. */
const LONG_POLL_S = 1;
/** Telegram's limits for one chat: about a message a second; 20 a minute in a group or channel. */
export const PER_CHAT_MS = 1000;
export const PER_GROUP_MS = 3000;
const MAX_CAPTION = 1024;

/** The earliest time each chat may take the next message (ACCOUNT\0CHAT), shared by the account's connectors. */
const chatSlots = new Map<string, number>();

export class TelegramConnector implements Connector {
  readonly platform = 'telegram';
  readonly capabilities: Capabilities = {
    events: ['message', 'mention', 'reply', 'post'],
    post: true,
    reply: true,
    ask: false,
    like: false,
    boost: false,
    maxText: 4096,
    maxImages: 1,
    maxImageBytes: 10 * 1024 * 1024,
    fields: ['mentions', 'tags', 'images'],
    visibilities: [],
  };
  private me: User | null = null;

  constructor(
    readonly account: string,
    private readonly apiRoot: string,
    private readonly token: string,
    private readonly chat: string | null,
    private readonly deps: ConnectorDeps,
  ) {}

  private async api<T>(method: string, params: Record<string, unknown> | FormData = {}): Promise<T> {
    const form = params instanceof FormData;
    const res = await this.deps.channel.fetch({
      method: 'POST',
      url: `${this.apiRoot.replace(/\/$/, '')}/bot${this.token}/${method}`,
      headers: form ? {} : { 'content-type': 'application/json' },
      body: form ? params : JSON.stringify(params),
      label: method,
    });
    let body: { ok?: boolean; result?: T; error_code?: number; description?: string };
    try {
      body = res.json();
    } catch {
      throw new Error(
        `${this.apiRoot} answered ${method} with HTTP ${res.status}, not JSON: ${res.text.slice(0, 200)}`,
      );
    }
    if (body.ok) return body.result as T;
    const why = body.description ?? `HTTP ${res.status}`;
    // A wrong token is 401; a malformed one 404 (no such bot).
    if (res.status === 401 || res.status === 404)
      throw new AuthError(this.account, `Telegram refused the bot token (${why}); get one from @BotFather`);
    if (res.status === 400 || res.status === 403)
      throw new PlatformRefusal('post', `Telegram refused ${method}: ${why}`);
    throw new Error(`Telegram answered ${method} with ${res.status}: ${why}`);
  }

  private async self(): Promise<User> {
    return (this.me ??= await this.api<User>('getMe'));
  }

  async whoami(): Promise<Identity> {
    const me = await this.self();
    return {
      id: String(me.id),
      handle: `@${me.username}`,
      ...(me.first_name ? { displayName: me.first_name } : {}),
      url: `https://t.me/${me.username}`,
      can: [
        'sendMessage',
        'sendPhoto',
        me.can_read_all_group_messages
          ? 'read every group message'
          : 'read private chats, and in groups /commands, mentions and replies (privacy mode)',
      ],
    };
  }

  private eventType(m: Message, me: User, text: string): EventType {
    if (m.reply_to_message?.from?.id === me.id) return 'reply';
    if (m.chat.type === 'private') return 'message';
    const mentioned =
      (me.username && text.includes(`@${me.username}`)) ||
      (m.entities ?? []).some((e) => e.type === 'bot_command' && e.offset === 0);
    return mentioned ? 'mention' : 'post';
  }

  private toPost(m: Message): PlatformPost {
    const text = m.text ?? m.caption ?? '';
    const command = /^\/(\w+)(?:@\w+)?(?:\s+([\s\S]*))?$/.exec(text);
    const photo = m.photo?.length ? m.photo[m.photo.length - 1] : undefined;
    return {
      id: `${m.chat.id}:${m.message_id}`,
      author: m.from?.username ?? String(m.from?.id ?? m.chat.id),
      text,
      replyTo: m.reply_to_message ? `${m.chat.id}:${m.reply_to_message.message_id}` : null,
      createdAt: m.date * 1000,
      account: this.account,
      ...(m.chat.username ? { url: `https://t.me/${m.chat.username}/${m.message_id}` } : {}),
      extra: {
        chat: m.chat.id,
        chatType: m.chat.type,
        ...(command ? { command: command[1], args: command[2] ?? '' } : {}),
        // The largest size; getFile turns its file_id into bytes.
        ...(photo ? { photo: photo.file_id } : {}),
      },
    };
  }

  /**
   * The cursor is `tg:UPDATE_ID`. Null, or a cursor of another platform's (the bot's account moved
   * from the sandbox to Telegram): from the newest update on (offset -1 also confirms those before it).
   */
  async poll(cursor: string | null, limit: number): Promise<PollResult> {
    const me = await this.self();
    const last = /^tg:(\d+)$/.exec(cursor ?? '')?.[1];
    if (last === undefined) {
      const [newest] = await this.api<Update[]>('getUpdates', { offset: -1, limit: 1, timeout: 0 });
      return { events: [], cursor: `tg:${newest?.update_id ?? 0}` };
    }
    const updates = await this.api<Update[]>('getUpdates', {
      offset: Number(last) + 1,
      limit: Math.min(Math.max(limit, 1), 100),
      timeout: LONG_POLL_S,
      allowed_updates: ['message'],
    });
    const events: PlatformEvent[] = [];
    for (const u of updates.sort((a, b) => a.update_id - b.update_id)) {
      const m = u.message;
      if (!m || m.from?.id === me.id) continue;
      const post = this.toPost(m);
      events.push({
        type: this.eventType(m, me, post.text),
        platform: this.platform,
        account: this.account,
        post,
        actor: post.author,
        cursor: `tg:${u.update_id}`,
      });
    }
    return { events, cursor: updates.length ? `tg:${updates.at(-1)!.update_id}` : cursor };
  }

  /** Waits for the chat's next free second; concurrent sends queue in order. */
  private async paceChat(chat: string): Promise<void> {
    const key = `${this.account}\0${chat}`;
    const now = this.deps.now();
    if (chatSlots.size > 10_000) for (const [k, t] of chatSlots) if (t < now) chatSlots.delete(k);
    const at = Math.max(now, chatSlots.get(key) ?? 0);
    // Groups and channels have negative ids or @names.
    chatSlots.set(key, at + (/^[-@]/.test(chat) ? PER_GROUP_MS : PER_CHAT_MS));
    if (at > now) await new Promise((r) => setTimeout(r, at - now).unref());
  }

  private target(d: PostDraft): { chat: string; replyTo: number | null } {
    if (d.replyTo != null) {
      const m = /^(-?\d+|@\w+):(\d+)$/.exec(d.replyTo);
      if (!m) throw new PlatformRefusal('replyTo', `a Telegram post id is CHAT:MESSAGE, got '${d.replyTo}'`);
      return { chat: m[1]!, replyTo: Number(m[2]) };
    }
    if (!this.chat)
      throw new PlatformRefusal(
        'replyTo',
        'a Telegram bot posts into a chat: reply to a message, or give the account a chat ("chat": "@channel" or an id in its credentials file)',
      );
    return { chat: this.chat, replyTo: null };
  }

  async send(d: PostDraft, intent: SendIntent): Promise<PlatformPost> {
    const { chat, replyTo } = this.target(d);
    const text = renderText(d);
    const img = d.images?.[0];
    if (img && [...text].length > MAX_CAPTION)
      throw new PlatformRefusal('text', `a Telegram photo's caption takes at most ${MAX_CAPTION} characters`);
    const photo = img ? await readImage('Telegram', img, this.capabilities.maxImageBytes, 'image/png') : null;
    // reply_parameters since Bot API 7.0; reply_to_message_id for servers from before it (telegram-test-api).
    const reply = replyTo === null ? {} : { reply_parameters: { message_id: replyTo }, reply_to_message_id: replyTo };
    await this.paceChat(chat);
    try {
      let m: Message;
      if (photo) {
        const form = new FormData();
        form.append('chat_id', chat);
        if (text) form.append('caption', text);
        if (replyTo !== null) {
          form.append('reply_parameters', JSON.stringify({ message_id: replyTo }));
          form.append('reply_to_message_id', String(replyTo));
        }
        form.append('photo', new Blob([photo.bytes], { type: photo.mime }), photo.name);
        m = await this.api<Message>('sendPhoto', form);
      } else {
        m = await this.api<Message>('sendMessage', { chat_id: chat, text, ...reply });
      }
      // Some servers (telegram-test-api) leave the reply out of the answer; the post is what was sent.
      return { ...this.toPost(m), text: m.text ?? m.caption ?? text, replyTo: d.replyTo ?? null };
    } catch (e) {
      sendFailedHere(this.platform, this.account, intent.key);
      throw e;
    }
  }

  /** See the header: nothing to search on Telegram. */
  findSent(intent: SendIntent): Promise<PlatformPost | null> {
    return Promise.resolve(unsearchableFindSent(this.platform, this.account, intent));
  }
}

export const telegramPlatform: PlatformDefinition = {
  name: 'telegram',
  summary:
    'a Telegram bot: --instance https://api.telegram.org (or a local Bot API server), credentials { token, chat? }',
  instance: 'required',
  credentials: ['token'],
  optionalCredentials: ['chat'],
  budgets: { account: { count: 30, intervalMs: 1000 } },
  signal: (res) => telegramSignal(res),
  connect: (a, deps) =>
    new TelegramConnector(a.name, a.instance!, a.credentials.token!, a.credentials.chat ?? null, deps),
};
