import type { SandboxPost } from '../../types.js';
import { toSandboxPosts, type PostAccountRow, type SandboxPostRow } from '../botRows.js';
import type { NewSandboxPost, SandboxStore } from '../botStore.js';
import type { PgCore, Query } from './core.js';

/** The sandbox platform on the pool of the main PostgreSQL store. */
export class PgSandboxStore implements SandboxStore {
  constructor(private readonly core: PgCore) {}

  /** Rows to posts, with their mentions and likes read in two statements for the whole page. */
  private async toPosts(rows: SandboxPostRow[], q: Query = this.core.q): Promise<SandboxPost[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [mentions, likes] = [await q<PostAccountRow>('mentionsOf', [ids]), await q<PostAccountRow>('likesOf', [ids])];
    return toSandboxPosts(rows, mentions.rows, likes.rows);
  }

  private async one(rows: SandboxPostRow[]): Promise<SandboxPost | null> {
    return rows.length === 0 ? null : (await this.toPosts(rows))[0]!;
  }

  async ensureAccount(name: string, now: number): Promise<boolean> {
    return ((await this.core.q('ensureAccounts', [[name], now])).rowCount ?? 0) > 0;
  }

  async listAccounts(): Promise<string[]> {
    return (await this.core.q<{ name: string }>('accounts')).rows.map((r) => r.name);
  }

  insertPost(post: NewSandboxPost): Promise<{ post: SandboxPost; created: boolean }> {
    return this.core.tx(async (q) => {
      // Every insert holds this lock, so no post with the key can land between the look-up and the insert.
      await q('lockPosts');
      if (post.key !== null) {
        const earlier = (await q<SandboxPostRow>('postByKey', [post.author, post.key])).rows;
        if (earlier.length > 0) return { post: (await this.toPosts(earlier, q))[0]!, created: false };
      }
      await q('ensureAccounts', [[post.author, post.recipient].filter((a) => a !== null), post.createdAt]);
      const { rows } = await q<SandboxPostRow>('insertPost', [
        post.type,
        post.author,
        post.recipient,
        post.replyTo,
        post.text,
        post.key,
        post.createdAt,
      ]);
      if (post.mentions.length > 0) await q('insertMentions', [rows[0]!.id, post.mentions]);
      return { post: (await this.toPosts(rows, q))[0]!, created: true };
    });
  }

  async getPost(id: number): Promise<SandboxPost | null> {
    return this.one((await this.core.q<SandboxPostRow>('post', [id])).rows);
  }

  async postsAfter(afterId: number, limit: number): Promise<SandboxPost[]> {
    return this.toPosts((await this.core.q<SandboxPostRow>('postsAfter', [afterId, limit])).rows);
  }

  async timeline(beforeId: number | null, limit: number): Promise<SandboxPost[]> {
    return this.toPosts(
      (await this.core.q<SandboxPostRow>('timeline', [beforeId ?? Number.MAX_SAFE_INTEGER, limit])).rows,
    );
  }

  async findByKey(author: string, key: string): Promise<SandboxPost | null> {
    return this.one((await this.core.q<SandboxPostRow>('postByKey', [author, key])).rows);
  }

  like(postId: number, account: string, now: number): Promise<boolean> {
    return this.core.tx(async (q) => {
      await q('ensureAccounts', [[account], now]);
      return ((await q('like', [postId, account, now])).rowCount ?? 0) > 0;
    });
  }
}
