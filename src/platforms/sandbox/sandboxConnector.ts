import type { SandboxPost } from '../../types.js';
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
import type { PlatformDefinition } from '../platform.js';
import type { AccountChannel } from '../proxy/platformProxy.js';
import { MAX_TEXT, type Sandbox } from './sandbox.js';

export function toPlatformPost(p: SandboxPost, account?: string): PlatformPost {
  return {
    id: String(p.id),
    author: p.author,
    text: p.text,
    replyTo: p.replyTo === null ? null : String(p.replyTo),
    createdAt: p.createdAt,
    ...(account === undefined ? {} : { account }),
  };
}

/** Sandbox post ids are integers; anything else names no post. */
function postId(id: string): number {
  const n = Number(id);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`'${id}' is not a sandbox post id (a positive integer)`);
  return n;
}

/** What a post is to this account: its own posts and asks to others are nothing. */
async function eventType(sandbox: Sandbox, account: string, p: SandboxPost): Promise<EventType | null> {
  if (p.author === account) return null;
  if (p.type === 'ask') return p.recipient === account ? 'ask' : null;
  if (p.replyTo !== null && (await sandbox.store.getPost(p.replyTo))?.author === account) return 'reply';
  return p.mentions.includes(account) ? 'mention' : 'post';
}

/** An account's events after a cursor (the id of the last post seen): for bots here and over HTTP. */
export async function sandboxEvents(
  sandbox: Sandbox,
  account: string,
  cursor: string | null,
  limit: number,
): Promise<PollResult> {
  const after = cursor === null ? 0 : postId(cursor);
  const posts = await sandbox.store.postsAfter(after, limit);
  const events: PlatformEvent[] = [];
  for (const p of posts) {
    const type = await eventType(sandbox, account, p);
    if (type)
      events.push({ type, platform: 'sandbox', account, post: toPlatformPost(p, account), cursor: String(p.id) });
  }
  return { events, cursor: posts.length > 0 ? String(posts.at(-1)!.id) : cursor };
}

const CAPABILITIES: Capabilities = {
  events: ['ask', 'mention', 'reply', 'post'],
  post: true,
  reply: true,
  ask: true,
  like: true,
  boost: false,
  maxText: MAX_TEXT,
  maxImages: 0,
  maxImageBytes: 0,
  fields: ['mentions', 'tags'],
  visibilities: ['public'],
};

/** Mentions and tags the text lacks, written into it as the sandbox reads them. */
function render(d: PostDraft): string {
  const missing = (d.mentions ?? []).filter((m) => !new RegExp(`@${m}\\b`, 'i').test(d.text));
  const tags = (d.tags ?? []).map((t) => `#${t.replace(/^#/, '')}`).filter((t) => !d.text.includes(t));
  return [missing.map((m) => `@${m}`).join(' '), d.text, tags.join(' ')].filter(Boolean).join(' ');
}

/** One sandbox account. The sandbox keeps each post's idempotency key, so a send is found by it. */
export class SandboxConnector implements Connector {
  readonly platform = 'sandbox';
  readonly capabilities = CAPABILITIES;

  constructor(
    private readonly sandbox: Sandbox,
    readonly account: string,
    private readonly channel: AccountChannel,
  ) {}

  whoami(): Promise<Identity> {
    return Promise.resolve({ id: this.account, handle: `@${this.account}`, can: ['read', 'post', 'ask', 'like'] });
  }

  poll(cursor: string | null, limit: number): Promise<PollResult> {
    return this.channel.call('poll', () => sandboxEvents(this.sandbox, this.account, cursor, limit));
  }

  send(d: PostDraft, intent: SendIntent): Promise<PlatformPost> {
    return this.channel.call(d.replyTo ? 'reply' : 'post', async () =>
      toPlatformPost(
        (
          await this.sandbox.post({
            author: this.account,
            text: render(d),
            key: intent.key,
            replyTo: d.replyTo ? postId(d.replyTo) : null,
          })
        ).post,
        this.account,
      ),
    );
  }

  ask(to: string, d: PostDraft, intent: SendIntent): Promise<PlatformPost> {
    return this.channel.call('ask', async () =>
      toPlatformPost(
        (await this.sandbox.ask({ from: this.account, to, text: render(d), key: intent.key })).post,
        this.account,
      ),
    );
  }

  like(id: string): Promise<void> {
    return this.channel.call('like', async () => void (await this.sandbox.like(postId(id), this.account)));
  }

  findSent(intent: SendIntent): Promise<PlatformPost | null> {
    return this.channel.call('findSent', async () => {
      const p = await this.sandbox.store.findByKey(this.account, intent.key);
      return p ? toPlatformPost(p, this.account) : null;
    });
  }

  likesOf(ids: string[]): Promise<Map<string, number>> {
    return this.channel.call('likesOf', async () => {
      const out = new Map<string, number>();
      for (const id of ids) out.set(id, (await this.sandbox.store.getPost(postId(id)))?.likes.length ?? 0);
      return out;
    });
  }
}

export const sandboxPlatform: PlatformDefinition = {
  name: 'sandbox',
  summary: 'the platform built into the hub: any account name is an account, no credentials',
  instance: 'none',
  credentials: [],
  implicit: true,
  connect: (a, deps) => new SandboxConnector(deps.sandbox, a.name, deps.channel),
};
