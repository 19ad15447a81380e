import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { sampleValue, scrapeMetrics } from '../helpers/prometheus.js';
import { writeBot } from './botHelpers.js';

// Bot runs and errors as Prometheus sees them at GET /metrics (read from the stored bot records).

let t: TestHub;
before(async () => {
  t = await startTestHub({ botPollMs: 200 });
});
after(() => t.close());

test("/metrics counts each bot's runs and its runs that threw", { timeout: 30_000 }, async () => {
  const src = join(t.dataDir, 'src');
  await t.admin.post('/v1/bots', {
    name: 'steady',
    from: writeBot(src, 'steady', `{ name: 'steady', async onSchedule() {} }`),
  });
  await t.admin.post('/v1/bots', {
    name: 'shaky',
    from: writeBot(src, 'shaky', `{ name: 'shaky', async onSchedule() { throw new Error('no harbour'); } }`),
  });
  for (let i = 0; i < 2; i++) await t.admin.post('/v1/bots/steady/run', undefined, { timeoutMs: 20_000 });
  await assert.rejects(t.admin.post('/v1/bots/shaky/run', undefined, { timeoutMs: 20_000 }));
  const samples = await scrapeMetrics(t.url, t.adminToken);
  assert.equal(sampleValue(samples, 'roost_bot_runs_total', { bot: 'steady' }), 2);
  assert.equal(sampleValue(samples, 'roost_bot_errors_total', { bot: 'steady' }), 0);
  assert.equal(sampleValue(samples, 'roost_bot_errors_total', { bot: 'shaky' }), 1);
});
