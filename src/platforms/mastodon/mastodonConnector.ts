/**
 * Mastodon (and servers speaking its API: GoToSocial, Pleroma, Akkoma) over its documented REST
 * API (docs.joinmastodon.org/methods/). Plain HTTP rather than `masto`: every request must go
 * through the proxy, which paces on the X-RateLimit-* headers, retries and records each call, and
 * the connector must set Idempotency-Key per post; masto owns its own fetch, retries and timeouts
 * and does not hand back response headers, so it would hide exactly what the proxy needs.
 *
 * Events come from notifications (mention, favourite, reblog, status), oldest first after the
 * cursor (a notification id). At most once: a post carries Idempotency-Key (the server answers a
 * repeat within an hour with the first status), and after a crash findSent reads the account's
 * recent statuses and compares each one's source text with the ledger's content hash.
 */
import {
  contentHash,
  type Capabilities,
  type Connector,
  type EventType,
  type Identity,
  type ImageInput,
  type PlatformEvent,
  type PlatformPost,
  type PollResult,
  type PostDraft,
  type SendIntent,
  type Visibility,
} from '../connector.js';
import { readImage, renderText } from '../draft.js';
import { AuthError, PlatformRefusal } from '../errors.js';
import type { ConnectorDeps, PlatformDefinition } from '../platform.js';
import type { ProxyResponse } from '../proxy/platformProxy.js';
import { compareIds, textOf, unrender, type Account, type Notification, type Status } from './mastodonStatus.js';

const VISIBILITY: Record<Visibility, string> = {
  public: 'public',
  unlisted: 'unlisted',
  followers: 'private',
  direct: 'direct',
};

/** How far back findSent looks for a post made after its intent (server clocks differ). */
const CLOCK_SKEW_MS = 60_000;
const RECENT_STATUSES = 40;
/** A media upload answered 202 is polled until processed, this often, this many times. */
const MEDIA_POLL_MS = 500;
const MEDIA_POLLS = 20;

export class MastodonConnector implements Connector {
  readonly platform = 'mastodon';
  readonly capabilities: Capabilities = {
    events: ['mention', 'reply', 'message', 'like', 'boost', 'post'],
    post: true,
    reply: true,
    ask: false,
    like: true,
    boost: true,
    maxText: 500,
    maxImages: 4,
    maxImageBytes: 16 * 1024 * 1024,
    fields: ['mentions', 'tags', 'images', 'contentWarning', 'sensitive', 'language', 'visibility'],
    visibilities: ['public', 'unlisted', 'followers', 'direct'],
  };
  private me: Account | null = null;

  constructor(
    readonly account: string,
    private readonly instance: string,
    private readonly token: string,
    private readonly deps: ConnectorDeps,
  ) {}

  private async api(
    method: string,
    path: string,
    body?: FormData | URLSearchParams,
    headers: Record<string, string> = {},
  ): Promise<ProxyResponse> {
    const res = await this.deps.channel.fetch({
      method,
      url: `${this.instance}${path}`,
      headers: { authorization: `Bearer ${this.token}`, accept: 'application/json', ...headers },
      body: body instanceof URLSearchParams ? body.toString() : body,
      label: `${method} ${path.replace(/\?.*$/, '').replace(/\/\d+(?=\/|$)/g, '/:id')}`,
    });
    if (res.status === 401 || res.status === 403)
      throw new AuthError(this.account, `${this.instance} refused the token: ${this.error(res)}`);
    if (res.status === 422 || res.status === 413)
      throw new PlatformRefusal('post', `${this.instance} refused it: ${this.error(res)}`);
    if (res.status >= 400)
      throw new Error(`${this.instance} answered ${method} ${path} with HTTP ${res.status}: ${this.error(res)}`);
    return res;
  }

  private error(res: ProxyResponse): string {
    try {
      return String(res.json<{ error?: string }>().error ?? res.text.slice(0, 200));
    } catch {
      return res.text.slice(0, 200);
    }
  }

  private form(fields: Record<string, string | string[] | undefined>): URLSearchParams {
    const f = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) f.append(Array.isArray(v) ? `${k}[]` : k, one);
    }
    return f;
  }

  private async self(): Promise<Account> {
    return (this.me ??= (await this.api('GET', '/api/v1/accounts/verify_credentials')).json<Account>());
  }

  async whoami(): Promise<Identity> {
    const me = await this.self();
    // The instance's own limits, where it says them (Mastodon 4+).
    const instance = await this.api('GET', '/api/v2/instance').then(
      (r) => r.json<{ configuration?: { statuses?: { max_characters?: number; max_media_attachments?: number } } }>(),
      () => null,
    );
    const statuses = instance?.configuration?.statuses;
    if (statuses?.max_characters) this.capabilities.maxText = statuses.max_characters;
    if (statuses?.max_media_attachments) this.capabilities.maxImages = statuses.max_media_attachments;
    return {
      id: me.id,
      handle: `@${me.acct}`,
      displayName: me.display_name || undefined,
      url: me.url,
      can: ['read:notifications', 'write:statuses', 'write:media', 'write:favourites'],
    };
  }

  private toPost(s: Status): PlatformPost {
    return {
      id: s.id,
      author: s.account.acct,
      text: textOf(s.content),
      replyTo: s.in_reply_to_id,
      createdAt: Date.parse(s.created_at),
      account: this.account,
      ...(s.url ? { url: s.url } : {}),
      extra: { visibility: s.visibility, tags: (s.tags ?? []).map((t) => t.name) },
    };
  }

  private eventType(n: Notification, me: Account): EventType | null {
    if (n.type === 'favourite') return 'like';
    if (n.type === 'reblog') return 'boost';
    if (n.type === 'status') return 'post';
    if (n.type !== 'mention' || !n.status) return null;
    if (n.status.visibility === 'direct') return 'message';
    return n.status.in_reply_to_account_id === me.id ? 'reply' : 'mention';
  }

  /** Null cursor: from the newest notification on (a new bot does not answer the account's history). */
  async poll(cursor: string | null, limit: number): Promise<PollResult> {
    const me = await this.self();
    const page = Math.min(limit, 80);
    if (cursor === null) {
      const [newest] = (await this.api('GET', '/api/v1/notifications?limit=1')).json<Notification[]>();
      return { events: [], cursor: newest?.id ?? '0' };
    }
    // min_id: the page right after the cursor; Mastodon lists it newest first.
    const list = (
      await this.api('GET', `/api/v1/notifications?min_id=${encodeURIComponent(cursor)}&limit=${page}`)
    ).json<Notification[]>();
    const events: PlatformEvent[] = [];
    const ordered = [...list].sort((a, b) => compareIds(a.id, b.id));
    for (const n of ordered) {
      const type = this.eventType(n, me);
      if (!type || !n.status) continue;
      events.push({
        type,
        platform: this.platform,
        account: this.account,
        post: this.toPost(n.status),
        actor: n.account.acct,
        cursor: n.id,
      });
    }
    return { events, cursor: ordered.at(-1)?.id ?? cursor };
  }

  private async upload(img: ImageInput): Promise<string> {
    const { bytes, mime, name } = await readImage(
      'Mastodon',
      img,
      this.capabilities.maxImageBytes,
      'application/octet-stream',
    );
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: mime }), name);
    if (img.alt) form.append('description', img.alt);
    const res = await this.api('POST', '/api/v2/media', form);
    const media = res.json<{ id: string; url: string | null }>();
    // 202: still processing; a status may attach it only once it has a URL.
    for (let i = 0; res.status === 202 && i < MEDIA_POLLS; i++) {
      await new Promise((r) => setTimeout(r, MEDIA_POLL_MS));
      const done = await this.api('GET', `/api/v1/media/${media.id}`);
      if (done.status === 200 && done.json<{ url: string | null }>().url) break;
    }
    return media.id;
  }

  async send(d: PostDraft, intent: SendIntent): Promise<PlatformPost> {
    const mediaIds: string[] = [];
    for (const img of d.images ?? []) mediaIds.push(await this.upload(img));
    const body = this.form({
      status: renderText(d),
      in_reply_to_id: d.replyTo ?? undefined,
      spoiler_text: d.contentWarning ?? undefined,
      sensitive: d.sensitive || d.contentWarning ? 'true' : undefined,
      language: d.language ?? undefined,
      visibility: d.visibility ? VISIBILITY[d.visibility] : undefined,
      media_ids: mediaIds.length ? mediaIds : undefined,
    });
    const res = await this.api('POST', '/api/v1/statuses', body, {
      'content-type': 'application/x-www-form-urlencoded',
      'idempotency-key': intent.idempotencyKey,
    });
    return this.toPost(res.json<Status>());
  }

  async findSent(intent: SendIntent): Promise<PlatformPost | null> {
    const me = await this.self();
    const recent = (
      await this.api('GET', `/api/v1/accounts/${me.id}/statuses?limit=${RECENT_STATUSES}&exclude_reblogs=true`)
    ).json<Status[]>();
    for (const s of recent) {
      if (Date.parse(s.created_at) < intent.createdAt - CLOCK_SKEW_MS) continue;
      const source = (await this.api('GET', `/api/v1/statuses/${s.id}/source`)).json<{ text: string }>().text;
      for (const text of new Set([source, unrender(source)]))
        if (contentHash(this.platform, s.in_reply_to_id, text) === intent.hash) return this.toPost(s);
    }
    return null;
  }

  async like(id: string): Promise<void> {
    await this.api('POST', `/api/v1/statuses/${encodeURIComponent(id)}/favourite`);
  }

  async boost(id: string): Promise<void> {
    await this.api('POST', `/api/v1/statuses/${encodeURIComponent(id)}/reblog`);
  }

  async likesOf(ids: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const id of ids) {
      const s = (await this.api('GET', `/api/v1/statuses/${encodeURIComponent(id)}`)).json<{
        favourites_count: number;
      }>();
      out.set(id, s.favourites_count);
    }
    return out;
  }
}

export const mastodonPlatform: PlatformDefinition = {
  name: 'mastodon',
  summary: 'a Mastodon account (or GoToSocial, Pleroma): --instance https://SERVER, credentials { accessToken }',
  instance: 'required',
  credentials: ['accessToken'],
  connect: (a, deps) => new MastodonConnector(a.name, a.instance!, a.credentials.accessToken!, deps),
};
