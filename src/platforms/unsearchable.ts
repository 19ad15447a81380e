/**
 * At most once on platforms that cannot list what an account sent (Telegram's Bot API, IRC), so
 * nothing can be searched after a crash. A ledger entry left pending by a send that failed in
 * this process is sent again (it did not go out, or the platform refused it); one left pending
 * across a restart (the crash came between sending and recording) is taken as sent. Such a
 * platform loses at most the one post in flight at a crash, and never sends one twice.
 */
import type { PlatformPost, SendIntent } from './connector.js';

/** Sends that failed in this process (PLATFORM\0ACCOUNT\0KEY). */
const failedHere = new Set<string>();

/** Marks a send that did not go out, so findSent says so and the ledger sends it again. */
export function sendFailedHere(platform: string, account: string, key: string): void {
  failedHere.add(`${platform}\0${account}\0${key}`);
}

/** findSent for such a platform: null for a send that failed here, else an unconfirmed post. */
export function unsearchableFindSent(platform: string, account: string, intent: SendIntent): PlatformPost | null {
  if (failedHere.delete(`${platform}\0${account}\0${intent.key}`)) return null;
  return {
    id: `unconfirmed:${intent.key}`,
    author: account,
    text: '',
    replyTo: null,
    createdAt: intent.createdAt,
    account,
    extra: { unconfirmed: true },
  };
}
