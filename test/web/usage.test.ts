import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { openUsageStore } from '../../src/store/usageStore.js';
import { launchBrowser, NO_CHROMIUM, type TestBrowser } from '../helpers/browser.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';
import { countIs } from './onPage.js';

// The Usage page: the front door's requests and tokens per key per UTC day (`roost usage`), as an
// admin (every key, with names) and as a client (its own key only) sees them.

const b = await launchBrowser();
let h: TestHub;
const WAIT = { timeout: 30_000 };
const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);

async function logIn(context: BrowserContext, token: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(h.url);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.locator('nav[aria-label=pages]').waitFor(WAIT);
  return page;
}

/** The cells of a table's rows, as text. */
const cells = (page: Page, table: string) =>
  page.$$eval(`[data-testid=${table}] tbody tr`, (rows) =>
    rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent!.trim())),
  );

if (!b) {
  test('the usage page in a browser', { skip: NO_CHROMIUM }, () => {});
} else {
  const browser: TestBrowser = b;
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };
  before(async () => {
    h = await startTestHub();
    const token = async (name: string, scope: 'client' | 'bot') => {
      const { token, info } = await h.hub.tokens.create(name, scope);
      return { id: info.id, token };
    };
    alice = await token('alice app', 'client');
    bob = await token('bob bot', 'bot');
    // What the front door records as requests finish (test/models/frontDoor.test.ts tests that part).
    const usage = openUsageStore(h.hub.broker.store);
    await usage.add(alice.id, day(0), 'qwen', 100, 20);
    await usage.add(alice.id, day(0), 'qwen', 50, 10);
    await usage.add(alice.id, day(0), 'llama', 1000, 200);
    await usage.add(alice.id, day(3), 'qwen', 7, 3);
    await usage.add(bob.id, day(0), 'qwen', 1, 2);
  });
  after(async () => {
    await browser.close();
    await h?.close();
  });

  test('an admin sees every key per day and per period, named, summed over models', async () => {
    const context = await browser.browser.newContext();
    const page = await logIn(context, h.adminToken);
    await page.click('nav[aria-label=pages] >> text=Usage');
    await countIs(page, '[data-testid=usage-days] tbody tr', 3);
    const [a, bb] = [alice.id, bob.id];
    assert.deepEqual(await cells(page, 'usage-days'), [
      [day(0), `${a} alice app`, 'llama, qwen', '3', '1,150', '230', '1,380'],
      [day(0), `${bb} bob bot`, 'qwen', '1', '1', '2', '3'],
      [day(3), `${a} alice app`, 'qwen', '1', '7', '3', '10'],
    ]);
    assert.deepEqual(await cells(page, 'usage-keys'), [
      [`${a} alice app`, 'llama, qwen', '4', '1,157', '233', '1,390'],
      [`${bb} bob bot`, 'qwen', '1', '1', '2', '3'],
    ]);
    // Today only: the day three days ago is left out.
    await page.click('[aria-label=period] >> text=today');
    await countIs(page, '[data-testid=usage-days] tbody tr', 2);
    assert.match(page.url(), /#\/usage\?days=1$/);
    await context.close();
  });

  test('a client sees its own key only', async () => {
    const context = await browser.browser.newContext();
    const page = await logIn(context, alice.token);
    await page.goto(`${h.url}/#/usage?days=7`);
    await countIs(page, '[data-testid=usage-days] tbody tr', 2);
    const rows = await cells(page, 'usage-days');
    assert.deepEqual(
      rows.map((r) => r[1]),
      [alice.id, alice.id],
    );
    await context.close();
  });
}
