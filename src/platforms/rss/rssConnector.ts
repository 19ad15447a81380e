/**
 * RSS 2.0, Atom and RDF feeds, read only: an account is a feed URL (`--instance`), its events are
 * the feed's new items (`post`). Polls are conditional (ETag / Last-Modified: an unchanged feed
 * answers 304 and costs nothing), honour the feed's <ttl> and a Retry-After, and items are told
 * apart by guid (or id, or link) across restarts: the ids seen travel in the durable cursor.
 * Parsing is @rowanmanning/feed-parser's (RSS 0.9x/2.0, Atom 1.0, RDF; tolerant of real feeds);
 * fetching goes through the proxy like every platform call.
 */
import { createHash } from 'node:crypto';
import type { Capabilities, Connector, Identity, PlatformEvent, PollResult } from '../connector.js';
import { AuthError, PlatformRefusal } from '../errors.js';
import type { ConnectorDeps, PlatformDefinition } from '../platform.js';
import type { ProxyResponse } from '../proxy/platformProxy.js';

// Loaded at the first feed read: the parser and its XML and entity tables cost every hub about
// 1.5 MB, and only hubs with an RSS account use them.
let loading: Promise<typeof import('@rowanmanning/feed-parser')> | null = null;
const loadParser = () => (loading ??= import('@rowanmanning/feed-parser'));

/** Ids kept in the cursor: more than a feed lists, so an item that drops out and back is not new. */
const SEEN_KEPT = 500;

interface RssCursor {
  /** Short hashes of the item ids seen, oldest first. */
  seen: string[];
  etag?: string;
  lastModified?: string;
  /** Epoch ms before which the feed is not fetched again (<ttl>, Retry-After). */
  notBefore?: number;
}

const CAPABILITIES: Capabilities = {
  events: ['post'],
  post: false,
  reply: false,
  ask: false,
  like: false,
  boost: false,
  maxText: 0,
  maxImages: 0,
  maxImageBytes: 0,
  fields: [],
  visibilities: [],
};

const short = (id: string) => createHash('sha256').update(id).digest('hex').slice(0, 16);

function readCursor(cursor: string | null): RssCursor {
  if (cursor === null) return { seen: [] };
  const c = JSON.parse(cursor) as RssCursor;
  return { ...c, seen: Array.isArray(c.seen) ? c.seen : [] };
}

/** Text without markup, for a feed item's summary. */
function plain(html: string | null): string {
  return (html ?? '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export class RssConnector implements Connector {
  readonly platform = 'rss';
  readonly capabilities = CAPABILITIES;

  constructor(
    readonly account: string,
    private readonly url: string,
    private readonly deps: ConnectorDeps,
  ) {}

  private async fetch(c: RssCursor): Promise<ProxyResponse> {
    const headers: Record<string, string> = {
      accept: 'application/rss+xml, application/atom+xml, application/xml, text/xml',
    };
    if (c.etag) headers['if-none-match'] = c.etag;
    if (c.lastModified) headers['if-modified-since'] = c.lastModified;
    const res = await this.deps.channel.fetch({ method: 'GET', url: this.url, headers, label: 'GET feed' });
    if (res.status === 304 || (res.status >= 200 && res.status < 300)) return res;
    if ([401, 403, 404, 410].includes(res.status))
      throw new AuthError(
        this.account,
        `the feed ${this.url} answers HTTP ${res.status}; check its URL (roost account test)`,
      );
    throw new Error(`the feed ${this.url} answered HTTP ${res.status}`);
  }

  private async parse(res: ProxyResponse) {
    const { parseFeed } = await loadParser();
    try {
      return parseFeed(res.text);
    } catch (e) {
      throw new PlatformRefusal('instance', `${this.url} is not an RSS or Atom feed: ${(e as Error).message}`);
    }
  }

  async whoami(): Promise<Identity> {
    const feed = await this.parse(await this.fetch({ seen: [] }));
    return { id: this.url, handle: feed.title ?? this.url, url: feed.url ?? this.url, can: ['read'] };
  }

  async poll(cursor: string | null, limit: number): Promise<PollResult> {
    const c = readCursor(cursor);
    const now = this.deps.now();
    if (c.notBefore && now < c.notBefore) return { events: [], cursor };
    const res = await this.fetch(c);
    const etag = res.headers.get('etag') ?? undefined;
    const lastModified = res.headers.get('last-modified') ?? undefined;
    if (res.status === 304) return { events: [], cursor: JSON.stringify({ ...c, notBefore: undefined }) };
    const feed = await this.parse(res);
    const ttl = Number(
      (feed.element.findElementWithName('channel') ?? feed.element).findElementWithName('ttl')?.textContent,
    );
    const notBefore = Number.isFinite(ttl) && ttl > 0 ? now + ttl * 60_000 : undefined;
    const seen = [...c.seen];
    const known = new Set(seen);
    const events: PlatformEvent[] = [];
    // Feeds list the newest first; events go oldest first.
    const fresh = feed.items
      .map((item) => ({ item, id: item.id ?? item.url ?? item.title ?? '' }))
      .filter(({ id }) => id !== '' && !known.has(short(id)))
      .reverse();
    for (const { item, id } of fresh.slice(0, limit)) {
      seen.push(short(id));
      const published = item.published ?? item.updated;
      events.push({
        type: 'post',
        platform: this.platform,
        account: this.account,
        post: {
          id,
          author: item.authors[0]?.name ?? feed.title ?? this.url,
          text: item.title ?? plain(item.description ?? item.content),
          replyTo: null,
          createdAt: published ? published.getTime() : now,
          account: this.account,
          ...(item.url ? { url: item.url } : {}),
          extra: {
            feed: feed.title,
            title: item.title,
            summary: plain(item.description ?? item.content).slice(0, 2000),
            tags: item.categories.map((k) => k.label ?? k.term),
          },
        },
        cursor: JSON.stringify({ ...c, seen: seen.slice(-SEEN_KEPT) }),
      });
    }
    // The validators and the wait are kept only once every new item has been handed out:
    // otherwise the next poll would get a 304 and miss the rest.
    const whole = fresh.length <= limit;
    const next: RssCursor = whole
      ? { seen: seen.slice(-SEEN_KEPT), etag, lastModified, notBefore }
      : { seen: seen.slice(-SEEN_KEPT) };
    return { events, cursor: JSON.stringify(next) };
  }

  send(): Promise<never> {
    return Promise.reject(new PlatformRefusal('post', 'an RSS feed is read only; post with another account'));
  }

  findSent(): Promise<null> {
    return Promise.resolve(null);
  }
}

export const rssPlatform: PlatformDefinition = {
  name: 'rss',
  summary: 'an RSS or Atom feed, read only: --instance is the feed URL',
  instance: 'required',
  credentials: [],
  connect: (a, deps) => new RssConnector(a.name, a.instance!, deps),
};
