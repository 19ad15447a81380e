/**
 * What bots see of a platform, and what each platform's connector implements. One connector is one
 * account on one platform; a bot names the accounts it reads and posts with, so its code does not
 * change when an account moves from the sandbox to a real network.
 */
import { createHash } from 'node:crypto';

/** What a bot may react to. `like` and `boost` are of the bot's own posts; `message` is a direct message. */
export const EVENT_TYPES = ['ask', 'mention', 'reply', 'post', 'message', 'like', 'boost'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface PlatformPost {
  /** The platform's id, as text whatever the platform uses. */
  id: string;
  /** The author's handle as the platform writes it. */
  author: string;
  text: string;
  /** The post this one answers, if any. */
  replyTo: string | null;
  createdAt: number;
  /** The Roost account that read or wrote it. */
  account?: string;
  /** Where a person can see it, when the platform has such a page. */
  url?: string;
  /** Other fields a platform keeps (a feed item's title, tags): read-only extras. */
  extra?: Record<string, unknown>;
}

export interface PlatformEvent {
  type: EventType;
  platform: string;
  /** The Roost account the event came to. */
  account: string;
  post: PlatformPost;
  /** Who liked, boosted or wrote (for like and boost: someone other than the post's author). */
  actor?: string;
  /** The poll cursor just past this event, stored once the event is handled. */
  cursor: string;
}

export interface PollResult {
  events: PlatformEvent[];
  /** Pass to the next poll; store it only once the events are handled. */
  cursor: string | null;
}

export type Visibility = 'public' | 'unlisted' | 'followers' | 'direct';

/** An image to attach: a file on the hub machine, its bytes, or an artifact of the hub. */
export interface ImageInput {
  file?: string;
  data?: Uint8Array;
  /** `sha256:<hex>`, as a result's `$artifact` names it; read from the hub's artifacts when sent. */
  artifact?: string;
  /** e.g. image/png; guessed from the file's extension when absent. */
  mime?: string;
  /** Alt text. */
  alt?: string;
}

/** The one post model: a connector maps what its platform has and refuses the rest. */
export interface PostDraft {
  text: string;
  replyTo?: string | null;
  /** Handles to mention; added to the text as the platform writes mentions where the text lacks them. */
  mentions?: string[];
  tags?: string[];
  images?: ImageInput[];
  /** Shown before the text, which is hidden behind it (Mastodon's spoiler text). */
  contentWarning?: string | null;
  sensitive?: boolean;
  /** ISO 639-1, e.g. en. */
  language?: string | null;
  visibility?: Visibility | null;
}

export const OPTIONAL_FIELDS = [
  'mentions',
  'tags',
  'images',
  'contentWarning',
  'sensitive',
  'language',
  'visibility',
] as const;
export type OptionalField = (typeof OPTIONAL_FIELDS)[number];

/** What a connector can do on its platform; the hub checks drafts against it before anything is sent. */
export interface Capabilities {
  /** The events its polls produce. */
  events: readonly EventType[];
  post: boolean;
  reply: boolean;
  ask: boolean;
  like: boolean;
  boost: boolean;
  /** Characters, counted as the platform counts them (code points here). */
  maxText: number;
  maxImages: number;
  maxImageBytes: number;
  /** Optional draft fields it maps; any other set in a draft is refused. */
  fields: readonly OptionalField[];
  visibilities: readonly Visibility[];
}

/** Who an account is on its platform, and what it may do there (`roost account test`). */
export interface Identity {
  id: string;
  handle: string;
  displayName?: string;
  url?: string;
  /** What the credentials allow, as the platform says (scopes) or as the connector knows. */
  can: string[];
}

/** What the ledger knows of a send it is unsure of (a crash came between sending and recording). */
export interface SendIntent {
  /** The ledger key: the same key is never posted twice. */
  key: string;
  /** A key derived from the bot and ledger key, for platforms that deduplicate on one (Mastodon's Idempotency-Key). */
  idempotencyKey: string;
  /** contentHash(platform, replyTo, text) of the draft. */
  hash: string;
  /** When the intent was written: a post made before it is not the one sought. */
  createdAt: number;
}

/** One account on one platform. */
export interface Connector {
  readonly platform: string;
  /** The Roost account name. */
  readonly account: string;
  readonly capabilities: Capabilities;
  /** Checks the credentials: who the account is and what it may do. Throws AuthError when they are refused. */
  whoami(): Promise<Identity>;
  /** Events after the cursor (from now, or the start of the account's history, when null), oldest first. */
  poll(cursor: string | null, limit: number): Promise<PollResult>;
  /** A post, or a reply when draft.replyTo is set; the draft has been checked against capabilities. */
  send(draft: PostDraft, intent: SendIntent): Promise<PlatformPost>;
  /** The post made for this intent, if it went out: how the ledger settles a pending entry. */
  findSent(intent: SendIntent): Promise<PlatformPost | null>;
  ask?(to: string, draft: PostDraft, intent: SendIntent): Promise<PlatformPost>;
  like?(postId: string): Promise<void>;
  boost?(postId: string): Promise<void>;
  /** How many likes each of these posts has, where the platform tells. */
  likesOf?(postIds: string[]): Promise<Map<string, number>>;
  /** Ends what the connector holds open (IRC's connection): at shutdown, or when its account changes. */
  close?(): Promise<void>;
}

/** The hash the ledger keeps of a post, and connectors compare recent posts against. */
export function contentHash(platform: string, replyTo: string | null, text: string): string {
  return createHash('sha256')
    .update(JSON.stringify([platform, replyTo, text]))
    .digest('hex');
}

/** A key for platforms that deduplicate sends: the same bot and ledger key give the same one. */
export function idempotencyKey(bot: string, key: string): string {
  return createHash('sha256')
    .update(JSON.stringify([bot, key]))
    .digest('hex')
    .slice(0, 40);
}
