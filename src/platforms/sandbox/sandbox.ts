import { EventEmitter } from 'node:events';
import { InputError, NotFoundError } from '../../errors.js';
import type { SandboxStore } from '../../store/botStore.js';
import type { SandboxPost } from '../../types.js';

export const ACCOUNT_PATTERN = '^[a-z0-9_-]{1,32}$';
const ACCOUNT = new RegExp(ACCOUNT_PATTERN);
const MENTION = /(?:^|[^a-z0-9_-])@([a-z0-9_-]{1,32})/gi;
export const MAX_TEXT = 5000;

export function mentionsIn(text: string): string[] {
  return [...new Set([...text.matchAll(MENTION)].map((m) => m[1]!.toLowerCase()))];
}

function checkAccount(field: string, name: string): void {
  if (!ACCOUNT.test(name))
    throw new InputError(
      field,
      `${field} must be an account name of 1 to 32 lower-case letters, digits, '_' or '-', got '${name}'`,
    );
}

function checkText(text: string): void {
  // NUL: PostgreSQL text cannot hold it; refused on every store alike.
  if (text.trim() === '' || text.length > MAX_TEXT || text.includes('\u0000')) {
    throw new InputError('text', `text must be 1 to ${MAX_TEXT} characters, not blank, with no NUL character`);
  }
}

/**
 * The platform built into the hub: anyone may post as any account, which is what a playground
 * for bots needs. Every new post is announced on `posts` so bots reading it wake at once.
 */
export class Sandbox {
  /** Emits 'post' with each SandboxPost once it is committed. */
  readonly posts = new EventEmitter();

  constructor(
    readonly store: SandboxStore,
    private readonly now: () => number = Date.now,
  ) {
    this.posts.setMaxListeners(0);
  }

  /** A key the author used before answers that post, `created: false`, and posts nothing. */
  async post(p: {
    author: string;
    text: string;
    replyTo?: number | null;
    key?: string | null;
  }): Promise<{ post: SandboxPost; created: boolean }> {
    checkAccount('author', p.author);
    checkText(p.text);
    if (p.replyTo != null && !(await this.store.getPost(p.replyTo)))
      throw new NotFoundError(`no sandbox post ${p.replyTo} to reply to`);
    return this.insert({
      type: 'post',
      author: p.author,
      recipient: null,
      replyTo: p.replyTo ?? null,
      text: p.text,
      key: p.key ?? null,
    });
  }

  /** As post(): at most once per key of the asker. */
  async ask(p: {
    from: string;
    to: string;
    text: string;
    key?: string | null;
  }): Promise<{ post: SandboxPost; created: boolean }> {
    checkAccount('from', p.from);
    checkAccount('to', p.to);
    checkText(p.text);
    return this.insert({
      type: 'ask',
      author: p.from,
      recipient: p.to,
      replyTo: null,
      text: p.text,
      key: p.key ?? null,
    });
  }

  async like(postId: number, account: string): Promise<boolean> {
    checkAccount('account', account);
    if (!(await this.store.getPost(postId))) throw new NotFoundError(`no sandbox post ${postId}`);
    return this.store.like(postId, account, this.now());
  }

  async get(postId: number): Promise<SandboxPost> {
    const post = await this.store.getPost(postId);
    if (!post) throw new NotFoundError(`no sandbox post ${postId}`);
    return post;
  }

  private async insert(
    p: Omit<SandboxPost, 'id' | 'mentions' | 'likes' | 'createdAt'>,
  ): Promise<{ post: SandboxPost; created: boolean }> {
    const inserted = await this.store.insertPost({ ...p, mentions: mentionsIn(p.text), createdAt: this.now() });
    if (inserted.created) this.posts.emit('post', inserted.post);
    return inserted;
  }
}
