/**
 * Reddit, as a user account, over its OAuth API (www.reddit.com/dev/api). Plain HTTP: snoowrap,
 * the usual client, is unmaintained (archived in 2024), and every call must go through the proxy,
 * which paces on the X-Ratelimit-* headers, retries and records each call.
 *
 * Events come from listings, newest first, paged by fullname (`before` = newer than it): the
 * account's inbox (username mentions and comment/post replies, `t1`; private messages, `t4`) and
 * the new comments of chosen subreddits (`subreddits` credential). The cursor is the newest
 * fullname handled per source, `rd:{"inbox":"t1_x","r/loans":"t1_y"}`; the inbox is read whole
 * (not /message/unread), so what a person has read or not does not change what the bot sees.
 *
 * Sending: a reply is POST /api/comment (to a comment, post or message); a post without replyTo is
 * a self post to the `subreddit` credential (title: its first line). Reddit answers refusals as
 * 200 `{json: {errors: [[CODE, message, field]]}}`: RATELIMIT holds the account's calls for the
 * wait it names (redditSignal) and the call is made again; any other names what it refused.
 *
 * At most once: Reddit has no idempotency key. After a crash between sending and recording,
 * findSent reads the account's recent comments (and self posts) made since the intent and compares
 * each one's parent and text with the ledger's content hash.
 */
import { VERSION } from '../../version.js';
import {
  contentHash,
  type Capabilities,
  type Connector,
  type EventType,
  type Identity,
  type PlatformEvent,
  type PlatformPost,
  type PollResult,
  type PostDraft,
  type SendIntent,
} from '../connector.js';
import { AuthError, PlatformRefusal } from '../errors.js';
import type { ConnectorDeps, PlatformDefinition } from '../platform.js';
import type { ProxyResponse } from '../proxy/platformProxy.js';
import { RedditAuth } from './redditAuth.js';
import { redditSignal } from './redditSignal.js';
import { endpoints, SITE, type ApiErrors, type Listing, type Thing, type WriteData } from './redditThings.js';

const CLOCK_SKEW_MS = 60_000;
const RECENT = 100;

/** The fields of Reddit's error triples, as draft fields. */
const FIELD: Record<string, string> = {
  text: 'text',
  thing_id: 'replyTo',
  parent: 'replyTo',
  title: 'text',
  sr: 'subreddit',
};

export class RedditConnector implements Connector {
  readonly platform = 'reddit';
  readonly capabilities: Capabilities = {
    events: ['mention', 'reply', 'message', 'post'],
    post: true,
    reply: true,
    ask: false,
    like: false,
    boost: false,
    maxText: 10_000,
    maxImages: 0,
    maxImageBytes: 0,
    fields: [],
    visibilities: [],
  };
  private me: string | null = null;
  private readonly auth: RedditAuth;
  private readonly sources: string[];

  constructor(
    readonly account: string,
    private readonly urls: { token: string; root: string },
    private readonly creds: Record<string, string>,
    private readonly deps: ConnectorDeps,
  ) {
    const userAgent = creds.userAgent ?? `roost:${creds.clientId}:${VERSION} (by /u/${creds.username ?? account})`;
    this.auth = new RedditAuth(
      account,
      urls.token,
      {
        clientId: creds.clientId!,
        clientSecret: creds.clientSecret ?? '',
        username: creds.username,
        password: creds.password,
        refreshToken: creds.refreshToken,
      },
      deps.channel,
      deps.now,
      userAgent,
    );
    const subs = (creds.subreddits ?? '')
      .split(',')
      .map((s) => s.trim().replace(/^\/?r\//, ''))
      .filter(Boolean);
    this.sources = ['inbox', ...subs.map((s) => `r/${s}`)];
  }

  private async call(method: string, path: string, form?: Record<string, string>): Promise<ProxyResponse> {
    await this.auth.fresh();
    const res = await this.deps.channel.fetch({
      method,
      url: `${this.urls.root}${path}`,
      headers: this.auth.headers(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      body: form ? new URLSearchParams(form).toString() : undefined,
      label: `${method} ${path.replace(/\?.*$/, '').replace(/^\/(user|r)\/[^/]+/, '/$1/:name')}`,
    });
    if (res.status === 401)
      throw new AuthError(this.account, `Reddit refused the token for ${method} ${path}, renewed or not`);
    if (res.status === 403)
      throw new AuthError(
        this.account,
        `Reddit forbids ${method} ${path} to this account (a private, quarantined or banning subreddit, or a scope the app lacks)`,
      );
    if (res.status >= 400)
      throw new Error(`Reddit answered ${method} ${path} with HTTP ${res.status}: ${res.text.slice(0, 200)}`);
    return res;
  }

  /** A write in Reddit's api_type=json envelope: RATELIMIT is waited out (the proxy holds the account), other errors refuse. */
  private async write(path: string, form: Record<string, string>): Promise<WriteData> {
    for (;;) {
      const body = (await this.call('POST', path, { api_type: 'json', ...form })).json<ApiErrors>();
      const [error] = body.json?.errors ?? [];
      if (!error) return body.json?.data ?? {};
      if (error[0] === 'RATELIMIT') continue;
      throw new PlatformRefusal(FIELD[error[2] ?? ''] ?? 'post', `Reddit refused ${path}: ${error[0]}: ${error[1]}`);
    }
  }

  private async self(): Promise<string> {
    return (this.me ??= (await this.call('GET', '/api/v1/me')).json<{ name: string }>().name);
  }

  async whoami(): Promise<Identity> {
    const me = (await this.call('GET', '/api/v1/me')).json<{ name: string; id: string }>();
    this.me = me.name;
    return {
      id: `t2_${me.id}`,
      handle: `u/${me.name}`,
      url: `${SITE}/user/${me.name}`,
      can: ['identity', 'read', 'privatemessages', 'submit', 'edit', ...this.sources.slice(1)],
    };
  }

  private toPost(t: Thing): PlatformPost {
    const link = t.permalink ?? t.context;
    return {
      id: t.name,
      author: t.author,
      text: t.body ?? t.selftext ?? '',
      replyTo: t.parent_id ?? null,
      createdAt: Math.round(t.created_utc * 1000),
      account: this.account,
      ...(link ? { url: `${SITE}${link}` } : {}),
      extra: { subreddit: t.subreddit ?? null, kind: t.name.slice(0, 2) },
    };
  }

  private eventType(source: string, kind: string, t: Thing, me: string): EventType | null {
    if (source !== 'inbox') return kind === 't1' ? 'post' : null;
    if (kind === 't4') return 'message';
    if (kind !== 't1') return null;
    if (t.type === 'username_mention') return 'mention';
    if (t.type === 'comment_reply' || t.type === 'post_reply') return 'reply';
    return new RegExp(`\\bu/${me}\\b`, 'i').test(t.body ?? '') ? 'mention' : 'reply';
  }

  private async listing(source: string, before: string | null, limit: number): Promise<Listing['data']['children']> {
    const path = source === 'inbox' ? '/message/inbox' : `/${source}/comments`;
    const q = new URLSearchParams({ limit: String(limit), raw_json: '1', ...(before ? { before } : {}) });
    return (await this.call('GET', `${path}?${q}`)).json<Listing>().data.children;
  }

  /** Null cursor, or another platform's: from the newest item of each source on. */
  async poll(cursor: string | null, limit: number): Promise<PollResult> {
    const me = await this.self();
    const stored = /^rd:(\{.*\})$/.exec(cursor ?? '')?.[1];
    if (stored === undefined) {
      const pos: Record<string, string> = {};
      for (const s of this.sources) pos[s] = (await this.listing(s, null, 1))[0]?.data.name ?? '';
      return { events: [], cursor: `rd:${JSON.stringify(pos)}` };
    }
    const pos = { ...(JSON.parse(stored) as Record<string, string>) };
    const page = Math.min(Math.max(limit, 1), 100);
    const items: Array<{ source: string; kind: string; t: Thing }> = [];
    for (const source of this.sources) {
      // A source added to the credentials since: from its newest item on, like a first poll.
      if (pos[source] === undefined) {
        pos[source] = (await this.listing(source, null, 1))[0]?.data.name ?? '';
        continue;
      }
      const list = await this.listing(source, pos[source] || null, page);
      for (const c of list.reverse()) items.push({ source, kind: c.kind, t: c.data });
    }
    // Sources in turn, each oldest first; merged by time (a stable sort keeps the inbox first on ties).
    items.sort((a, b) => a.t.created_utc - b.t.created_utc);
    const seen = new Set<string>();
    const events: PlatformEvent[] = [];
    for (const { source, kind, t } of items) {
      pos[source] = t.name;
      const type = this.eventType(source, kind, t, me);
      if (!type || seen.has(t.name) || t.author.toLowerCase() === me.toLowerCase()) continue;
      seen.add(t.name);
      const post = this.toPost(t);
      events.push({
        type,
        platform: this.platform,
        account: this.account,
        post,
        actor: t.author,
        cursor: `rd:${JSON.stringify(pos)}`,
      });
    }
    return { events, cursor: `rd:${JSON.stringify(pos)}` };
  }

  async send(d: PostDraft, _intent: SendIntent): Promise<PlatformPost> {
    if (d.replyTo != null) {
      if (!/^t[134]_[a-z0-9]+$/.test(d.replyTo))
        throw new PlatformRefusal(
          'replyTo',
          `a Reddit reply answers a fullname (t1_…, t3_… or t4_…), got '${d.replyTo}'`,
        );
      const data = await this.write('/api/comment', { thing_id: d.replyTo, text: d.text });
      return this.toPost(data.things![0]!.data);
    }
    const sr = this.creds.subreddit;
    if (!sr)
      throw new PlatformRefusal(
        'replyTo',
        'a Reddit post goes to a subreddit: reply to something, or give the account one ("subreddit": "name" in its credentials file)',
      );
    const title = [...(d.text.split('\n')[0] ?? '')].slice(0, 300).join('') || d.text.slice(0, 300);
    const data = await this.write('/api/submit', { kind: 'self', sr, title, text: d.text });
    return {
      id: String(data.name),
      author: await this.self(),
      text: d.text,
      replyTo: null,
      createdAt: this.deps.now(),
      account: this.account,
      ...(data.url ? { url: String(data.url) } : {}),
      extra: { subreddit: sr, kind: 't3' },
    };
  }

  /** Changes the text of one of the account's comments or self posts. */
  async edit(id: string, text: string): Promise<PlatformPost> {
    const data = await this.write('/api/editusertext', { thing_id: id, text });
    return this.toPost(data.things![0]!.data);
  }

  async findSent(intent: SendIntent): Promise<PlatformPost | null> {
    const me = await this.self();
    for (const [where, parentOf] of [
      ['comments', (t: Thing) => t.parent_id ?? null],
      ['submitted', () => null],
    ] as const) {
      const list = (await this.call('GET', `/user/${me}/${where}?limit=${RECENT}&raw_json=1`)).json<Listing>();
      for (const { data: t } of list.data.children) {
        if (t.created_utc * 1000 < intent.createdAt - CLOCK_SKEW_MS) continue;
        if (contentHash(this.platform, parentOf(t), t.body ?? t.selftext ?? '') === intent.hash) return this.toPost(t);
      }
    }
    return null;
  }
}

export const redditPlatform: PlatformDefinition = {
  name: 'reddit',
  summary:
    'a Reddit account: --instance https://www.reddit.com, credentials { clientId, clientSecret?, username + password | refreshToken, subreddits?, subreddit?, userAgent? }',
  instance: 'required',
  credentials: ['clientId'],
  optionalCredentials: ['clientSecret', 'username', 'password', 'refreshToken', 'subreddits', 'subreddit', 'userAgent'],
  // Reddit's Data API terms: 100 queries a minute per OAuth client, averaged over 10 minutes.
  budgets: { account: { count: 100, intervalMs: 60_000 } },
  signal: (res, now) => redditSignal(res, now),
  connect: (a, deps) => new RedditConnector(a.name, endpoints(a.instance!), a.credentials, deps),
};
