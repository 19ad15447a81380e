import {
  hashesInJson,
  parseCursor,
  toMeta,
  type ArtifactMeta,
  type ArtifactMetaStore,
  type ArtifactRow,
} from '../artifactMeta.js';
import type { SqliteCore } from './core.js';
import { prepareAll } from './prepareAll.js';

/** The SQL of the artifact metadata (SQLite migration 012). Each constant: its parameters, then what it returns. */
const SQL = {
  // (sha256, size, type, now, now) -> the row, new or with put_at refreshed
  record: `INSERT INTO artifacts (sha256, size, type, created_at, put_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (sha256) DO UPDATE SET put_at = excluded.put_at RETURNING *`,
  // (sha256) -> the row
  get: 'SELECT * FROM artifacts WHERE sha256 = ?',
  // (limit) -> rows, newest first
  list: 'SELECT * FROM artifacts ORDER BY created_at DESC, sha256 DESC LIMIT ?',
  // (createdAt, sha256, limit) -> rows after that cursor, newest first
  listBefore: `SELECT * FROM artifacts WHERE (created_at, sha256) < (?, ?)
    ORDER BY created_at DESC, sha256 DESC LIMIT ?`,
  // (sha256) -> changes 1 when deleted (its holds go with it)
  delete: 'DELETE FROM artifacts WHERE sha256 = ?',
  // (sha256, owner, now) -> nothing
  hold: 'INSERT INTO artifact_refs (sha256, owner, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  // (owner) -> changes: the holds dropped
  release: 'DELETE FROM artifact_refs WHERE owner = ?',
  // (sha256) -> { owner } of its holds
  holders: 'SELECT owner FROM artifact_refs WHERE sha256 = ? ORDER BY owner',
  // (before, limit) -> { sha256 } of unheld artifacts last uploaded before `before`, oldest first
  unheld: `SELECT sha256 FROM artifacts a WHERE put_at < ?
    AND NOT EXISTS (SELECT 1 FROM artifact_refs r WHERE r.sha256 = a.sha256) ORDER BY put_at LIMIT ?`,
  // () -> { doc }: each job input and task output that mentions an artifact
  referencing: `SELECT input AS doc FROM jobs WHERE instr(input, '"$artifact"') > 0
    UNION ALL SELECT output FROM tasks WHERE output IS NOT NULL AND instr(output, '"$artifact"') > 0`,
  // (sha256, before, sha256) -> changes 1 when deleted: still unheld and not uploaded since
  deleteUnheld: `DELETE FROM artifacts WHERE sha256 = ? AND put_at < ?
    AND NOT EXISTS (SELECT 1 FROM artifact_refs WHERE sha256 = ?)`,
} as const;

/** Artifact metadata on the SQLite connection of the main store; writes join its batched transactions. */
export class SqliteArtifactMeta implements ArtifactMetaStore {
  private readonly st: ReturnType<typeof prepareAll<typeof SQL>>;

  constructor(private readonly core: SqliteCore) {
    this.st = prepareAll(core.db, SQL);
  }

  record(item: { sha256: string; size: number; type: string }, now: number): Promise<ArtifactMeta> {
    return this.core.batch.run(() =>
      toMeta(this.st.record.get(item.sha256, item.size, item.type, now, now) as ArtifactRow),
    );
  }

  async get(sha256: string): Promise<ArtifactMeta | null> {
    const r = this.st.get.get(sha256) as ArtifactRow | undefined;
    return r ? toMeta(r) : null;
  }

  async list(limit: number, before: string | null): Promise<ArtifactMeta[]> {
    const c = parseCursor(before);
    const rows = c ? this.st.listBefore.all(c.createdAt, c.sha256, limit) : this.st.list.all(limit);
    return (rows as ArtifactRow[]).map(toMeta);
  }

  delete(sha256: string): Promise<boolean> {
    return this.core.batch.run(() => this.st.delete.run(sha256).changes > 0);
  }

  hold(sha256: string, owner: string, now: number): Promise<void> {
    return this.core.batch.run(() => void this.st.hold.run(sha256, owner, now));
  }

  release(owner: string): Promise<number> {
    return this.core.batch.run(() => this.st.release.run(owner).changes);
  }

  async holders(sha256: string): Promise<string[]> {
    return (this.st.holders.all(sha256) as Array<{ owner: string }>).map((r) => r.owner);
  }

  async unheld(before: number, limit: number): Promise<string[]> {
    return (this.st.unheld.all(before, limit) as Array<Pick<ArtifactRow, 'sha256'>>).map((r) => r.sha256);
  }

  async referencedByJobs(): Promise<Set<string>> {
    const found = new Set<string>();
    for (const r of this.st.referencing.iterate() as Iterable<{ doc: string }>)
      for (const h of hashesInJson(r.doc)) found.add(h);
    return found;
  }

  deleteUnheld(sha256: string, before: number): Promise<boolean> {
    return this.core.batch.run(() => this.st.deleteUnheld.run(sha256, before, sha256).changes > 0);
  }
}
