import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import type { FeedItem, SandboxPost } from '../../src/types.js';
import { allPosts } from '../bots/botHelpers.js';
import { startTestHub, type TestHub } from '../helpers/inProcessHub.js';

/** An in-process hub running example bots from examples/bots/, with the calls their tests make. */
export interface ExampleHub extends TestHub {
  /** Creates a bot from examples/bots/NAME.js. */
  create(name: string): Promise<unknown>;
  post(author: string, text: string): Promise<SandboxPost>;
  /** Every sandbox post, oldest first. */
  timeline(): Promise<SandboxPost[]>;
  /** Runs the bot's onSchedule now (`roost bot run NAME --once`) and waits for it to finish. */
  run(name: string): Promise<unknown>;
  state<T = any>(name: string): Promise<T>;
  setState(name: string, key: string, value: unknown): Promise<unknown>;
  /** The items of a feed after a consumer's cursor. */
  feed(feed: string, consumer: string): Promise<FeedItem[]>;
}

export async function startExampleHub(): Promise<ExampleHub> {
  const t = await startTestHub({ botPollMs: 200 });
  return {
    ...t,
    create: (name) => t.admin.post('/v1/bots', { name, from: join(packageRoot, 'examples/bots', `${name}.js`) }),
    post: (author, text) => t.admin.post<SandboxPost>('/v1/sandbox/posts', { author, text }),
    timeline: () => allPosts(t.admin),
    run: (name) => t.admin.post(`/v1/bots/${name}/run`, undefined, { timeoutMs: 60_000 }),
    state: async (name) => (await t.admin.get<{ state: any }>(`/v1/bots/${name}/state`)).state,
    setState: (name, key, value) => t.admin.request('PUT', `/v1/bots/${name}/state/${key}`, { value }),
    feed: async (feed, consumer) =>
      (await t.admin.get<{ items: FeedItem[] }>(`/v1/feeds/${feed}/items?consumer=${consumer}`)).items,
  };
}
