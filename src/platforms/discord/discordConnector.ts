/**
 * Discord, as a bot application (discord.com/developers/docs): the gateway (@discordjs/ws) for what
 * happens live, the HTTP API (@discordjs/rest, every request through the proxy) for history,
 * commands and sending; docs/platforms.md has the whole story.
 *
 * Events: `mention`, `reply` (to the bot's message), `message` (direct), `post` (any other), and
 * `/ask question` (registered on the first poll) as an `ask`. The cursor is the newest snowflake
 * handled, `dc:ID`: a poll merges what the gateway heard with the history of the account's
 * `channels`, so messages there are not missed across a restart (interactions and messages
 * elsewhere exist only on the gateway). At most once: a nonce from the ledger key with
 * enforce_nonce, findSent over the channels' recent history, and an interaction answered twice
 * (40060) edited instead of posted again.
 */
// Types only: the libraries load on the account's first call (./discordRest.ts, ./discordGateway.ts),
// so a hub or CLI with no Discord account does not pay for them (about 0.3 s).
import type { APIMessage, APIUser, RESTPostAPIInteractionCallbackWithResponseResult } from 'discord-api-types/v10';
import {
  contentHash,
  type Capabilities,
  type Connector,
  type Identity,
  type PlatformEvent,
  type PlatformPost,
  type PollResult,
  type PostDraft,
  type SendIntent,
} from '../connector.js';
import { PlatformRefusal } from '../errors.js';
import type { AccountSpec, ConnectorDeps, PlatformDefinition } from '../platform.js';
import type { DiscordGateway, Heard, Pending } from './discordGateway.js';
import {
  ALREADY_ACKNOWLEDGED,
  ASK_COMMAND,
  snowflakeAt,
  type MessageBody,
  draftBody,
  interactionPost,
  MAX_IMAGE_BYTES,
  MAX_IMAGES,
  MAX_TEXT,
  messagePost,
  messageType,
} from './discordMessages.js';
import type { DiscordRest } from './discordRest.js';
import { discordSignal } from './discordSignal.js';

const CLOCK_SKEW_MS = 60_000;
/** Messages per page of a channel's history (Discord's most). */
const RECENT = 100;
/** Discord's nonces are at most 25 characters. */
const NONCE_LENGTH = 25;
/** The interaction callback that answers with a message (InteractionResponseType.ChannelMessageWithSource). */
const CHANNEL_MESSAGE_WITH_SOURCE = 4;

export class DiscordConnector implements Connector {
  readonly platform = 'discord';
  readonly capabilities: Capabilities = {
    events: ['mention', 'reply', 'message', 'post', 'ask'],
    post: true,
    reply: true,
    ask: false,
    like: false,
    boost: false,
    maxText: MAX_TEXT,
    maxImages: MAX_IMAGES,
    maxImageBytes: MAX_IMAGE_BYTES,
    fields: ['images', 'contentWarning', 'sensitive'],
    visibilities: [],
  };
  private libs: Promise<{ rest: DiscordRest; gateway: DiscordGateway }> | null = null;
  private me: APIUser | null = null;
  private commands: Promise<unknown> | null = null;

  constructor(
    readonly account: string,
    private readonly api: string,
    private readonly c: { token: string; applicationId: string; channels: string[] },
    private readonly deps: ConnectorDeps,
  ) {}

  private loaded(): Promise<{ rest: DiscordRest; gateway: DiscordGateway }> {
    return (this.libs ??= (async () => {
      const [{ DiscordRest }, { DiscordGateway }] = await Promise.all([
        import('./discordRest.js'),
        import('./discordGateway.js'),
      ]);
      const { account, c, deps } = this;
      const rest = new DiscordRest(account, this.api, c.token, deps.channel);
      return { rest, gateway: new DiscordGateway(account, c.token, rest, deps.now, deps.wake) };
    })());
  }

  private async rest(): Promise<DiscordRest> {
    return (await this.loaded()).rest;
  }

  private async gateway(): Promise<DiscordGateway> {
    return (await this.loaded()).gateway;
  }

  private async self(): Promise<APIUser> {
    return (this.me ??= await (await this.rest()).get<APIUser>('/users/@me'));
  }

  async whoami(): Promise<Identity> {
    this.me = null;
    const me = await this.self();
    return {
      id: me.id,
      handle: me.username,
      ...(me.global_name ? { displayName: me.global_name } : {}),
      can: [
        this.c.channels.length
          ? `read and post in channels ${this.c.channels.join(', ')}`
          : 'no channels (replies only)',
        'mentions, replies and direct messages over the gateway (MESSAGE_CONTENT intent for other messages)',
        'the slash command /ask',
        'embeds and image attachments',
      ],
    };
  }

  /** Once per connector: the gateway up, /ask created by name (a bulk PUT deletes the app's other commands). */
  private async started(): Promise<void> {
    await this.self();
    const rest = await this.rest();
    this.commands ??= rest
      .post(`/applications/${this.c.applicationId}/commands`, { body: ASK_COMMAND })
      .catch((e: unknown) => {
        this.commands = null;
        throw e;
      });
    await this.commands;
    const gateway = await this.gateway();
    await gateway.start();
    const refused = gateway.refusal();
    if (refused) throw refused;
  }

  private event(h: Heard, me: string): PlatformEvent | null {
    if (h.kind === 'message') {
      if (h.message.author.id === me) return null;
      const post = messagePost(h.message, this.account);
      // History has no guild_id: the configured channels are a server's (a bot posts in them).
      const dm = !h.message.guild_id && !this.c.channels.includes(h.message.channel_id);
      const type = messageType(h.message, me, dm);
      return { type, platform: this.platform, account: this.account, post, actor: post.author, cursor: `dc:${h.id}` };
    }
    const post = interactionPost(h.interaction, this.account);
    if (!post) return null;
    return {
      // `/ask` is an ask, as a Tumblr ask or a sandbox ask: a bot's onAsk answers it on any platform.
      type: post.extra?.command === 'ask' ? 'ask' : 'mention',
      platform: this.platform,
      account: this.account,
      post,
      actor: post.author,
      cursor: `dc:${h.id}`,
    };
  }

  /** Messages of a channel after a snowflake, newest first. */
  private async history(channel: string, after: bigint, limit: number): Promise<APIMessage[]> {
    const query = new URLSearchParams({ after: String(after), limit: String(limit) });
    return (await this.rest()).get<APIMessage[]>(`/channels/${channel}/messages`, { query });
  }

  /** Null cursor, or another platform's: from now on. */
  async poll(cursor: string | null, limit: number): Promise<PollResult> {
    await this.started();
    const last = /^dc:(\d+)$/.exec(cursor ?? '')?.[1];
    if (last === undefined) return { events: [], cursor: `dc:${snowflakeAt(this.deps.now())}` };
    const after = BigInt(last);
    const heard = new Map<string, Heard>((await this.gateway()).after(after).map((h) => [h.id, h]));
    // A full page of history may have more after it: nothing newer than its newest is read this time.
    let ceiling: bigint | null = null;
    for (const channel of this.c.channels) {
      const list = await this.history(channel, after, RECENT);
      for (const m of list) if (!heard.has(m.id)) heard.set(m.id, { kind: 'message', id: m.id, message: m });
      const newest = list[0] && BigInt(list[0].id);
      if (list.length === RECENT && newest && (ceiling === null || newest < ceiling)) ceiling = newest;
    }
    const me = (await this.self()).id;
    const page = [...heard.values()]
      .filter((h) => ceiling === null || BigInt(h.id) <= ceiling)
      .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))
      .slice(0, Math.max(limit, 1));
    const events = page.map((h) => this.event(h, me)).filter((e): e is PlatformEvent => e !== null);
    // Past the page's last item even when it is no event (the bot's own message).
    return { events, cursor: page.length ? `dc:${page.at(-1)!.id}` : cursor };
  }

  async send(d: PostDraft, intent: SendIntent): Promise<PlatformPost> {
    const { body, files } = await draftBody(d);
    let channel = this.c.channels[0];
    if (d.replyTo != null) {
      const m = /^(interaction:)?(\d+):(\d+)$/.exec(d.replyTo);
      if (!m)
        throw new PlatformRefusal(
          'replyTo',
          `a Discord post id is CHANNEL:MESSAGE or interaction:CHANNEL:ID, got '${d.replyTo}'`,
        );
      channel = m[2]!;
      const pending = m[1] ? (await this.gateway()).interaction(m[3]!) : null;
      if (pending) return this.answer(m[3]!, pending, body, files);
      // A message is replied to; an interaction no longer answerable (15 minutes, a restart of the
      // hub) gets a message in its channel.
      if (!m[1]) body.message_reference = { message_id: m[3]!, fail_if_not_exists: false };
    }
    if (!channel)
      throw new PlatformRefusal(
        'replyTo',
        'a Discord bot without channels can only reply; give the account "channels" to post',
      );
    body.nonce = intent.idempotencyKey.slice(0, NONCE_LENGTH);
    body.enforce_nonce = true;
    const sent = await (await this.rest()).post<APIMessage>(`/channels/${channel}/messages`, { body, files });
    return messagePost(sent, this.account);
  }

  /** Answers an interaction: type 4 while it is not deferred, else (or when already answered) an edit of the response. */
  private async answer(
    id: string,
    p: Pending,
    body: MessageBody['body'],
    files: MessageBody['files'],
  ): Promise<PlatformPost> {
    const rest = await this.rest();
    const edit = async () =>
      rest.patch<APIMessage>(`/webhooks/${this.c.applicationId}/${p.token}/messages/@original`, {
        body,
        files,
        auth: false,
      });
    if (p.deferred || p.answering) {
      await p.deferred;
      return messagePost(await edit(), this.account);
    }
    p.answering = true;
    clearTimeout(p.timer);
    try {
      const res = await rest.post<RESTPostAPIInteractionCallbackWithResponseResult>(
        `/interactions/${id}/${p.token}/callback`,
        {
          body: { type: CHANNEL_MESSAGE_WITH_SOURCE, data: body },
          files,
          auth: false,
          query: new URLSearchParams({ with_response: 'true' }),
        },
      );
      return messagePost(res.resource!.message!, this.account);
    } catch (e) {
      // A DiscordAPIError (./discordRest.ts passes that one through), read without loading its class here.
      if ((e as { code?: unknown }).code === ALREADY_ACKNOWLEDGED) return messagePost(await edit(), this.account);
      throw e;
    }
  }

  async findSent(intent: SendIntent): Promise<PlatformPost | null> {
    const me = (await this.self()).id;
    const since = snowflakeAt(intent.createdAt - CLOCK_SKEW_MS);
    for (const channel of new Set([...this.c.channels, ...(await this.gateway()).channels()])) {
      for (const m of await this.history(channel, since, RECENT)) {
        if (m.author.id !== me) continue;
        const post = messagePost(m, this.account);
        if (contentHash(this.platform, post.replyTo, m.content) === intent.hash) return post;
      }
    }
    return null;
  }

  async close(): Promise<void> {
    if (this.libs) await (await this.libs).gateway.close();
  }
}

/** https://discord.com means the real API (discord.com/api); any other URL serves it at URL/api (a test server). */
function api(instance: string | null): string {
  return `${(instance ?? 'https://discord.com').replace(/\/$/, '')}/api`;
}

export const discordPlatform: PlatformDefinition = {
  name: 'discord',
  summary: 'a Discord bot: credentials { token, applicationId, channels? } (--instance only for a test server)',
  instance: 'optional',
  credentials: ['token', 'applicationId'],
  optionalCredentials: ['channels'],
  signal: (res, now) => discordSignal(res, now),
  connect: (a: AccountSpec, deps: ConnectorDeps) =>
    new DiscordConnector(
      a.name,
      api(a.instance),
      {
        token: a.credentials.token!,
        applicationId: a.credentials.applicationId!,
        channels: (a.credentials.channels ?? '').split(/[\s,]+/).filter(Boolean),
      },
      deps,
    ),
};
