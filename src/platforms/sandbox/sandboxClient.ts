import type { SandboxPost } from '../../types.js';
import type { PlatformClient, PlatformEvent, PlatformPost, PollResult } from '../platformClient.js';
import type { Sandbox } from './sandbox.js';

export function toPlatformPost(p: SandboxPost): PlatformPost {
  return {
    id: String(p.id),
    author: p.author,
    text: p.text,
    replyTo: p.replyTo === null ? null : String(p.replyTo),
    createdAt: p.createdAt,
  };
}

/** Sandbox post ids are integers; anything else names no post. */
function postId(id: string): number {
  const n = Number(id);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`'${id}' is not a sandbox post id (a positive integer)`);
  return n;
}

/** One sandbox account as a platform client. The cursor is the id of the last post seen. */
export class SandboxClient implements PlatformClient {
  readonly platform = 'sandbox';

  constructor(
    private readonly sandbox: Sandbox,
    readonly account: string,
  ) {}

  async poll(cursor: string | null, limit: number): Promise<PollResult> {
    const after = cursor === null ? 0 : postId(cursor);
    const posts = await this.sandbox.store.postsAfter(after, limit);
    const events: PlatformEvent[] = [];
    for (const p of posts) {
      const type = await this.eventType(p);
      if (type) events.push({ type, platform: this.platform, post: toPlatformPost(p), cursor: String(p.id) });
    }
    return { events, cursor: posts.length > 0 ? String(posts.at(-1)!.id) : cursor };
  }

  /** What a post is to this account: its own posts and asks to others are nothing. */
  private async eventType(p: SandboxPost): Promise<PlatformEvent['type'] | null> {
    if (p.author === this.account) return null;
    if (p.type === 'ask') return p.recipient === this.account ? 'ask' : null;
    if (p.replyTo !== null && (await this.sandbox.store.getPost(p.replyTo))?.author === this.account) return 'reply';
    return p.mentions.includes(this.account) ? 'mention' : 'post';
  }

  async post(text: string, key: string): Promise<PlatformPost> {
    return toPlatformPost((await this.sandbox.post({ author: this.account, text, key })).post);
  }

  async reply(id: string, text: string, key: string): Promise<PlatformPost> {
    return toPlatformPost((await this.sandbox.post({ author: this.account, text, key, replyTo: postId(id) })).post);
  }

  async ask(to: string, text: string, key: string): Promise<PlatformPost> {
    return toPlatformPost((await this.sandbox.ask({ from: this.account, to, text, key })).post);
  }

  async like(id: string): Promise<void> {
    await this.sandbox.like(postId(id), this.account);
  }

  async findSent(key: string): Promise<PlatformPost | null> {
    const p = await this.sandbox.store.findByKey(this.account, key);
    return p ? toPlatformPost(p) : null;
  }

  async likesOf(ids: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const id of ids) out.set(id, (await this.sandbox.store.getPost(postId(id)))?.likes.length ?? 0);
    return out;
  }
}
