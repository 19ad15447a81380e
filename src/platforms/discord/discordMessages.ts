/**
 * Between Discord's objects and Roost's post model: messages and interactions as posts and events,
 * and drafts as message bodies. Post ids: `CHANNEL:MESSAGE` for a message (a reply needs both),
 * `interaction:CHANNEL:ID` for a slash command (the reply answers the interaction, or, once it
 * can no longer be answered, is a message in its channel).
 */
import type {
  APIInteraction,
  APIMessage,
  InteractionType,
  RESTPostAPIChannelMessageJSONBody,
} from 'discord-api-types/v10';
import type { EventType, PlatformPost, PostDraft } from '../connector.js';
import { readImage } from '../draft.js';
import { PlatformRefusal } from '../errors.js';

export const MAX_TEXT = 2000;
/** Discord's upload limit for a bot's message without server boosts. */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
export const MAX_IMAGES = 10;
/** Discord's error code for "Interaction has already been acknowledged". */
export const ALREADY_ACKNOWLEDGED = 40060;
/** Discord's epoch: a snowflake's top bits are milliseconds since it. */
const EPOCH = 1420070400000n;

/** The snowflake of a moment: every id Discord makes after it is larger. */
export const snowflakeAt = (ms: number) => (BigInt(ms) - EPOCH) << 22n;
const snowflakeTime = (id: string) => Number((BigInt(id) >> 22n) + EPOCH);

/** The slash command Roost registers (option type 3: a string). */
export const ASK_COMMAND = {
  name: 'ask',
  description: 'Ask the bot something',
  type: 1,
  options: [{ type: 3, name: 'question', description: 'Your question', required: true }],
};

/** A message as the gateway gives it (with guild_id) or history (without). */
export type Message = APIMessage & { guild_id?: string };

export interface MessageBody {
  body: RESTPostAPIChannelMessageJSONBody;
  files: Array<{ name: string; data: Uint8Array; contentType: string }>;
}

/** `<@ID>` as `@name` (the names the message gives), so bots read mentions as on other platforms. */
function readable(m: APIMessage): string {
  const names = new Map(m.mentions.map((u) => [u.id, u.username]));
  return m.content.replace(/<@!?(\d+)>/g, (all, id: string) => (names.has(id) ? `@${names.get(id)}` : all));
}

export function messagePost(m: Message, account: string): PlatformPost {
  const ref = m.message_reference?.message_id;
  const interaction = m.interaction_metadata?.id;
  return {
    id: `${m.channel_id}:${m.id}`,
    author: m.author.username,
    text: readable(m),
    replyTo: interaction
      ? `interaction:${m.channel_id}:${interaction}`
      : ref
        ? `${m.message_reference!.channel_id ?? m.channel_id}:${ref}`
        : null,
    createdAt: Date.parse(m.timestamp),
    account,
    ...(m.guild_id ? { url: `https://discord.com/channels/${m.guild_id}/${m.channel_id}/${m.id}` } : {}),
    extra: {
      channel: m.channel_id,
      guild: m.guild_id ?? null,
      authorId: m.author.id,
      ...(m.attachments.length ? { attachments: m.attachments.map((a) => a.url) } : {}),
    },
  };
}

export function messageType(m: Message, me: string, dm: boolean): EventType {
  if (dm) return 'message';
  if (m.mentions.some((u) => u.id === me)) return 'mention';
  if (m.referenced_message?.author.id === me) return 'reply';
  return 'post';
}

/** InteractionType.ApplicationCommand, without loading discord-api-types' runtime (about 0.09 s) for one number. */
const APPLICATION_COMMAND = 2 as InteractionType.ApplicationCommand;

/** A slash command as a post whose `extra.command` names it (`/ask` is an ask event, others mentions); its text is the options' values. */
export function interactionPost(i: APIInteraction, account: string): PlatformPost | null {
  if (i.type !== APPLICATION_COMMAND || !i.data || !('name' in i.data)) return null;
  const user = i.member?.user ?? i.user;
  const channel = i.channel?.id ?? i.channel_id;
  const options = 'options' in i.data ? (i.data.options ?? []) : [];
  const args = options.map((o) => ('value' in o ? String(o.value) : '')).join(' ');
  return {
    id: `interaction:${channel}:${i.id}`,
    author: user?.username ?? 'unknown',
    text: args,
    replyTo: null,
    createdAt: snowflakeTime(i.id),
    account,
    extra: { channel: channel ?? null, guild: i.guild_id ?? null, command: i.data.name, args },
  };
}

/**
 * The message for a draft: a content warning hides the text behind a spoiler, after it; images are
 * attachments with their alt text, each shown in an embed captioned by it, or, for a sensitive
 * post, as spoiler attachments (an embed cannot be hidden).
 */
export async function draftBody(d: PostDraft): Promise<MessageBody> {
  const content = d.contentWarning ? `${d.contentWarning}\n||${d.text}||` : d.text;
  if ([...content].length > MAX_TEXT)
    throw new PlatformRefusal(
      'contentWarning',
      `Discord takes at most ${MAX_TEXT} characters; the text with its content warning has ${[...content].length}`,
    );
  const images = await Promise.all(
    (d.images ?? []).map((img) => readImage('discord', img, MAX_IMAGE_BYTES, 'application/octet-stream')),
  );
  const files = images.map((img, n) => ({
    name: `${d.sensitive ? 'SPOILER_' : ''}${n}-${img.name.replace(/[^\w.-]/g, '_')}`,
    data: img.bytes,
    contentType: img.mime,
  }));
  const alts = (d.images ?? []).map((img) => img.alt ?? '');
  const body: RESTPostAPIChannelMessageJSONBody = {
    content,
    // Only those who wrote to the bot are pinged (by the reply), never @everyone or roles from a bot's text.
    allowed_mentions: { parse: [], replied_user: true },
    ...(files.length
      ? {
          attachments: files.map((f, id) => ({ id, filename: f.name, ...(alts[id] ? { description: alts[id] } : {}) })),
          ...(d.sensitive
            ? {}
            : {
                embeds: files.map((f, n) => ({
                  image: { url: `attachment://${f.name}` },
                  ...(alts[n] ? { description: alts[n] } : {}),
                })),
              }),
        }
      : {}),
  };
  return { body, files };
}
