import {
  contentHash,
  idempotencyKey,
  type Connector,
  type PlatformPost,
  type PostDraft,
  type SendIntent,
} from '../platforms/connector.js';
import { checkDraft, PlatformRefusal } from '../platforms/errors.js';
import type { BotStore } from '../store/botStore.js';
import type { LedgerEntry } from '../types.js';

export interface Send {
  kind: 'post' | 'ask';
  /** The account asked (ask). */
  to: string | null;
  draft: PostDraft;
  key: string | null;
  /** Makes the draft as sent of the draft as recorded (e.g. reads its artifact images), once a send is due. */
  prepare?: (draft: PostDraft) => Promise<PostDraft>;
}

function intent(bot: string, e: Pick<LedgerEntry, 'key' | 'hash' | 'createdAt'>): SendIntent {
  return { key: e.key, idempotencyKey: idempotencyKey(bot, e.key), hash: e.hash, createdAt: e.createdAt };
}

/**
 * Posts at most once per key. The entry is written (pending) before sending and confirmed after;
 * a pending entry found later means a crash came between the two, so the platform is asked
 * whether the post went out (findSent) before it is sent again, with the same idempotency key
 * where the platform deduplicates on one.
 */
export async function sendOnce(
  store: BotStore,
  bot: string,
  connector: Connector,
  send: Send,
  now: () => number,
): Promise<PlatformPost & { duplicate: boolean }> {
  checkDraft(connector.platform, connector.capabilities, send.draft);
  if (send.kind === 'ask' && !connector.ask)
    throw new PlatformRefusal('ask', `${connector.platform} has no asks; post or reply instead`);
  const target = send.kind === 'ask' ? send.to : (send.draft.replyTo ?? null);
  const hash = contentHash(connector.platform, target, send.draft.text);
  const key = send.key ?? `${send.kind === 'ask' ? 'ask' : target === null ? 'post' : 'reply'}:${hash}`;
  const { entry, created } = await store.beginLedger({
    bot,
    key,
    hash,
    platform: connector.platform,
    createdAt: now(),
  });
  if (entry.state === 'confirmed') {
    return {
      id: entry.postId!,
      author: connector.account,
      text: send.draft.text,
      replyTo: send.draft.replyTo ?? null,
      createdAt: entry.confirmedAt!,
      account: connector.account,
      duplicate: true,
    };
  }
  const sendIntent = intent(bot, entry);
  if (!created) {
    const sent = await connector.findSent(sendIntent);
    if (sent) {
      await store.confirmLedger(bot, key, sent.id, now());
      return { ...sent, duplicate: true };
    }
  }
  const draft = send.prepare ? await send.prepare(send.draft) : send.draft;
  const post =
    send.kind === 'ask' ? await connector.ask!(send.to!, draft, sendIntent) : await connector.send(draft, sendIntent);
  await store.confirmLedger(bot, key, post.id, now());
  return { ...post, duplicate: false };
}

/** At a bot's start: confirms the pending entries whose post one of its accounts on that platform has. */
export async function reconcileLedger(
  store: BotStore,
  bot: string,
  connectors: Iterable<Connector>,
  now: () => number,
): Promise<number> {
  let confirmed = 0;
  for (const entry of await store.pendingLedger(bot)) {
    for (const connector of connectors) {
      if (connector.platform !== entry.platform) continue;
      const sent = await connector.findSent(intent(bot, entry));
      if (!sent) continue;
      await store.confirmLedger(bot, entry.key, sent.id, now());
      confirmed++;
      break;
    }
  }
  return confirmed;
}
