import type { SandboxPost } from '../../types.js';
import { toSandboxPosts, type PostAccountRow, type SandboxPostRow } from '../botRows.js';
import type { NewSandboxPost, SandboxStore } from '../botStore.js';
import type { TxBatcher } from './txBatcher.js';
import type { SqliteCore } from './core.js';
import { prepareSandboxStatements, type SandboxStatements } from './sandboxStatements.js';

/** The sandbox platform on the SQLite connection of the main store. */
export class SqliteSandboxStore implements SandboxStore {
  private readonly st: SandboxStatements;
  private readonly batch: TxBatcher;

  constructor(core: SqliteCore) {
    this.st = prepareSandboxStatements(core.db);
    this.batch = core.batch;
  }

  /** Rows to posts, with their mentions and likes read in two statements for the whole page. */
  private toPosts(rows: SandboxPostRow[]): SandboxPost[] {
    const ids = JSON.stringify(rows.map((r) => r.id));
    return toSandboxPosts(
      rows,
      this.st.MENTIONS_OF.all(ids) as PostAccountRow[],
      this.st.LIKES_OF.all(ids) as PostAccountRow[],
    );
  }

  ensureAccount(name: string, now: number): Promise<boolean> {
    return this.batch.run(() => this.st.ENSURE_ACCOUNT.run(name, now).changes > 0);
  }

  async listAccounts(): Promise<string[]> {
    return (this.st.ACCOUNTS.all() as Array<{ name: string }>).map((r) => r.name);
  }

  insertPost(post: NewSandboxPost): Promise<{ post: SandboxPost; created: boolean }> {
    return this.batch.run(() => {
      // The batcher is the only writer, so nothing can come between this read and the insert.
      const earlier =
        post.key === null ? undefined : (this.st.POST_BY_KEY.get(post.author, post.key) as SandboxPostRow | undefined);
      if (earlier) return { post: this.toPosts([earlier])[0]!, created: false };
      this.st.ENSURE_ACCOUNT.run(post.author, post.createdAt);
      if (post.recipient !== null) this.st.ENSURE_ACCOUNT.run(post.recipient, post.createdAt);
      const { id } = this.st.INSERT_POST.get(post) as Pick<SandboxPostRow, 'id'>;
      for (const account of post.mentions) this.st.INSERT_MENTION.run(id, account);
      return { post: this.toPosts([this.st.POST.get(id) as SandboxPostRow])[0]!, created: true };
    });
  }

  async getPost(id: number): Promise<SandboxPost | null> {
    const r = this.st.POST.get(id) as SandboxPostRow | undefined;
    return r ? this.toPosts([r])[0]! : null;
  }

  async postsAfter(afterId: number, limit: number): Promise<SandboxPost[]> {
    return this.toPosts(this.st.POSTS_AFTER.all(afterId, limit) as SandboxPostRow[]);
  }

  async timeline(beforeId: number | null, limit: number): Promise<SandboxPost[]> {
    return this.toPosts(this.st.TIMELINE.all(beforeId ?? Number.MAX_SAFE_INTEGER, limit) as SandboxPostRow[]);
  }

  async findByKey(author: string, key: string): Promise<SandboxPost | null> {
    const r = this.st.POST_BY_KEY.get(author, key) as SandboxPostRow | undefined;
    return r ? this.toPosts([r])[0]! : null;
  }

  like(postId: number, account: string, now: number): Promise<boolean> {
    return this.batch.run(() => {
      this.st.ENSURE_ACCOUNT.run(account, now);
      return this.st.LIKE.run(postId, account, now).changes > 0;
    });
  }
}
