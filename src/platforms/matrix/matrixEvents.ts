/**
 * What Roost reads of Matrix's `/sync` answers (spec.matrix.org Client-Server API, "Syncing",
 * "m.room.message", "Rich replies", "User and room mentions"): room message events become posts,
 * and their kind (direct message, reply, mention, other) is told from the room and the content.
 *
 * The cursor is `mx:{"since": NEXT_BATCH, "at": {"!room:server": "$last event handled"}}`: the sync
 * token the batch was asked with, and for each room of it the last event handled, so a poll cut
 * short (by its limit, or a crash mid-batch) asks for the same batch again and skips what was
 * handled; once the whole batch is handled, the cursor is the batch's `next_batch` alone.
 */
import type { EventType, PlatformPost } from '../connector.js';

/** A room event as /sync and /messages give it (ClientEventWithoutRoomID); only what Roost reads. */
export interface MatrixEvent {
  event_id: string;
  type: string;
  sender: string;
  origin_server_ts: number;
  state_key?: string;
  content: Record<string, any>;
  unsigned?: { transaction_id?: string };
}

export interface JoinedRoom {
  timeline?: { events?: MatrixEvent[]; limited?: boolean; prev_batch?: string };
  state?: { events?: MatrixEvent[] };
}

export interface SyncResponse {
  next_batch: string;
  rooms?: {
    join?: Record<string, JoinedRoom>;
    invite?: Record<string, { invite_state?: { events?: Array<Omit<MatrixEvent, 'event_id' | 'origin_server_ts'>> } }>;
  };
  account_data?: { events?: Array<{ type: string; content: Record<string, any> }> };
}

export interface SyncCursor {
  since: string;
  at: Record<string, string>;
}

export function readCursor(cursor: string | null): SyncCursor | null {
  const json = /^mx:(\{.*\})$/.exec(cursor ?? '')?.[1];
  if (json === undefined) return null;
  try {
    const c = JSON.parse(json) as Partial<SyncCursor>;
    return typeof c.since === 'string' ? { since: c.since, at: { ...(c.at ?? {}) } } : null;
  } catch {
    return null;
  }
}

export function writeCursor(c: SyncCursor): string {
  return `mx:${JSON.stringify(Object.keys(c.at).length ? c : { since: c.since })}`;
}

/** A post's id is `ROOM_ID/EVENT_ID` (event ids start with `$`; matrix.to links are written the same way). */
export function postId(room: string, eventId: string): string {
  return `${room}/${eventId}`;
}

export function parsePostId(id: string): { room: string; eventId: string } | null {
  const at = id.lastIndexOf('/$');
  if (at <= 0 || !id.startsWith('!')) return null;
  return { room: id.slice(0, at), eventId: id.slice(at + 1) };
}

export const matrixTo = (...ids: string[]) => `https://matrix.to/#/${ids.map(encodeURIComponent).join('/')}`;

/** What tells an event's kind: who the account is and which rooms are its direct chats (`m.direct`). */
export interface Reader {
  userId: string;
  displayName: string | null;
  direct: ReadonlySet<string>;
}

const repliedTo = (c: Record<string, any>): string | null => {
  const relates = c['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: unknown } } | undefined;
  const id = relates?.['m.in_reply_to']?.event_id;
  return typeof id === 'string' ? id : null;
};

/** The body without a rich reply's quoted fallback (`> <@who:server> …` lines, then a blank line), which spec v1.13 dropped. */
function ownText(c: Record<string, any>): string {
  const body = typeof c.body === 'string' ? c.body : '';
  if (!repliedTo(c) || !body.startsWith('> ')) return body;
  const blank = body.indexOf('\n\n');
  return blank < 0 ? body : body.slice(blank + 2);
}

/** The text a person wrote: a media event's body is its caption only when `filename` differs (spec v1.10). */
function textOf(c: Record<string, any>): string {
  if (c.msgtype === 'm.text' || c.msgtype === 'm.emote') return ownText(c);
  return typeof c.filename === 'string' && c.filename !== c.body ? ownText(c) : '';
}

/**
 * The event's kind for a bot, or null when it is none: not a message, the account's own, or an
 * `m.notice` (what bots send: answering one would let two bots talk forever).
 */
export function eventType(ev: MatrixEvent, room: string, me: Reader): EventType | null {
  if (ev.type !== 'm.room.message' || ev.sender === me.userId || ev.content.msgtype === 'm.notice') return null;
  if (me.direct.has(room)) return 'message';
  const c = ev.content;
  // Since v1.7 a message says whom it mentions; older clients only write names in the body.
  const mentions: unknown = c['m.mentions'];
  const named = (n: string) => new RegExp(`(^|\\W)${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|\\W)`, 'i');
  const mentioned =
    mentions && typeof mentions === 'object'
      ? ((mentions as { user_ids?: unknown }).user_ids as unknown[] | undefined)?.includes(me.userId) === true
      : [me.userId, me.displayName].some((n) => n && named(n).test(textOf(c)));
  const body = typeof c.body === 'string' ? c.body : '';
  if (repliedTo(c) && (mentioned || body.startsWith(`> <${me.userId}>`))) return 'reply';
  return mentioned ? 'mention' : 'post';
}

export function toPost(ev: MatrixEvent, room: string, account: string): PlatformPost {
  const c = ev.content;
  const replyTo = repliedTo(c);
  return {
    id: postId(room, ev.event_id),
    author: ev.sender,
    text: textOf(c),
    replyTo: replyTo ? postId(room, replyTo) : null,
    createdAt: ev.origin_server_ts,
    account,
    url: matrixTo(room, ev.event_id),
    extra: {
      room,
      msgtype: c.msgtype ?? null,
      // An image's mxc:// URI: GET /_matrix/client/v1/media/download/SERVER/ID gives its bytes.
      ...(c.msgtype === 'm.image' && typeof c.url === 'string' ? { image: c.url } : {}),
    },
  };
}

/** The rooms a sync answer says are end-to-end encrypted (an `m.room.encryption` state event). */
export function encryptedIn(room: JoinedRoom): boolean {
  return [...(room.state?.events ?? []), ...(room.timeline?.events ?? [])].some(
    (e) => e.type === 'm.room.encryption' && e.state_key === '',
  );
}
