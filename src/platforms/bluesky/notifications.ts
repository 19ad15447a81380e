/**
 * Bluesky's notifications as events. listNotifications pages newest first and its own cursor only
 * goes back in time, so Roost's cursor is its own: `INDEXED_AT|URI` of the last notification
 * handled. A poll pages back from the newest until it reaches that point, then hands the newer
 * ones over oldest first, each with the cursor just past it. `0` is before every notification.
 */
import type { AppBskyFeedPost, AppBskyNotificationListNotifications, AtpAgent } from '@atproto/api';
import type { EventType, PlatformEvent, PlatformPost } from '../connector.js';

type Notification = AppBskyNotificationListNotifications.Notification;

export const START = '0';
/** How far back one poll looks for its cursor (pages of 100). */
const MAX_PAGES = 20;

const TYPES: Record<string, EventType> = {
  mention: 'mention',
  reply: 'reply',
  quote: 'mention',
  like: 'like',
  repost: 'boost',
};

const keyOf = (n: Notification) => `${n.indexedAt}|${n.uri}`;

/** Whether a notification comes after the cursor, in (indexedAt, uri) order. */
function after(n: Notification, cursor: string): boolean {
  const [at = '', uri = ''] = cursor.split('|');
  return n.indexedAt > at || (n.indexedAt === at && n.uri > uri);
}

/** Notifications after the cursor, oldest first (null cursor: none, only the newest's key). */
export async function notificationsAfter(
  agent: AtpAgent,
  cursor: string | null,
): Promise<{ fresh: Notification[]; newest: string }> {
  const fresh: Notification[] = [];
  let page: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const res = await agent.app.bsky.notification.listNotifications({ limit: cursor === null ? 1 : 100, cursor: page });
    const list = res.data.notifications;
    if (cursor === null) return { fresh: [], newest: list[0] ? keyOf(list[0]) : START };
    const newer = list.filter((n) => after(n, cursor));
    fresh.push(...newer);
    page = res.data.cursor;
    if (newer.length < list.length || !page || list.length === 0) break;
  }
  fresh.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
  return { fresh, newest: fresh.length ? keyOf(fresh[fresh.length - 1]!) : (cursor ?? START) };
}

export function postUrl(uri: string, handle: string): string {
  return `https://bsky.app/profile/${handle}/post/${uri.split('/').pop()}`;
}

/** A post record as a PlatformPost. */
export function toPost(uri: string, handle: string, record: AppBskyFeedPost.Record, account: string): PlatformPost {
  return {
    id: uri,
    author: handle,
    text: record.text,
    replyTo: record.reply?.parent.uri ?? null,
    createdAt: Date.parse(record.createdAt),
    account,
    url: postUrl(uri, handle),
  };
}

/**
 * The events of these notifications (others, like follows, only move the cursor). A like or
 * repost is of the bot's post, whose text `subjects` gives.
 */
export function toEvents(
  fresh: Notification[],
  account: string,
  subjects: Map<string, PlatformPost>,
): Array<PlatformEvent | { skip: true; cursor: string }> {
  return fresh.map((n) => {
    const type = TYPES[n.reason];
    const cursor = keyOf(n);
    if (!type) return { skip: true, cursor };
    const base = { type, platform: 'bluesky', account, cursor };
    if (type === 'like' || type === 'boost') {
      const post = n.reasonSubject ? subjects.get(n.reasonSubject) : undefined;
      if (!post) return { skip: true, cursor };
      return { ...base, post, actor: n.author.handle };
    }
    return { ...base, post: toPost(n.uri, n.author.handle, n.record as AppBskyFeedPost.Record, account) };
  });
}
