/**
 * `npm run screenshots`: starts a hub with workers, example bots and some work, drives Chromium
 * through every dashboard page and writes docs/screenshots/*.png (shown in the README). The
 * charts' past hour is seeded into the store's rollups so they have a shape; everything else on
 * the pages is live.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { packageRoot } from '../../src/paths.js';
import { WorkerAgent } from '../../src/worker/workerAgent.js';
import { addLatency, type LatencyHistogram } from '../../src/util/latencyHistogram.js';
import { MINUTE_MS, minuteOf } from '../../src/broker/rollupRecorder.js';
import { launchBrowser } from '../helpers/browser.js';
import { quietLog } from '../helpers/inProcessHub.js';
import { KINDS, startDashboardHub } from './dashboardHub.js';
import { countIs, textIs } from './onPage.js';

const OUT = join(packageRoot, 'docs', 'screenshots');
const WAIT = { timeout: 30_000 };

function latencies(typical: number, n: number): LatencyHistogram {
  const h: LatencyHistogram = {};
  for (let i = 0; i < n; i++)
    addLatency(h, Math.round(typical * (0.5 + ((i * 7919) % 100) / 100) * (i % 50 === 0 ? 6 : 1)));
  return h;
}

const b = await launchBrowser();
if (!b) throw new Error('screenshots need Chromium at /usr/bin/chromium');
const h = await startDashboardHub();
const laptop = new WorkerAgent({
  hub: h.url,
  token: (await h.as('worker')).token,
  workerId: 'laptop-7f3a',
  name: 'alice-laptop',
  handlers: [
    { kind: KINDS.quick, labels: { model: 'echo-1', vram: '0' }, run: async (input) => ({ text: String(input) }) },
  ],
  concurrency: 2,
  waitMs: 5000,
  graceMs: 200,
  log: quietLog,
});
void laptop.start();
try {
  const now = Date.now();
  const rows = Array.from({ length: 60 }, (_, i) => {
    const minute = minuteOf(now) - (60 - i) * MINUTE_MS;
    const load = Math.round(600 + 400 * Math.sin(i / 6) + (i > 40 && i < 46 ? 900 : 0));
    return [
      {
        minute,
        hub: 'seed',
        kind: '',
        jobsCreated: load,
        jobsSucceeded: load - (i % 9 === 0 ? 6 : 1),
        jobsFailed: i % 9 === 0 ? 5 : 0,
        claims: 0,
        latency: {},
      },
      {
        minute,
        hub: 'seed',
        kind: 'text.markov',
        jobsCreated: 0,
        jobsSucceeded: 0,
        jobsFailed: 0,
        claims: load * 3,
        latency: latencies(i > 40 && i < 46 ? 40 : 3, 200),
      },
    ];
  }).flat();
  await h.hub.broker.store.writeRollups(rows);

  await Promise.all(['autoresponder', 'ledger'].map((bot) => h.createBot(bot)));
  const client = await h.as('client');
  await client.post('/v1/jobs/batch', {
    jobs: Array.from({ length: 12 }, (_, i) => ({ kind: KINDS.quick, input: `item ${i}` })),
  });
  await client.post('/v1/jobs', {
    kind: 'text.markov',
    input: { prompt: 'the harbour at dawn', maxWords: 24 },
    variants: 6,
  });
  await client.post('/v1/jobs', {
    kind: KINDS.gated,
    input: { prompt: 'a lighthouse in fog' },
    variants: 4,
    concurrencyKey: 'bot:painter',
  });
  for (const i of [1, 2]) await client.post('/v1/jobs', { kind: KINDS.broken, input: { prompt: `castle ${i}` } });
  await client.post('/v1/jobs', { kind: KINDS.gated, input: 'later', variants: 2, delayMs: 3_600_000 });
  await h.admin.post('/v1/sandbox/posts', { author: 'poet', text: 'The sea is deep and quiet at night.' });
  await h.admin.post('/v1/sandbox/posts', { author: 'alice', text: '$loan 50 @bob for the train tickets' });

  mkdirSync(OUT, { recursive: true });
  const context = await b.browser.newContext({ viewport: { width: 1400, height: 860 } });
  const page = await context.newPage();
  const shot = (name: string) => page.screenshot({ path: join(OUT, `${name}.png`), animations: 'disabled' });
  const visit = async (path: string, ready: (p: Page) => Promise<unknown>) => {
    await page.goto(`${h.url}/#/${path}`);
    await ready(page);
  };

  await page.goto(h.url);
  await page.locator('#token').waitFor(WAIT);
  await shot('login');
  await page.fill('#token', h.adminToken);
  await page.click('button[type=submit]');
  await textIs(page, '[data-testid=workers-online]', '2');
  await page.locator('[data-chart=dispatch-latency] canvas').waitFor(WAIT);
  await shot('overview');

  await visit('jobs', (p) => p.locator('[data-testid=jobs-table]').waitFor(WAIT));
  await shot('jobs');

  await h.gated.started(4);
  const painter = h.gated.runs.slice(0, 2);
  for (const r of painter) r.gate.resolve();
  const jobs = await client.get<{ jobs: Array<{ id: string; concurrencyKey: string | null }> }>('/v1/jobs?bot=painter');
  await visit(`jobs/${jobs.jobs[0]!.id}`, (p) => countIs(p, '[data-testid=variants] .variant:not(.pending)', 2));
  await shot('job');

  await visit('workers', (p) => p.locator('[data-testid=workers-table] tbody tr').nth(1).waitFor(WAIT));
  await shot('workers');

  await visit('dead', (p) => countIs(p, '[data-testid=dead-table] tbody tr', 2));
  await shot('dead');

  await h.admin.post('/v1/sandbox/asks', { from: 'newcomer', to: 'frank', text: 'what is a roost?' });
  await visit('bots/autoresponder', async (p) => {
    await p.locator('[data-testid=log-tail] .log-line', { hasText: 'answered an ask' }).waitFor(WAIT);
    await p.locator('.bot-detail table.compact').waitFor(WAIT);
  });
  await shot('bots');

  await visit('sandbox', (p) => p.locator('.post.ask .replies .post').first().waitFor(WAIT));
  await page.fill('textarea[name=text]', 'is the sea deep at night?');
  await shot('sandbox');
  console.log(`screenshots written to ${OUT}`);
} finally {
  h.gated.openAll();
  await laptop.stop();
  await b.close();
  await h.close();
}
