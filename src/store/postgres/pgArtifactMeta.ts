import type pg from 'pg';
import {
  hashesInJson,
  parseCursor,
  toMeta,
  type ArtifactMeta,
  type ArtifactMetaStore,
  type ArtifactRow,
} from '../artifactMeta.js';
import type { PgCore } from './core.js';

/** The SQL of the artifact metadata (PostgreSQL migration 011). Each constant: its parameters, then what it returns. */
const SQL = {
  // ($1 sha256, $2 size, $3 type, $4 now) -> the row, new or with put_at refreshed
  record: `INSERT INTO artifacts (sha256, size, type, created_at, put_at) VALUES ($1, $2, $3, $4, $4)
    ON CONFLICT (sha256) DO UPDATE SET put_at = excluded.put_at RETURNING *`,
  // ($1 sha256) -> the row
  get: 'SELECT * FROM artifacts WHERE sha256 = $1',
  // ($1 limit) -> rows, newest first
  list: 'SELECT * FROM artifacts ORDER BY created_at DESC, sha256 COLLATE "C" DESC LIMIT $1',
  // ($1 createdAt, $2 sha256, $3 limit) -> rows after that cursor, newest first
  listBefore: `SELECT * FROM artifacts WHERE created_at < $1 OR (created_at = $1 AND sha256 COLLATE "C" < $2)
    ORDER BY created_at DESC, sha256 COLLATE "C" DESC LIMIT $3`,
  // ($1 sha256) -> rowCount 1 when deleted (its holds go with it)
  delete: 'DELETE FROM artifacts WHERE sha256 = $1',
  // ($1 sha256, $2 owner, $3 now) -> nothing
  hold: 'INSERT INTO artifact_refs (sha256, owner, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
  // ($1 owner) -> rowCount: the holds dropped
  release: 'DELETE FROM artifact_refs WHERE owner = $1',
  // ($1 sha256) -> { owner } of its holds
  holders: 'SELECT owner FROM artifact_refs WHERE sha256 = $1 ORDER BY owner COLLATE "C"',
  // ($1 before, $2 limit) -> { sha256 } of unheld artifacts last uploaded before `before`, oldest first
  unheld: `SELECT sha256 FROM artifacts a WHERE put_at < $1
    AND NOT EXISTS (SELECT 1 FROM artifact_refs r WHERE r.sha256 = a.sha256) ORDER BY put_at LIMIT $2`,
  // () -> { doc }: each job input and task output that mentions an artifact
  referencing: `SELECT input AS doc FROM jobs WHERE strpos(input, '"$artifact"') > 0
    UNION ALL SELECT output FROM tasks WHERE output IS NOT NULL AND strpos(output, '"$artifact"') > 0`,
  // ($1 sha256, $2 before) -> rowCount 1 when deleted: still unheld and not uploaded since
  deleteUnheld: `DELETE FROM artifacts WHERE sha256 = $1 AND put_at < $2
    AND NOT EXISTS (SELECT 1 FROM artifact_refs WHERE sha256 = $1)`,
} as const;

/** Artifact metadata on the pool of the main PostgreSQL store; each call is one statement, committed. */
export class PgArtifactMeta implements ArtifactMetaStore {
  constructor(private readonly core: PgCore) {}

  /** One statement; `R` is the shape of its rows, as its header says. */
  private q<R extends pg.QueryResultRow = Record<string, unknown>>(
    name: keyof typeof SQL,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    return this.core.pool.query<R>({ name: `artifacts.${name}`, text: SQL[name], values });
  }

  async record(item: { sha256: string; size: number; type: string }, now: number): Promise<ArtifactMeta> {
    return toMeta((await this.q<ArtifactRow>('record', [item.sha256, item.size, item.type, now])).rows[0]!);
  }

  async get(sha256: string): Promise<ArtifactMeta | null> {
    const r = (await this.q<ArtifactRow>('get', [sha256])).rows[0];
    return r ? toMeta(r) : null;
  }

  async list(limit: number, before: string | null): Promise<ArtifactMeta[]> {
    const c = parseCursor(before);
    const res = c
      ? await this.q<ArtifactRow>('listBefore', [c.createdAt, c.sha256, limit])
      : await this.q<ArtifactRow>('list', [limit]);
    return res.rows.map(toMeta);
  }

  async delete(sha256: string): Promise<boolean> {
    return ((await this.q('delete', [sha256])).rowCount ?? 0) > 0;
  }

  async hold(sha256: string, owner: string, now: number): Promise<void> {
    await this.q('hold', [sha256, owner, now]);
  }

  async release(owner: string): Promise<number> {
    return (await this.q('release', [owner])).rowCount ?? 0;
  }

  async holders(sha256: string): Promise<string[]> {
    return (await this.q<{ owner: string }>('holders', [sha256])).rows.map((r) => r.owner);
  }

  async unheld(before: number, limit: number): Promise<string[]> {
    return (await this.q<Pick<ArtifactRow, 'sha256'>>('unheld', [before, limit])).rows.map((r) => r.sha256);
  }

  async referencedByJobs(): Promise<Set<string>> {
    const found = new Set<string>();
    for (const r of (await this.q<{ doc: string }>('referencing')).rows)
      for (const h of hashesInJson(r.doc)) found.add(h);
    return found;
  }

  async deleteUnheld(sha256: string, before: number): Promise<boolean> {
    return ((await this.q('deleteUnheld', [sha256, before])).rowCount ?? 0) > 0;
  }
}
