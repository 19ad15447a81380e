import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { underCI } from '../../src/config.js';

/** Debian's Chromium, which .ci/run installs with apt-get when it is missing. */
export const CHROMIUM = '/usr/bin/chromium';

/** The machines reach no network: Chromium must not try (its refused connections only slow it down). */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** The reason to hand `test(..., { skip })` when there is no Chromium to drive. */
export const NO_CHROMIUM = `no Chromium at ${CHROMIUM} (apt-get install chromium)`;

/**
 * Chromium driven by playwright-core, with a fresh profile (playwright makes a new temporary
 * user data directory for each launch, and removes it on close). Without it: under CI that is a failure
 * (thrown here); elsewhere the caller's tests are skipped, with a loud line saying why, and this
 * answers null.
 */
export async function launchBrowser(): Promise<TestBrowser | null> {
  if (!existsSync(CHROMIUM)) {
    if (underCI()) throw new Error(`${NO_CHROMIUM}: under CI the browser tests must run; .ci/run installs it`);
    console.error(`\n*** ${NO_CHROMIUM}: SKIPPING the browser tests. Install it to run them. ***\n`);
    return null;
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  return { browser, close: () => browser.close() };
}
