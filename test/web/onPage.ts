import type { Page } from 'playwright-core';

/**
 * Waits on what the page shows, checked in the browser on every animation frame (the functions
 * run there, so they reach `document`; the node tsconfig has no DOM types, hence this one).
 */
interface Shown {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
}
declare const document: {
  querySelector(selector: string): Shown | null;
  querySelectorAll(selector: string): ArrayLike<Shown>;
};

const WAIT = { timeout: 30_000 };

export async function textIs(page: Page, selector: string, expected: string): Promise<void> {
  await page.waitForFunction(
    ([s, e]) => document.querySelector(s)?.textContent === e,
    [selector, expected] as const,
    WAIT,
  );
}

export async function countIs(page: Page, selector: string, n: number): Promise<void> {
  await page.waitForFunction(([s, want]) => document.querySelectorAll(s).length === want, [selector, n] as const, WAIT);
}

/** The number the element shows (in its data-value, unformatted) reaches at least `n`. */
export async function numberReaches(page: Page, selector: string, n: number): Promise<void> {
  await page.waitForFunction(
    ([s, want]) => Number(document.querySelector(s)?.dataset.value) >= want,
    [selector, n] as const,
    WAIT,
  );
}

/** Exactly one element matches, and its text holds `fragment`. */
export async function onlyOneWith(page: Page, selector: string, fragment: string): Promise<void> {
  await page.waitForFunction(
    ([s, f]) => {
      const all = document.querySelectorAll(s);
      return all.length === 1 && (all[0]!.textContent ?? '').includes(f);
    },
    [selector, fragment] as const,
    WAIT,
  );
}
