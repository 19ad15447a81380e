/**
 * What an archive holds, in one place: one section per table, its fields and how each is written.
 * Everything else (export, import, both dialects, the tests) works from this list, so a table or a
 * column added to the schema is archived by adding it here. test/store/archive/coverage.test.ts
 * fails when a migrated schema has a table or column that neither this list nor NOT_ARCHIVED names.
 *
 * Field names are the column names (both dialects name them alike). Values are logical, the same
 * whichever dialect wrote them:
 * - `text`: a string; `integer`: a number (PostgreSQL's bigint as a number, never a string);
 *   `real`: a number; `boolean`: true or false (SQLite keeps 0/1, PostgreSQL may keep a boolean);
 * - `json`: the JSON text exactly as the store keeps it (the hub wrote it; copying it verbatim keeps
 *   big numbers and key order as they were);
 * - any of them may be null where the column allows it.
 */

export type FieldType = 'text' | 'integer' | 'real' | 'boolean' | 'json';

export interface Section {
  /** The section's name in the manifest and its file, `<name>.jsonl`; also its table. */
  name: string;
  /** The primary key: records are written in its order, so an archive's bytes depend on content only. */
  key: readonly string[];
  /** Field name to type, in the order every record lists them. */
  fields: Readonly<Record<string, FieldType>>;
  /** Fields holding secrets: written as null unless the export is asked for them (`--with-secrets`). */
  secret?: readonly string[];
}

/** In import order: a table comes after those its foreign keys point to. */
export const SECTIONS: readonly Section[] = [
  {
    name: 'jobs',
    key: ['id'],
    fields: {
      id: 'text',
      kind: 'text',
      input: 'json',
      state: 'text',
      variants: 'integer',
      priority: 'integer',
      seed: 'integer',
      max_attempts: 'integer',
      backoff: 'json',
      lease_ms: 'integer',
      requires: 'json',
      key: 'text',
      run_at: 'integer',
      created_at: 'integer',
      updated_at: 'integer',
      finished_at: 'integer',
      concurrency_key: 'text',
      enough: 'boolean',
      cache_key: 'text',
      cached_from: 'text',
      created_by: 'text',
    },
  },
  {
    // id is kept: lease ids carry it, so a worker's lease from before the move still completes.
    name: 'tasks',
    key: ['id'],
    fields: {
      id: 'integer',
      job_id: 'text',
      idx: 'integer',
      kind: 'text',
      route: 'text',
      priority: 'integer',
      seed: 'integer',
      state: 'text',
      run_at: 'integer',
      attempt: 'integer',
      max_attempts: 'integer',
      lease_ms: 'integer',
      lease_token: 'text',
      lease_expires_at: 'integer',
      worker_id: 'text',
      output: 'json',
      progress: 'json',
      error: 'text',
      done_seq: 'integer',
      finished_at: 'integer',
      concurrency_key: 'text',
      lease_owner: 'text',
    },
  },
  {
    // hash is the SHA-256 of the secret: a token is never in an archive, only what checks it.
    name: 'tokens',
    key: ['id'],
    fields: {
      id: 'text',
      name: 'text',
      scope: 'text',
      hash: 'text',
      created_at: 'integer',
      revoked_at: 'integer',
      last_used_at: 'integer',
      kinds: 'json',
      own_jobs: 'boolean',
      bot: 'text',
    },
  },
  {
    name: 'workers',
    key: ['worker_id'],
    fields: {
      worker_id: 'text',
      name: 'text',
      capabilities: 'json',
      concurrency: 'integer',
      version: 'text',
      first_seen: 'integer',
      last_seen: 'integer',
    },
  },
  { name: 'kinds', key: ['kind'], fields: { kind: 'text', first_seen: 'integer' } },
  {
    name: 'limits',
    key: ['key'],
    fields: {
      key: 'text',
      concurrency: 'integer',
      rate_count: 'integer',
      rate_interval_ms: 'integer',
      updated_at: 'integer',
    },
  },
  { name: 'rate_buckets', key: ['key'], fields: { key: 'text', tokens: 'real', updated_at: 'integer' } },
  {
    name: 'bots',
    key: ['name'],
    fields: {
      name: 'text',
      module: 'text',
      paused: 'boolean',
      created_at: 'integer',
      starts: 'integer',
      restarts: 'integer',
      runs: 'integer',
      errors: 'integer',
      last_error: 'text',
      last_error_at: 'integer',
      last_run_at: 'integer',
      last_scheduled_at: 'integer',
      paused_reason: 'text',
    },
  },
  {
    name: 'bot_state',
    key: ['bot', 'key'],
    fields: { bot: 'text', key: 'text', value: 'json', updated_at: 'integer' },
  },
  { name: 'bot_platform_cursors', key: ['bot', 'platform'], fields: { bot: 'text', platform: 'text', cursor: 'text' } },
  { name: 'feeds', key: ['name'], fields: { name: 'text', owner: 'text', last_seq: 'integer', created_at: 'integer' } },
  {
    name: 'feed_items',
    key: ['feed', 'seq'],
    fields: { feed: 'text', seq: 'integer', item: 'json', created_at: 'integer' },
  },
  { name: 'feed_cursors', key: ['feed', 'consumer'], fields: { feed: 'text', consumer: 'text', acked: 'integer' } },
  {
    name: 'ledger',
    key: ['bot', 'key'],
    fields: {
      bot: 'text',
      key: 'text',
      hash: 'text',
      platform: 'text',
      state: 'text',
      post_id: 'text',
      created_at: 'integer',
      confirmed_at: 'integer',
    },
  },
  {
    name: 'bot_logs',
    key: ['id'],
    fields: { id: 'integer', bot: 'text', at: 'integer', level: 'text', msg: 'text', data: 'json' },
  },
  {
    name: 'hub_logs',
    key: ['id'],
    fields: { id: 'text', at: 'integer', level: 'integer', source: 'text', msg: 'text', data: 'json' },
  },
  { name: 'sandbox_accounts', key: ['name'], fields: { name: 'text', created_at: 'integer' } },
  {
    // In id order a reply comes after the post it answers (reply_to points back).
    name: 'sandbox_posts',
    key: ['id'],
    fields: {
      id: 'integer',
      type: 'text',
      author: 'text',
      recipient: 'text',
      reply_to: 'integer',
      text: 'text',
      key: 'text',
      created_at: 'integer',
    },
  },
  { name: 'sandbox_mentions', key: ['post_id', 'account'], fields: { post_id: 'integer', account: 'text' } },
  {
    name: 'sandbox_likes',
    key: ['post_id', 'account'],
    fields: { post_id: 'integer', account: 'text', created_at: 'integer' },
  },
  {
    // sealed: the credentials, sealed with the hub's key; left out (null) unless asked for.
    name: 'platform_accounts',
    key: ['name'],
    fields: {
      name: 'text',
      platform: 'text',
      instance: 'text',
      sealed: 'text',
      created_at: 'integer',
      updated_at: 'integer',
    },
    secret: ['sealed'],
  },
  {
    // The dashboard's charts of the last 24 hours, so they survive a move as they survive a restart.
    name: 'rollups',
    key: ['minute', 'hub', 'kind'],
    fields: {
      minute: 'integer',
      hub: 'text',
      kind: 'text',
      jobs_created: 'integer',
      jobs_succeeded: 'integer',
      jobs_failed: 'integer',
      claims: 'integer',
      latency: 'json',
    },
  },
  {
    // The front door's usage per API key, day and model (migration 011).
    name: 'model_usage',
    key: ['token_id', 'day', 'model'],
    fields: {
      token_id: 'text',
      day: 'text',
      model: 'text',
      requests: 'integer',
      prompt_tokens: 'integer',
      completion_tokens: 'integer',
    },
  },
  {
    // Chat memory: conversations' turns (migration 011).
    name: 'chat_turns',
    key: ['conversation', 'seq'],
    fields: {
      conversation: 'text',
      seq: 'integer',
      role: 'text',
      content: 'text',
      tokens: 'integer',
      created_at: 'integer',
    },
  },
  {
    // The metadata only: the bytes stay in the artifact store (docs/operations.md says how to move them).
    name: 'artifacts',
    key: ['sha256'],
    fields: { sha256: 'text', size: 'integer', type: 'text', created_at: 'integer', put_at: 'integer' },
  },
  {
    name: 'artifact_refs',
    key: ['sha256', 'owner'],
    fields: { sha256: 'text', owner: 'text', created_at: 'integer' },
  },
  {
    name: 'pipeline_runs',
    key: ['id'],
    fields: {
      id: 'text',
      name: 'text',
      state: 'text',
      definition: 'json',
      error: 'text',
      created_by: 'text',
      created_at: 'integer',
      updated_at: 'integer',
      finished_at: 'integer',
    },
  },
  {
    name: 'pipeline_steps',
    key: ['run_id', 'step'],
    fields: {
      run_id: 'text',
      step: 'text',
      state: 'text',
      identity: 'text',
      reused: 'boolean',
      reason: 'text',
      rounds: 'integer',
      job_id: 'text',
      input_hashes: 'json',
      outputs: 'json',
      output_hashes: 'json',
      error: 'text',
      updated_at: 'integer',
    },
  },
  {
    name: 'pipeline_results',
    key: ['identity'],
    fields: {
      identity: 'text',
      kind: 'text',
      outputs: 'json',
      output_hashes: 'json',
      job_id: 'text',
      created_at: 'integer',
    },
  },
];

/** Tables of the schema that are not archived, and why. */
export const NOT_ARCHIVED: Readonly<Record<string, string>> = {
  schema_migrations: 'the importing store applies its own migrations',
  sqlite_sequence: "SQLite's AUTOINCREMENT counters travel as the manifest's counters",
  state_counts: 'derived: the triggers that keep it count the tasks and jobs as they are imported',
  state_count_deltas: 'derived, as state_counts',
  platform_calls: 'a record of platform calls kept for days (platformCallRetentionMs); the new store starts its own',
};

export function sectionNamed(name: string): Section | undefined {
  return SECTIONS.find((s) => s.name === name);
}
