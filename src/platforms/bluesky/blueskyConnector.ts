/**
 * Bluesky (any atproto PDS), with `@atproto/api`: its lexicon-typed client builds records, rich
 * text facets and blob uploads, and takes a fetch, so every request still goes through the proxy.
 * Pinned to 0.19.19 (package.json): its last release that runs on Node 20; 0.20 and later need 22.
 * It loads on the account's first call (atproto.ts).
 *
 * Events: notifications (mentions, replies, quotes as mentions; likes and reposts of the bot's
 * posts), see notifications.ts for the cursor. Posts are app.bsky.feed.post records, with facets
 * for mentions, links and tags, images as uploaded blobs (app.bsky.embed.images), replies with
 * their thread's root, so a chain of replies makes a thread.
 *
 * At most once: each post's record key is a TID Roost derives from the ledger intent (tid.ts),
 * so after a crash between sending and recording, findSent reads that one record from the
 * account's repo rather than searching. Pacing: the PDS's RateLimit-* headers and Retry-After (the
 * proxy reads them), and the account budget of 5,000 write points an hour (creates 3, updates 2,
 * deletes 1; configurable as `platformBudgets["bluesky:ACCOUNT"]`, in points).
 */
import type { $Typed, AppBskyEmbedImages, AppBskyFeedPost } from '@atproto/api';
import type {
  Capabilities,
  Connector,
  Identity,
  PlatformEvent,
  PlatformPost,
  PollResult,
  PostDraft,
  SendIntent,
} from '../connector.js';
import { readImage, renderText } from '../draft.js';
import { AuthError, PlatformRefusal } from '../errors.js';
import type { AccountSpec, ConnectorDeps, PlatformDefinition } from '../platform.js';
import { atproto, xrpcStatus } from './atproto.js';
import { notificationsAfter, toEvents, toPost } from './notifications.js';
import { BlueskySession, SESSION_KEYS } from './blueskySession.js';
import { tidFor } from './tid.js';

const POST = 'app.bsky.feed.post';
export const DEFAULT_SERVICE = 'https://bsky.social';

interface RecordRef {
  uri: string;
  cid: string;
  value: AppBskyFeedPost.Record;
}

export class BlueskyConnector implements Connector {
  readonly platform = 'bluesky';
  readonly capabilities: Capabilities = {
    events: ['mention', 'reply', 'like', 'boost'],
    post: true,
    reply: true,
    ask: false,
    like: true,
    boost: true,
    // 300 graphemes; code points are never fewer, so counting them refuses nothing Bluesky takes.
    maxText: 300,
    maxImages: 4,
    maxImageBytes: 1_000_000,
    fields: ['mentions', 'tags', 'images', 'language'],
    visibilities: [],
  };
  readonly account: string;
  private readonly s: BlueskySession;

  constructor(a: AccountSpec, deps: ConnectorDeps) {
    this.account = a.name;
    this.s = new BlueskySession(a.name, a.instance ?? DEFAULT_SERVICE, a.credentials, deps);
  }

  private get agent() {
    return this.s.agent;
  }

  /** Runs a call with a session, a refusal of the session (401) becoming an AuthError. */
  private async call<T>(fn: (did: string) => Promise<T>): Promise<T> {
    const { did } = await this.s.session();
    try {
      return await fn(did);
    } catch (e) {
      if (xrpcStatus(e) === 401)
        throw new AuthError(this.account, `Bluesky refused the session (${(e as Error).message})`);
      throw e;
    }
  }

  async whoami(): Promise<Identity> {
    return this.call(async (did) => {
      const me = (await this.agent.com.atproto.server.getSession()).data;
      return {
        id: did,
        handle: me.handle,
        url: `https://bsky.app/profile/${me.handle}`,
        can: ['post', 'reply', 'like', 'repost', 'images', 'notifications'],
      };
    });
  }

  async poll(cursor: string | null, limit: number): Promise<PollResult> {
    return this.call(async () => {
      const { fresh, newest } = await notificationsAfter(this.agent, cursor);
      if (cursor === null) return { events: [], cursor: newest };
      const taken = fresh.slice(0, limit);
      const subjects = await this.posts(
        taken.filter((n) => n.reason === 'like' || n.reason === 'repost').map((n) => n.reasonSubject!),
      );
      const all = toEvents(taken, this.account, subjects);
      return {
        events: all.filter((e): e is PlatformEvent => !('skip' in e)),
        cursor: all.length ? all[all.length - 1]!.cursor : cursor,
      };
    });
  }

  /** The bot's posts by URI, as the AppView has them. */
  private async posts(uris: string[]): Promise<Map<string, PlatformPost>> {
    const out = new Map<string, PlatformPost>();
    const unique = [...new Set(uris)];
    for (let i = 0; i < unique.length; i += 25) {
      const { posts } = (await this.agent.app.bsky.feed.getPosts({ uris: unique.slice(i, i + 25) })).data;
      for (const p of posts)
        out.set(p.uri, toPost(p.uri, p.author.handle, p.record as AppBskyFeedPost.Record, this.account));
    }
    return out;
  }

  /** A post record by its AT URI (the PDS serves its own repos and passes others on to the AppView). */
  private async record(uri: string, field: string): Promise<RecordRef> {
    const m = /^at:\/\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(uri);
    if (!m) throw new PlatformRefusal(field, `a Bluesky post id is its at:// URI, got '${uri}'`);
    const got = await this.agent.com.atproto.repo
      .getRecord({ repo: m[1]!, collection: m[2]!, rkey: m[3]! })
      .catch((e: unknown) => {
        if (xrpcStatus(e) === 400) throw new PlatformRefusal(field, `no Bluesky post ${uri} (${(e as Error).message})`);
        throw e;
      });
    return { uri: got.data.uri, cid: got.data.cid!, value: got.data.value as AppBskyFeedPost.Record };
  }

  private async embed(d: PostDraft): Promise<$Typed<AppBskyEmbedImages.Main> | undefined> {
    if (!d.images?.length) return undefined;
    const images: AppBskyEmbedImages.Image[] = [];
    for (const img of d.images) {
      const { bytes, mime } = await readImage('Bluesky', img, this.capabilities.maxImageBytes, 'image/png');
      const blob = (await this.agent.uploadBlob(bytes, { encoding: mime })).data.blob;
      images.push({ image: blob, alt: img.alt ?? '' });
    }
    return { $type: 'app.bsky.embed.images', images };
  }

  async send(d: PostDraft, intent: SendIntent): Promise<PlatformPost> {
    return this.call(async (did) => {
      const text = new (atproto().RichText)({ text: renderText(d) });
      // Mentions become facets only for handles that resolve; the others stay plain text.
      await text.detectFacets(this.agent);
      let reply: AppBskyFeedPost.ReplyRef | undefined;
      if (d.replyTo) {
        const parent = await this.record(d.replyTo, 'replyTo');
        const root = parent.value.reply?.root ?? { uri: parent.uri, cid: parent.cid };
        reply = { root, parent: { uri: parent.uri, cid: parent.cid } };
      }
      const record: AppBskyFeedPost.Record = {
        $type: POST,
        text: text.text,
        facets: text.facets,
        createdAt: new Date(intent.createdAt).toISOString(),
        ...(reply ? { reply } : {}),
        ...(d.language ? { langs: [d.language] } : {}),
      };
      const embed = await this.embed(d);
      if (embed) record.embed = embed;
      const rkey = tidFor(intent);
      const res = await this.agent.com.atproto.repo
        .createRecord({ repo: did, collection: POST, rkey, record })
        .catch((e: unknown) => {
          if (xrpcStatus(e) === 400)
            throw new PlatformRefusal('text', `Bluesky refused the post: ${(e as Error).message}`);
          throw e;
        });
      return toPost(res.data.uri, this.agent.session!.handle, record, this.account);
    });
  }

  async findSent(intent: SendIntent): Promise<PlatformPost | null> {
    return this.call(async (did) => {
      const got = await this.agent.com.atproto.repo
        .getRecord({ repo: did, collection: POST, rkey: tidFor(intent) })
        .catch((e: unknown) => {
          if (xrpcStatus(e) === 400) return null;
          throw e;
        });
      if (!got) return null;
      return toPost(got.data.uri, this.agent.session!.handle, got.data.value as AppBskyFeedPost.Record, this.account);
    });
  }

  async like(postId: string): Promise<void> {
    await this.call(async () => {
      const p = await this.record(postId, 'postId');
      await this.agent.like(p.uri, p.cid);
    });
  }

  async boost(postId: string): Promise<void> {
    await this.call(async () => {
      const p = await this.record(postId, 'postId');
      await this.agent.repost(p.uri, p.cid);
    });
  }

  async likesOf(postIds: string[]): Promise<Map<string, number>> {
    return this.call(async () => {
      const out = new Map<string, number>();
      for (let i = 0; i < postIds.length; i += 25) {
        const { posts } = (await this.agent.app.bsky.feed.getPosts({ uris: postIds.slice(i, i + 25) })).data;
        for (const p of posts) out.set(p.uri, p.likeCount ?? 0);
      }
      return out;
    });
  }
}

export const blueskyPlatform: PlatformDefinition = {
  name: 'bluesky',
  summary:
    'a Bluesky account: credentials { identifier, appPassword } (an app password); --instance its PDS (default https://bsky.social)',
  instance: 'optional',
  credentials: ['identifier', 'appPassword'],
  optionalCredentials: SESSION_KEYS,
  // 5,000 write points an hour per account (docs.bsky.app/docs/advanced-guides/rate-limits).
  budgets: { account: { count: 5000, intervalMs: 3_600_000 } },
  connect: (a, deps) => new BlueskyConnector(a, deps),
};
