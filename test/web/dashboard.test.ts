import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowser, NO_CHROMIUM, type TestBrowser } from '../helpers/browser.js';
import { KINDS, startDashboardHub, type DashboardHub } from './dashboardHub.js';
import { PlatformProxy } from '../../src/platforms/proxy/platformProxy.js';
import { openPlatformStore } from '../../src/store/openBotStores.js';
import { MastodonFake } from '../fixtures/mastodonFake.js';
import { quietLog } from '../helpers/inProcessHub.js';
import { writeBot } from '../bots/botHelpers.js';
import { countIs, numberReaches, onlyOneWith, textIs } from './onPage.js';

// The dashboard in Chromium against a live hub: what a person sees on each page, as work runs.
// Every wait is on something on the page; the timeouts only bound a wait that never ends.

const b = await launchBrowser();
let h: DashboardHub;
let admin: BrowserContext;
const WAIT = { timeout: 30_000 };
/** Script errors and refused loads (a Content-Security-Policy violation, a missing asset) on any page. */
const problems: string[] = [];

async function logIn(context: BrowserContext, token: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(h.url);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.locator('nav[aria-label=pages]').waitFor(WAIT);
  return page;
}

const text = (page: Page, selector: string) => page.locator(selector).innerText();

if (!b) {
  test('the dashboard in a browser', { skip: NO_CHROMIUM }, () => {});
} else {
  const browser: TestBrowser = b;
  before(async () => {
    h = await startDashboardHub();
    admin = await browser.browser.newContext({ viewport: { width: 1300, height: 900 } });
    admin.on('page', (page) => {
      page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
      // The one expected error: the session check before logging in answers 401.
      page.on(
        'console',
        (m) => m.type() === 'error' && !/status of 401/.test(m.text()) && problems.push(`${page.url()}: ${m.text()}`),
      );
    });
  });
  after(async () => {
    await admin?.close();
    await browser.close();
    await h?.close();
  });

  test('a wrong token is refused on the login page, with a message saying why', async () => {
    const context = await browser.browser.newContext();
    const page = await context.newPage();
    await page.goto(h.url);
    await page.fill('#token', 'roost_0123456789ab_not-a-real-secret');
    await page.click('button[type=submit]');
    const alert = page.locator('.login-card [role=alert]');
    await alert.waitFor(WAIT);
    assert.match(await alert.innerText(), /not valid \(unknown, revoked or mistyped\)/);
    assert.deepEqual(await context.cookies(), [], 'no session cookie');
    await context.close();
  });

  test('logged in, the overview counts jobs as they finish, live, without a reload', async () => {
    const page = await logIn(admin, h.adminToken);
    const session = (await admin.cookies()).find((c) => c.name === 'roost_session')!;
    assert.deepEqual([session.httpOnly, session.sameSite, session.path], [true, 'Strict', '/']);
    await textIs(page, '[data-testid=workers-online]', '1');
    const before = Number(await page.locator('[data-testid=jobs-finished]').getAttribute('data-value'));
    const client = await h.as('client');
    await client.post('/v1/jobs/batch', {
      jobs: Array.from({ length: 5 }, (_, i) => ({ kind: KINDS.quick, input: i })),
    });
    await numberReaches(page, '[data-testid=jobs-finished]', before + 5);
    await page.locator('[data-chart=jobs-per-second] canvas').waitFor(WAIT);
    await page.close();
  });

  test('a job page shows its variants as they arrive, then cancel ends the job', async () => {
    const client = await h.as('client');
    const job = await client.post<{ id: string }>('/v1/jobs', { kind: KINDS.gated, input: 'paint', variants: 3 });
    const page = await admin.newPage();
    await page.goto(`${h.url}/#/jobs/${job.id}`);
    await h.gated.started(3);
    const variants = page.locator('[data-testid=variants] .variant:not(.pending)');
    for (const [i, run] of h.gated.runs
      .filter((r) => r.taskId.startsWith(job.id))
      .slice(0, 2)
      .entries()) {
      run.gate.resolve();
      await countIs(page, '[data-testid=variants] .variant:not(.pending)', i + 1);
    }
    assert.equal(await variants.count(), 2);
    assert.match(await variants.first().innerText(), /#\d[\s\S]*gpu-box-1/);
    assert.equal(await text(page, '.facts .badge'), 'running');
    await page.click('button:has-text("Cancel")');
    await textIs(page, '.facts .badge', 'cancelled');
    assert.equal(await variants.count(), 2, 'the results that landed stay');
    await page.close();
  });

  test('the pipelines page lists runs; a run shows each step, re-run or skipped, and why', async () => {
    const client = await h.as('client');
    const started = await client.post<{ id: string }>('/v1/pipelines', {
      name: 'web-demo',
      steps: {
        one: { kind: KINDS.quick, outputs: ['text'] },
        two: { kind: KINDS.quick, inputs: { x: { from: 'one.text' } }, outputs: ['image'] },
        three: { kind: KINDS.quick, inputs: { x: { from: 'two.image' } }, outputs: ['text'] },
      },
    });
    await h.hub.pipelines.settled(started.id);
    const page = await admin.newPage();
    await page.goto(`${h.url}/#/pipelines`);
    await page.click(`a:has-text("${started.id}")`);
    await countIs(page, '[data-testid=pipeline-steps] tbody tr', 3);
    const rows = await page.locator('[data-testid=pipeline-steps] tbody tr').allInnerTexts();
    assert.match(rows[0]!, /^one\s+succeeded\s+re-run\s+1\s+job_\w+\s+no earlier run of this pipeline ran it$/);
    assert.match(
      rows[1]!,
      /^two\s+failed\s+1\s+job_\w+\s+job job_\w+ returned no image \(the step declares outputs image\)$/,
    );
    assert.match(rows[2]!, /^three\s+skipped\s+0\s+not run: two did not succeed$/);
    assert.equal(await text(page, '.page-head .badge'), 'failed');
    await page.close();
  });

  test('the jobs list filters by state and by bot', async () => {
    const client = await h.as('client');
    const mine = await client.post<{ id: string }>('/v1/jobs', {
      kind: KINDS.quick,
      input: 'tagged',
      concurrencyKey: 'bot:webtest',
    });
    const page = await admin.newPage();
    await page.goto(`${h.url}/#/jobs`);
    await page.locator('[data-testid=jobs-table]').waitFor(WAIT);
    await page.fill('input[name=bot]', 'webtest');
    // The list refreshes itself while the filter is typed but not yet committed: the text stays.
    const other = await client.post<{ id: string }>('/v1/jobs', { kind: KINDS.quick, input: 'untagged' });
    await page.locator(`[data-testid=jobs-table] >> text=${other.id}`).waitFor(WAIT);
    assert.equal(await page.inputValue('input[name=bot]'), 'webtest');
    await page.press('input[name=bot]', 'Enter');
    await onlyOneWith(page, '[data-testid=jobs-table] tbody tr', mine.id);
    await page.selectOption('select[name=state]', 'cancelled');
    await page.locator('text=No jobs match.').waitFor(WAIT);
    await page.close();
  });

  test('the workers page shows each worker with its capabilities, labels, tasks in flight and throughput', async () => {
    const page = await admin.newPage();
    await page.goto(`${h.url}/#/workers`);
    const row = page.locator('[data-testid=workers-table] tbody tr', { hasText: 'gpu-box-1' });
    await row.waitFor(WAIT);
    const shown = await row.innerText();
    for (const expected of ['text.markov', KINDS.quick, 'model=echo-1', 'vram=0', '/min'])
      assert.ok(shown.includes(expected), `${expected} in: ${shown}`);
    assert.ok(await row.locator('.dot.on').count(), 'shown as connected');
    await page.close();
  });

  test('a dead task shows its error and attempts; purge deletes its job; redrive runs it again', async () => {
    const client = await h.as('client');
    const jobs = await Promise.all(
      [1, 2].map((i) => client.post<{ id: string }>('/v1/jobs', { kind: KINDS.broken, input: i })),
    );
    const page = await admin.newPage();
    await page.goto(`${h.url}/#/dead`);
    const row = (id: string) => page.locator('[data-testid=dead-table] tbody tr', { hasText: id });
    await row(jobs[1]!.id).waitFor(WAIT);
    const shown = await row(jobs[1]!.id).innerText();
    assert.match(shown, /the model file is missing/);
    assert.match(shown, /1\/3/, 'one attempt of three: it failed for good');
    page.once('dialog', (d) => void d.accept());
    await row(jobs[1]!.id).locator('button:has-text("Purge")').click();
    await row(jobs[1]!.id).waitFor({ state: 'detached', ...WAIT });
    // The operator fixed what was wrong; the redriven task runs again and the job succeeds.
    h.repair();
    await row(jobs[0]!.id).locator('button:has-text("Redrive")').click();
    await row(jobs[0]!.id).waitFor({ state: 'detached', ...WAIT });
    await page.goto(`${h.url}/#/jobs/${jobs[0]!.id}`);
    await textIs(page, '.facts .badge', 'succeeded');
    await assert.rejects(client.get(`/v1/jobs/${jobs[1]!.id}`), /no job/);
    await page.close();
  });

  test('the bots page shows a bot running with a live log; pause and resume work', async () => {
    await h.createBot('autoresponder');
    const page = await admin.newPage();
    await page.goto(`${h.url}/#/bots/autoresponder`);
    const detail = page.locator('.bot-detail[data-bot=autoresponder]');
    await detail.waitFor(WAIT);
    await textIs(page, '[data-testid=bots-table] .badge', 'running');
    await page.click('button:has-text("Pause")');
    await textIs(page, '[data-testid=bots-table] .badge', 'paused');
    await page.click('button:has-text("Resume")');
    await textIs(page, '[data-testid=bots-table] .badge', 'running');
    await h.admin.post('/v1/sandbox/asks', { from: 'carol', to: 'frank', text: 'how tall is the lighthouse?' });
    await page.locator('[data-testid=log-tail] .log-line', { hasText: 'answered an ask' }).waitFor(WAIT);
    await page.close();
  });

  test('the logs page shows kept lines newest first, by level and source; a refresh keeps a half-typed id', async () => {
    const worker = await h.as('worker');
    const ship = (msg: string, level: string, at = Date.now()) =>
      worker.post('/v1/logs', { source: 'web-logs', lines: [{ at, level, msg }] });
    await ship('the disk is nearly full', 'warn', Date.now() - 2000);
    await ship('the model failed to load', 'error', Date.now() - 1000);
    await assert.rejects(h.admin.get('/v1/jobs/job_not_there'), /no job/);
    const page = await admin.newPage();
    await page.goto(`${h.url}/#/logs?source=${encodeURIComponent('worker web-logs')}`);
    const rows = '[data-testid=logs-table] tbody tr';
    await countIs(page, rows, 2);
    assert.deepEqual(
      (await page.locator(rows).allInnerTexts()).map((r) => r.match(/the \w+ \w+ \w+ \w+/)?.[0]),
      ['the model failed to load', 'the disk is nearly full'],
      'newest first',
    );
    await page.selectOption('select[name=level]', 'error');
    await onlyOneWith(page, rows, 'the model failed to load');
    // Every source at info and worse: the 404 answered a moment ago is there too, from the hub.
    await page.click('a.button:has-text("clear")');
    await page.locator(rows, { hasText: 'GET /v1/jobs/:id 404' }).first().waitFor(WAIT);

    const { logs } = await h.admin.get<{ logs: Array<{ id: string; msg: string }> }>('/v1/logs?level=error');
    const id = logs.find((l) => l.msg === 'the model failed to load')!.id;
    await page.fill('input[name=id]', id.slice(0, 8));
    // A line shipped now shows once the list has refreshed, which must leave the typing alone.
    await ship('a line logged while someone types', 'warn');
    await page.locator(rows, { hasText: 'a line logged while someone types' }).waitFor(WAIT);
    assert.equal(await page.inputValue('input[name=id]'), id.slice(0, 8));
    await page.fill('input[name=id]', id);
    await page.press('input[name=id]', 'Enter');
    await onlyOneWith(page, rows, 'the model failed to load');
    assert.match(page.url(), new RegExp(`id=${id}`), 'the search is in the address');
    await page.close();
  });

  test('a bot paused by refused credentials shows why on the bots page', async () => {
    const fake = await new MastodonFake().start();
    try {
      await h.admin.post('/v1/accounts', {
        platform: 'mastodon',
        name: 'gone-token',
        instance: fake.url,
        credentials: { accessToken: 'no-longer-valid' },
        test: false,
      });
      const dir = join(h.dataDir, 'src');
      const from = writeBot(dir, 'web-stuck', `{ name: 'web-stuck', account: 'gone-token', onMention() {} }`);
      await h.admin.post('/v1/bots', { name: 'web-stuck', from });
      const page = await admin.newPage();
      await page.goto(`${h.url}/#/bots/web-stuck`);
      const reason = page.locator('.bot-detail[data-bot=web-stuck] [data-testid=paused-reason]');
      await reason.waitFor(WAIT);
      assert.match(await reason.innerText(), /^Paused: .*account 'gone-token'.*refused the token/);
      await page.close();
      await h.admin.request('DELETE', '/v1/bots/web-stuck');
    } finally {
      await fake.close();
    }
  });

  test('the platform calls page, linked from the bots page, shows calls per account and filters by account', async () => {
    const fake = await new MastodonFake().start();
    fake.addAccount('web-a', 'tok');
    const proxy = new PlatformProxy({
      store: openPlatformStore(h.hub.broker.store),
      budgets: () => undefined,
      retentionMs: 86_400_000,
      log: quietLog,
      backoffMs: 20,
    });
    const call = {
      method: 'GET',
      url: `${fake.url}/api/v1/accounts/verify_credentials`,
      headers: { authorization: 'Bearer tok' },
    };
    try {
      assert.equal((await proxy.channel('mastodon', 'web-a').fetch(call)).status, 200);
      fake.failNext(400);
      assert.equal((await proxy.channel('mastodon', 'web-a').fetch(call)).status, 400);
      assert.equal((await proxy.channel('mastodon', 'web-b').fetch(call)).status, 200);
    } finally {
      proxy.close();
      await fake.close();
    }
    const page = await admin.newPage();
    await page.goto(`${h.url}/#/bots`);
    await page.click('a:has-text("platform calls")');
    const ours = '[data-testid=calls-table] tbody tr[data-account^=web-]';
    await countIs(page, ours, 3);
    const refused = page.locator(`${ours}.failed`);
    assert.equal(await refused.count(), 1);
    const shown = await refused.innerText();
    for (const expected of ['mastodon', 'web-a', 'GET /api/v1/accounts/verify_credentials', '400'])
      assert.ok(shown.includes(expected), `${expected} in: ${shown}`);
    const summary = page.locator('[data-testid=calls-accounts] tr[data-account=web-a]');
    assert.match(await summary.innerText(), /web-a\s+mastodon\s+2\s+1/, 'two calls, one failed');
    await summary.locator('a').click();
    await countIs(page, '[data-testid=calls-table] tbody tr', 2);
    await countIs(page, '[data-testid=calls-table] tbody tr[data-account=web-a]', 2);
    assert.equal(await page.inputValue('select[name=account]'), 'web-a');
    await page.selectOption('select[name=account]', '');
    await countIs(page, ours, 3);
    await page.close();
  });

  test("on the sandbox page, an ask made as any account gets the bot's answer on screen", async () => {
    const page = await admin.newPage();
    await page.goto(`${h.url}/#/sandbox`);
    await page.fill('input[name=as]', 'dora');
    await page.fill('input[name=to]', 'frank');
    await page.fill('textarea[name=text]', 'where do the boats sleep at night?');
    await page.click('button[type=submit]');
    const ask = page.locator('.post.ask', { hasText: 'where do the boats sleep at night?' });
    await ask.waitFor(WAIT);
    assert.match(await ask.locator('header').first().innerText(), /@dora\s*asks @frank/);
    const answer = ask.locator('.replies .post', { hasText: '@frank' });
    await answer.waitFor(WAIT);
    assert.ok((await answer.locator('.post-text').innerText()).split(/\s+/).length >= 3, 'a generated answer');
    await page.close();
  });

  test('a client token sees jobs; admin pages say they need an admin token; logout ends the session', async () => {
    const context = await browser.browser.newContext();
    const page = await logIn(context, (await h.as('client')).token);
    const nav = await page.locator('nav[aria-label=pages] a.nav').allInnerTexts();
    assert.deepEqual(nav, ['Overview', 'Jobs', 'Pipelines', 'Usage']);
    await page.goto(`${h.url}/#/workers`);
    assert.match(await page.locator('[role=alert]').innerText(), /needs an admin token.*client token/);
    await page.click('button:has-text("Log out")');
    await page.locator('#token').waitFor(WAIT);
    assert.equal(
      (await context.cookies()).find((c) => c.name === 'roost_session'),
      undefined,
      'the cookie is gone',
    );
    await context.close();
  });

  test('no page had a script error or a refused load (everything comes from the hub, under its CSP)', () => {
    assert.deepEqual(problems, []);
  });
}
