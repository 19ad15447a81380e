import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HubClient } from '../../src/client/hubClient.js';
import type { SandboxPost } from '../../src/types.js';

/** Writes a bot module (plain ESM importing 'roost/bots') into a folder; returns its path. */
export function writeBot(dir: string, name: string, body: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.js`);
  writeFileSync(file, `import { defineBot } from 'roost/bots';\nexport default defineBot(${body});\n`);
  return file;
}

/** Polls a condition every 20 ms until it holds, up to `timeoutMs`; the message says what never happened. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface BotView {
  name: string;
  running: boolean;
  paused: boolean;
  runs: number;
  restarts: number;
  errors: number;
  lastError: string | null;
}

export const getBot = (c: HubClient, name: string) => c.get<BotView>(`/v1/bots/${name}`);

/** Every sandbox post, oldest first (the timeline pages newest first). */
export async function allPosts(client: HubClient): Promise<SandboxPost[]> {
  const all: SandboxPost[] = [];
  for (let before = ''; ;) {
    const page = await client.get<{ posts: SandboxPost[]; nextCursor: string | null }>(
      `/v1/sandbox/posts?limit=500${before}`,
    );
    all.push(...page.posts);
    if (!page.nextCursor) return all.reverse();
    before = `&before=${page.nextCursor}`;
  }
}
