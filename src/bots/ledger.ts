import { createHash } from 'node:crypto';
import type { PlatformClient, PlatformPost } from '../platforms/platformClient.js';
import type { BotStore } from '../store/botStore.js';

export function contentHash(platform: string, replyTo: string | null, text: string): string {
  return createHash('sha256')
    .update(JSON.stringify([platform, replyTo, text]))
    .digest('hex');
}

export interface Send {
  kind: 'post' | 'reply' | 'ask';
  /** The post answered (reply) or the account asked (ask). */
  target: string | null;
  text: string;
  key: string | null;
}

/**
 * Posts at most once per key. The entry is written (pending) before sending and confirmed after;
 * a pending entry found later means a crash came between the two, so the platform is asked
 * whether the post went out before it is sent again.
 */
export async function sendOnce(
  store: BotStore,
  bot: string,
  client: PlatformClient,
  s: Send,
  now: () => number,
): Promise<PlatformPost & { duplicate: boolean }> {
  const hash = contentHash(client.platform, s.target, s.text);
  const key = s.key ?? `${s.kind}:${hash}`;
  const { entry, created } = await store.beginLedger({ bot, key, hash, platform: client.platform, createdAt: now() });
  if (entry.state === 'confirmed') {
    return {
      id: entry.postId!,
      author: client.account,
      text: s.text,
      replyTo: s.kind === 'reply' ? s.target : null,
      createdAt: entry.confirmedAt!,
      duplicate: true,
    };
  }
  if (!created) {
    const sent = await client.findSent(key);
    if (sent) {
      await store.confirmLedger(bot, key, sent.id, now());
      return { ...sent, duplicate: true };
    }
  }
  const post = await deliver(client, s, key);
  await store.confirmLedger(bot, key, post.id, now());
  return { ...post, duplicate: false };
}

function deliver(client: PlatformClient, s: Send, key: string): Promise<PlatformPost> {
  if (s.kind === 'post') return client.post(s.text, key);
  if (s.kind === 'reply') return client.reply(s.target!, s.text, key);
  if (!client.ask) throw new Error(`${client.platform} has no asks; post or reply instead`);
  return client.ask(s.target!, s.text, key);
}

/** At a bot's start: confirms the pending entries whose post the platform has. */
export async function reconcileLedger(
  store: BotStore,
  bot: string,
  clients: Map<string, PlatformClient>,
  now: () => number,
): Promise<number> {
  let confirmed = 0;
  for (const entry of await store.pendingLedger(bot)) {
    const sent = await clients.get(entry.platform)?.findSent(entry.key);
    if (!sent) continue;
    await store.confirmLedger(bot, entry.key, sent.id, now());
    confirmed++;
  }
  return confirmed;
}
