import type { Section } from './section.js';

/** The bots' tables, their feeds and ledgers, the sandbox's, and platform accounts, in import order. */
export const BOT_SECTIONS: readonly Section[] = [
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
];
