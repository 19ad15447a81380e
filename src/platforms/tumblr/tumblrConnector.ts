/**
 * Tumblr, as one blog of a user, over API v2 (www.tumblr.com/docs/en/api/v2) with OAuth 1.0a.
 * Plain HTTP rather than `tumblr.js` 5.0.1 (the official client, which runs on Node 20): it sends
 * with `node:https` itself, so its calls could not go through the proxy (paced, retried, recorded),
 * and its promises hand back only each answer's `response`, never the status or the
 * X-Ratelimit-Perhour/Perday headers the proxy paces on.
 *
 * Events come from the blog's inbox (GET /posts/submission): an ask is an `ask` event, any other
 * submission a `post`. Tumblr ids grow with time (64-bit, read as strings), so the cursor is the
 * newest id handled, `tb:ID`; the inbox is read newest first until the cursor. Answering an ask is
 * a reply to it: the ask post is edited in NPF with the answer's blocks after the ask's and
 * `state: published` (PUT /posts/{id}), so the answer keeps the ask's id. Other posts are NPF
 * posts (POST /posts), images in the same multipart request; `ctx.boost` reblogs, `ctx.like` likes.
 *
 * At most once: Tumblr has no idempotency key. After a crash between sending and recording,
 * findSent reads the blog's latest published posts since the intent and compares each one's
 * answered ask (or none) and text with the ledger's content hash.
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
import { AuthError, PlatformRefusal } from '../errors.js';
import type { ConnectorDeps, PlatformDefinition } from '../platform.js';
import { askBlocks, draftContent, npfBody, ownText, tagList, type NpfPost } from './npf.js';
import { TumblrApi, tumblrSignal } from './tumblrApi.js';

/** A submission as GET /posts/submission?filter=text gives it (legacy format); only what Roost reads. */
interface Submission {
  id_string: string;
  type: string;
  timestamp: number;
  post_url?: string;
  question?: string;
  asking_name?: string;
  post_author?: string;
  anonymous_name?: string;
  body?: string;
  caption?: string;
  summary?: string;
}

interface UserInfo {
  user: { name: string; blogs: Array<{ name: string; title?: string; url: string; uuid: string; primary?: boolean }> };
}

const CLOCK_SKEW_MS = 60_000;
/** Inbox pages read in one poll at most, newest first (more new submissions than these hold: the older are skipped). */
const MAX_PAGES = 10;
const RECENT = 20;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export class TumblrConnector implements Connector {
  readonly platform = 'tumblr';
  readonly capabilities: Capabilities = {
    events: ['ask', 'post'],
    post: true,
    reply: true,
    ask: false,
    like: true,
    boost: true,
    // A text block holds 4,096 code points (npf-spec.md, "Text Blocks"); Roost's text is one post's.
    maxText: 4096,
    // 30 image blocks a post (npf-spec.md); 10 MB, what Tumblr takes of a GIF (other images up to 20 MB).
    maxImages: 30,
    maxImageBytes: 10_000_000,
    fields: ['tags', 'images', 'visibility'],
    visibilities: ['public'],
  };
  private blog: string | null = null;
  private readonly api: TumblrApi;
  private readonly tags: string[];

  constructor(
    readonly account: string,
    root: string,
    private readonly creds: Record<string, string>,
    private readonly deps: ConnectorDeps,
  ) {
    const keys = {
      consumerKey: creds.consumerKey!,
      consumerSecret: creds.consumerSecret!,
      token: creds.token!,
      tokenSecret: creds.tokenSecret!,
    };
    this.api = new TumblrApi(account, root, keys, deps.channel);
    this.tags = (creds.tags ?? '').split(',').filter((t) => t.trim());
  }

  async whoami(): Promise<Identity> {
    const { user } = await this.api.call<UserInfo>('GET', '/v2/user/info');
    const blog = this.choose(user);
    return {
      id: blog.uuid,
      handle: blog.name,
      ...(blog.title ? { displayName: blog.title } : {}),
      url: blog.url,
      can: [
        `user ${user.name}`,
        `blogs ${user.blogs.map((b) => b.name).join(', ')}`,
        'read asks and submissions',
        'answer asks',
        'post (images, tags)',
        'reblog',
        'like',
      ],
    };
  }

  /** The blog it acts as: the `blog` credential, else the user's primary blog. */
  private choose(user: UserInfo['user']): UserInfo['user']['blogs'][number] {
    const want = this.creds.blog?.replace(/\.tumblr\.com$/, '');
    const blog = want ? user.blogs.find((b) => b.name === want) : (user.blogs.find((b) => b.primary) ?? user.blogs[0]);
    if (!blog)
      throw new AuthError(
        this.account,
        `the Tumblr user ${user.name} has no blog '${want ?? ''}'; theirs: ${user.blogs.map((b) => b.name).join(', ')}`,
      );
    this.blog = blog.name;
    return blog;
  }

  private async me(): Promise<string> {
    if (this.blog) return this.blog;
    return this.choose((await this.api.call<UserInfo>('GET', '/v2/user/info')).user).name;
  }

  private toPost(s: Submission, blog: string): PlatformPost {
    const author = s.asking_name ?? s.post_author ?? s.anonymous_name ?? 'anonymous';
    return {
      id: s.id_string,
      author,
      text: (s.question ?? s.body ?? s.caption ?? s.summary ?? '').trim(),
      replyTo: null,
      createdAt: s.timestamp * 1000,
      account: this.account,
      ...(s.post_url ? { url: s.post_url } : {}),
      extra: { blog, kind: s.type === 'answer' ? 'ask' : 'submission', type: s.type },
    };
  }

  /** Null cursor, or another platform's: from the newest submission on. */
  async poll(cursor: string | null, limit: number): Promise<PollResult> {
    const blog = await this.me();
    const after = /^tb:(\d+)$/.exec(cursor ?? '')?.[1];
    const newer: Submission[] = [];
    for (let page = 0, offset = 0; page < MAX_PAGES; page++) {
      const { posts } = await this.api.call<{ posts: Submission[] }>('GET', `/v2/blog/${blog}/posts/submission`, {
        query: { filter: 'text', ...(offset ? { offset: String(offset) } : {}) },
      });
      if (after === undefined) return { events: [], cursor: `tb:${posts[0]?.id_string ?? '0'}` };
      const fresh = posts.filter((p) => BigInt(p.id_string) > BigInt(after));
      // An ask arriving between two pages shifts the offsets: the same one may come twice.
      newer.push(...fresh.filter((p) => !newer.some((q) => q.id_string === p.id_string)));
      if (fresh.length < posts.length || posts.length === 0) break;
      offset += posts.length;
    }
    const events: PlatformEvent[] = newer
      .sort((a, b) => (BigInt(a.id_string) < BigInt(b.id_string) ? -1 : 1))
      .slice(0, Math.max(limit, 1))
      .map((s) => ({
        type: s.type === 'answer' ? ('ask' as const) : ('post' as const),
        platform: this.platform,
        account: this.account,
        post: this.toPost(s, blog),
        actor: s.asking_name ?? s.post_author ?? 'anonymous',
        cursor: `tb:${s.id_string}`,
      }));
    return { events, cursor: events.at(-1)?.cursor ?? `tb:${after}` };
  }

  async send(d: PostDraft, _intent: SendIntent): Promise<PlatformPost> {
    const blog = await this.me();
    const tags = tagList(d, this.tags);
    const { blocks, files } = await draftContent(d, this.capabilities.maxImageBytes);
    let id: string;
    if (d.replyTo != null) {
      if (!/^\d+$/.test(d.replyTo))
        throw new PlatformRefusal(
          'replyTo',
          `a Tumblr reply answers an ask of ${blog}'s inbox by its id, got '${d.replyTo}'`,
        );
      const ask = await this.api.call<NpfPost>('GET', `/v2/blog/${blog}/posts/${d.replyTo}`, { field: 'replyTo' });
      const asked = askBlocks(ask);
      if (asked.size === 0)
        throw new PlatformRefusal('replyTo', `post ${d.replyTo} of ${blog} is not an ask; Tumblr replies answer asks`);
      const params = {
        content: [...ask.content.filter((_, i) => asked.has(i)), ...blocks],
        layout: ask.layout,
        state: 'published',
        tags,
      };
      const body = npfBody(params, files);
      ({ id } = await this.api.call('PUT', `/v2/blog/${blog}/posts/${d.replyTo}`, {
        ...body,
        field: 'replyTo',
        posts: true,
      }));
    } else {
      const body = npfBody({ content: blocks, state: 'published', tags }, files);
      ({ id } = await this.api.call('POST', `/v2/blog/${blog}/posts`, { ...body, field: 'text', posts: true }));
    }
    return {
      id: String(id),
      author: blog,
      text: d.text,
      replyTo: d.replyTo ?? null,
      createdAt: this.deps.now(),
      account: this.account,
      url: `https://${blog}.tumblr.com/post/${id}`,
      extra: { blog, tags: tags ? tags.split(',') : [] },
    };
  }

  async findSent(intent: SendIntent): Promise<PlatformPost | null> {
    const blog = await this.me();
    const { posts } = await this.api.call<{ posts: NpfPost[] }>('GET', `/v2/blog/${blog}/posts`, {
      query: { npf: 'true', limit: String(RECENT) },
    });
    for (const p of posts) {
      if ((p.timestamp ?? 0) * 1000 < intent.createdAt - CLOCK_SKEW_MS) continue;
      const id = String(p.id_string ?? p.id);
      const replyTo = askBlocks(p).size ? id : null;
      const text = ownText(p);
      if (contentHash(this.platform, replyTo, text) === intent.hash)
        return { id, author: blog, text, replyTo, createdAt: (p.timestamp ?? 0) * 1000, account: this.account };
    }
    return null;
  }

  /** The blog and id of a post: `BLOG/ID`, its URL (BLOG.tumblr.com/post/ID, tumblr.com/BLOG/ID), or an id of the account's blog. */
  private async locate(postId: string, field: string): Promise<NpfPost & { blogName: string }> {
    const m =
      /^(?:https?:\/\/)?([\w-]+)\.tumblr\.com\/post\/(\d+)/.exec(postId) ??
      /^(?:https?:\/\/)?(?:www\.)?tumblr\.com\/([\w-]+)\/(\d+)/.exec(postId) ??
      /^([\w-]+)\/(\d+)$/.exec(postId);
    const [blogName, id] = m ? [m[1]!, m[2]!] : [await this.me(), postId];
    if (!/^\d+$/.test(id))
      throw new PlatformRefusal(field, `a Tumblr post is BLOG/ID, its URL or an id of this blog; got '${postId}'`);
    const post = await this.api.call<NpfPost>('GET', `/v2/blog/${blogName}/posts/${id}`, { field });
    return { ...post, blogName };
  }

  async boost(postId: string): Promise<void> {
    const parent = await this.locate(postId, 'boost');
    await this.api.call('POST', `/v2/blog/${await this.me()}/posts`, {
      json: {
        content: [],
        state: 'published',
        parent_tumblelog_uuid: parent.tumblelog_uuid ?? parent.blog?.uuid,
        parent_post_id: String(parent.id_string ?? parent.id),
        reblog_key: parent.reblog_key,
      },
      field: 'boost',
      posts: true,
    });
  }

  async like(postId: string): Promise<void> {
    const post = await this.locate(postId, 'like');
    await this.api.call('POST', '/v2/user/like', {
      form: { id: String(post.id_string ?? post.id), reblog_key: post.reblog_key },
      field: 'like',
    });
  }
}

export const tumblrPlatform: PlatformDefinition = {
  name: 'tumblr',
  summary:
    'a Tumblr blog: --instance https://api.tumblr.com (the default), credentials { consumerKey, consumerSecret, token, tokenSecret, blog?, tags? }',
  instance: 'optional',
  credentials: ['consumerKey', 'consumerSecret', 'token', 'tokenSecret'],
  optionalCredentials: ['blog', 'tags'],
  budgets: {
    // Per consumer key (api.md, "Rate Limits"), taken as one app for all of the hub's Tumblr accounts;
    // 300 a minute is Tumblr's limit per IP address, the hub's.
    platform: [
      { count: 300, intervalMs: 60_000 },
      { count: 1000, intervalMs: HOUR },
      { count: 5000, intervalMs: DAY },
    ],
    // 250 new published posts a day per user, reblogs and answers included; reads take none of it.
    account: { count: 250, intervalMs: DAY },
  },
  signal: (res, now) => tumblrSignal(res, now),
  connect: (a, deps) => new TumblrConnector(a.name, a.instance ?? 'https://api.tumblr.com', a.credentials, deps),
};
