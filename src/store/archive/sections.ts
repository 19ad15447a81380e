import { BOT_SECTIONS } from './botSections.js';
import type { Section } from './section.js';

export type { FieldType, Section } from './section.js';

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
  ...BOT_SECTIONS,
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
  state_counts:
    'derived: counted afresh at the end of an import (SQLite), or by its triggers as rows come (PostgreSQL)',
  state_count_deltas: 'derived, as state_counts',
  platform_calls: 'a record of platform calls kept for days (platformCallRetentionMs); the new store starts its own',
};

export function sectionNamed(name: string): Section | undefined {
  return SECTIONS.find((s) => s.name === name);
}
