/**
 * Matrix, as a bot user with an access token, over the Client-Server API (spec.matrix.org, v1.x).
 * Plain HTTP rather than matrix-js-sdk (37.5.0 is its last release on Node 20; 28 MB in 19
 * packages): the sdk runs its own sync loop, keeps the sync token in its own store and retries
 * rate-limited sends itself, whereas Roost polls from each bot's durable cursor and the proxy must
 * see, pace, retry and record every call and read its 429s. The few endpoints used are small.
 *
 * Rooms: the account joins the rooms of its `rooms` credential (ids or aliases) and, unless
 * `acceptInvites` is "false", the rooms it is invited to; an invite flagged `is_direct` becomes a
 * direct chat (`m.direct`). End-to-end encrypted rooms are not supported yet: an invite to one is
 * left alone, their events are never read, and a send to one is refused naming the room.
 *
 * Events come from `/sync` (a 1 s long-poll); see ./matrixEvents.ts for the cursor. Sending is
 * `PUT /rooms/{room}/send/m.room.message/{txnId}` with the ledger's idempotency key as the
 * transaction id, so the server answers a send made again (a retry, or after a crash) with the
 * event first made. After a crash, findSent also reads the account's latest messages in its
 * rooms and knows its own by `unsigned.transaction_id` (or the ledger's content hash).
 */
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
import { readImage, renderText } from '../draft.js';
import { PlatformRefusal } from '../errors.js';
import type { ConnectorDeps, PlatformDefinition } from '../platform.js';
import { MatrixApi, MatrixError, matrixSignal } from './matrixApi.js';
import { MatrixRooms } from './matrixRooms.js';
import {
  eventType,
  matrixTo,
  parsePostId,
  postId,
  readCursor,
  toPost,
  writeCursor,
  type MatrixEvent,
  type Reader,
  type SyncResponse,
} from './matrixEvents.js';

const C = '/_matrix/client/v3';
/** Milliseconds a /sync waits for news: short, since a bot reading several accounts polls them in turn. */
const LONG_POLL_MS = 1000;
/** Events per room per sync; a room with more since the last poll gives only its latest (`limited`). */
const TIMELINE = 100;
const RECENT = 50;
const CLOCK_SKEW_MS = 60_000;
const E2EE = 'end-to-end encrypted rooms are not supported yet (only unencrypted ones)';

/** Presence and typing are not events for bots; a room's state is read only for its encryption. */
const filter = (timeline: number) =>
  JSON.stringify({
    presence: { not_types: ['*'] },
    account_data: { types: ['m.direct'] },
    room: {
      timeline: { limit: timeline },
      state: { types: ['m.room.encryption'] },
      ephemeral: { not_types: ['*'] },
    },
  });

export class MatrixConnector implements Connector {
  readonly platform = 'matrix';
  readonly capabilities: Capabilities = {
    events: ['mention', 'reply', 'message', 'post'],
    post: true,
    reply: true,
    ask: false,
    like: false,
    boost: false,
    // An event is at most 65,536 bytes of JSON; 15,000 characters of up to 4 bytes fit with room to spare.
    maxText: 15_000,
    // One event per post: an m.image whose body is the caption (spec v1.10).
    maxImages: 1,
    maxImageBytes: 10 * 1024 * 1024,
    fields: ['mentions', 'images'],
    visibilities: [],
  };
  private readonly api: MatrixApi;
  private readonly rooms: MatrixRooms;
  private me: Reader | null = null;

  constructor(
    readonly account: string,
    homeserver: string,
    creds: Record<string, string>,
    private readonly deps: ConnectorDeps,
  ) {
    this.api = new MatrixApi(account, homeserver, creds.accessToken!, deps.channel);
    this.rooms = new MatrixRooms(this.api, creds);
  }

  private async self(): Promise<Reader> {
    if (this.me) return this.me;
    const { user_id } = (await this.api.call<{ user_id: string }>('GET', `${C}/account/whoami`))!;
    const profile = await this.api.call<{ displayname?: string }>('GET', `${C}/profile/:user/displayname`, {
      params: { user: user_id },
      absent: ['M_NOT_FOUND'],
    });
    const direct = await this.rooms.loadDirect(user_id);
    return (this.me = { userId: user_id, displayName: profile?.displayname ?? null, direct });
  }

  async whoami(): Promise<Identity> {
    this.me = null;
    const me = await this.self();
    const rooms = await this.rooms.configured();
    const encrypted = [];
    for (const r of rooms) if (await this.rooms.isEncrypted(r)) encrypted.push(r);
    return {
      id: me.userId,
      handle: me.userId,
      ...(me.displayName ? { displayName: me.displayName } : {}),
      url: matrixTo(me.userId),
      can: [
        'read and send messages in unencrypted rooms',
        'upload images',
        ...(rooms.length ? [`rooms: ${rooms.join(', ')}`] : []),
        this.rooms.acceptInvites ? 'joins the rooms it is invited to' : 'ignores invites (acceptInvites: "false")',
        ...encrypted.map((r) => `not ${r}: ${E2EE}`),
      ],
    };
  }

  private sync(since: string | null, limit: number): Promise<SyncResponse | null> {
    return this.api.call<SyncResponse>('GET', `${C}/sync`, {
      query: {
        ...(since ? { since } : {}),
        timeout: String(since ? LONG_POLL_MS : 0),
        filter: filter(limit),
      },
    });
  }

  /** Null, or another platform's cursor: from the newest event on. */
  async poll(cursor: string | null, limit: number): Promise<PollResult> {
    await this.rooms.configured();
    const c = readCursor(cursor);
    const s = (await this.sync(c?.since ?? null, c ? TIMELINE : 0))!;
    const self = await this.self();
    const me = (this.me = { ...self, direct: await this.rooms.saw(s, self.userId) });
    if (!c) return { events: [], cursor: writeCursor({ since: s.next_batch, at: {} }) };
    // Rooms merged by time, each in its own timeline order (a room's `at` is a place in that order).
    const items: Array<{ room: string; ev: MatrixEvent; t: number }> = [];
    for (const [room, r] of Object.entries(s.rooms?.join ?? {})) {
      const timeline = r.timeline?.events ?? [];
      const done = c.at[room] === undefined ? -1 : timeline.findIndex((e) => e.event_id === c.at[room]);
      let t = 0;
      for (const ev of timeline.slice(done + 1)) items.push({ room, ev, t: (t = Math.max(t, ev.origin_server_ts)) });
    }
    items.sort((a, b) => a.t - b.t);
    const at = { ...c.at };
    const events: PlatformEvent[] = [];
    for (const { room, ev } of items) {
      const type = this.rooms.knownEncrypted(room) ? null : eventType(ev, room, me);
      if (type && events.length >= Math.max(limit, 1)) return { events, cursor: events.at(-1)!.cursor };
      at[room] = ev.event_id;
      if (!type) continue;
      const post = toPost(ev, room, this.account);
      const cursorHere = writeCursor({ since: c.since, at });
      events.push({ type, platform: this.platform, account: this.account, post, actor: ev.sender, cursor: cursorHere });
    }
    return { events, cursor: writeCursor({ since: s.next_batch, at: {} }) };
  }

  /** Turns the homeserver's refusals of a send into refusals naming the draft's field. */
  private refused(e: unknown, room: string, image: boolean): unknown {
    if (!(e instanceof MatrixError) || e.status >= 500) return e;
    if (e.errcode === 'M_TOO_LARGE' || e.status === 413)
      return new PlatformRefusal(image ? 'images' : 'text', e.message);
    if (e.status === 403 || e.status === 404)
      return new PlatformRefusal('replyTo', `the account may not post in ${room}: ${e.message}`);
    return new PlatformRefusal('post', e.message);
  }

  private target(d: PostDraft, rooms: string[]): { room: string; replyTo: string | null } {
    if (d.replyTo != null) {
      const p = parsePostId(d.replyTo);
      if (!p)
        throw new PlatformRefusal(
          'replyTo',
          `a Matrix post id is ROOM_ID/EVENT_ID ('!room:server/$event'), got '${d.replyTo}'`,
        );
      return { room: p.room, replyTo: p.eventId };
    }
    if (!rooms[0])
      throw new PlatformRefusal(
        'replyTo',
        'a Matrix post goes to a room: reply to a message, or give the account rooms ("rooms": "#room:server" in its credentials file)',
      );
    return { room: rooms[0], replyTo: null };
  }

  async send(d: PostDraft, intent: SendIntent): Promise<PlatformPost> {
    const me = await this.self();
    const { room, replyTo } = this.target(d, await this.rooms.configured());
    const mentions = (d.mentions ?? []).map((m) => (m.startsWith('@') ? m : `@${m}`));
    const bad = mentions.find((m) => !/^@[^\s:]+:\S+$/.test(m));
    if (bad) throw new PlatformRefusal('mentions', `a Matrix mention is a user id (@name:server), got '${bad}'`);
    const isEncrypted = await this.rooms.isEncrypted(room).catch((e: unknown) => {
      throw this.refused(e, room, false);
    });
    if (isEncrypted) throw new PlatformRefusal('replyTo', `${room} is end-to-end encrypted: ${E2EE}`);
    const text = renderText({ text: d.text, mentions });
    const content: Record<string, unknown> = { msgtype: 'm.text', body: text, 'm.mentions': { user_ids: mentions } };
    const img = d.images?.[0];
    try {
      if (img) {
        const image = await readImage('Matrix', img, this.capabilities.maxImageBytes, 'image/png');
        const up = (await this.api.call<{ content_uri: string }>('POST', '/_matrix/media/v3/upload', {
          query: { filename: image.name },
          body: image.bytes,
          contentType: image.mime,
          cost: 1,
        }))!;
        // A body other than the filename is the image's caption (spec v1.10, MSC2530).
        Object.assign(content, {
          msgtype: 'm.image',
          body: text || image.name,
          filename: image.name,
          url: up.content_uri,
          info: { mimetype: image.mime, size: image.bytes.length },
        });
      }
      if (replyTo) content['m.relates_to'] = { 'm.in_reply_to': { event_id: replyTo } };
      const { event_id } = (await this.api.call<{ event_id: string }>(
        'PUT',
        `${C}/rooms/:room/send/m.room.message/:txn`,
        { params: { room, txn: intent.idempotencyKey }, body: content, cost: 1 },
      ))!;
      return {
        id: postId(room, event_id),
        author: me.userId,
        text,
        replyTo: d.replyTo ?? null,
        createdAt: this.deps.now(),
        account: this.account,
        url: matrixTo(room, event_id),
        extra: { room, msgtype: content.msgtype, ...(img ? { image: content.url } : {}) },
      };
    } catch (e) {
      throw this.refused(e, room, img !== undefined);
    }
  }

  async findSent(intent: SendIntent): Promise<PlatformPost | null> {
    const me = await this.self();
    const { joined_rooms } = (await this.api.call<{ joined_rooms: string[] }>('GET', `${C}/joined_rooms`))!;
    for (const room of joined_rooms) {
      const page = (await this.api.call<{ chunk: MatrixEvent[] }>('GET', `${C}/rooms/:room/messages`, {
        params: { room },
        query: {
          dir: 'b',
          limit: String(RECENT),
          filter: JSON.stringify({ senders: [me.userId], types: ['m.room.message'] }),
        },
      }))!;
      for (const ev of page.chunk) {
        if (ev.origin_server_ts < intent.createdAt - CLOCK_SKEW_MS) break;
        if (ev.sender !== me.userId) continue;
        const post = toPost(ev, room, this.account);
        if (
          ev.unsigned?.transaction_id === intent.idempotencyKey ||
          contentHash(this.platform, post.replyTo, String(ev.content.body ?? '')) === intent.hash
        )
          return post;
      }
    }
    return null;
  }
}

export const matrixPlatform: PlatformDefinition = {
  name: 'matrix',
  summary:
    'a Matrix bot user: --instance https://your.homeserver, credentials { accessToken, rooms? (ids or aliases), acceptInvites? }',
  instance: 'required',
  credentials: ['accessToken'],
  optionalCredentials: ['rooms', 'acceptInvites'],
  // Synapse's default message limit (rc_message): 0.2 a second, bursts of 10. Reads cost nothing.
  budgets: { account: { count: 10, intervalMs: 50_000 } },
  signal: (res) => matrixSignal(res),
  connect: (a, deps) => new MatrixConnector(a.name, a.instance!, a.credentials, deps),
};
