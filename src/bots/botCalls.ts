import type { PostDraft } from '../platforms/connector.js';
import type { BotLogLevel, FeedItem } from '../types.js';
import type { ChatOptions, ChatReply } from './botChat.js';
import type { JobOutcome, SentPost } from './defineBot.js';

/**
 * The calls a bot's context makes to the hub, one type each: the bot's thread builds them
 * (runner.ts), the hub answers them (BotHost). Bot modules are plain JavaScript, so a field may
 * hold something else than its type says; the host coerces where the store needs a type.
 */

export interface LogCall {
  method: 'log';
  level: BotLogLevel;
  msg: string;
  data: unknown;
}

export interface StateGetCall {
  method: 'state.get';
  key: string;
}

/** `value` undefined deletes the key. */
export interface StateSetCall {
  method: 'state.set';
  key: string;
  value: unknown;
}

export interface FeedsPublishCall {
  method: 'feeds.publish';
  feed: string;
  items: unknown[];
}

export interface FeedsReadCall {
  method: 'feeds.read';
  feed: string;
  limit: number;
}

export interface FeedsAckCall {
  method: 'feeds.ack';
  feed: string;
  seq: number;
}

/** A post, or a reply when the draft has `replyTo`. */
export interface PostCall {
  method: 'post';
  /** The account to send with; null: the bot's own (for a reply: the one that read the post, when it can). */
  account: string | null;
  draft: PostDraft;
  key: string | null;
  /** For a reply: the account that read the post answered. */
  readBy: string | null;
}

export interface AskCall {
  method: 'ask';
  account: string | null;
  to: string;
  draft: PostDraft;
  key: string | null;
}

export interface LikeCall {
  method: 'like';
  account: string | null;
  postId: string;
}

export interface BoostCall {
  method: 'boost';
  account: string | null;
  postId: string;
}

export interface LikesOfCall {
  method: 'likesOf';
  account: string | null;
  postIds: string[];
}

export interface ChatSayCall {
  method: 'chat.say';
  counterpart: string;
  text: string;
  options: ChatOptions;
}

export interface ChatAvailableCall {
  method: 'chat.available';
  model: string | null;
}

/** Answered once the job is finished; its results stream to the thread as they land. */
export interface JobsRunCall {
  method: 'jobs.run';
  kind: string;
  input: unknown;
  variants: number | undefined;
  seed: number | undefined;
}

/** Stops a job early with the results it has. */
export interface JobsEnoughCall {
  method: 'jobs.enough';
  jobId: string;
}

export interface JobsSubmitCall {
  method: 'jobs.submit';
  kind: string;
  input: unknown;
  options: { delayMs?: number; key?: string };
}

export type BotCall =
  | LogCall
  | StateGetCall
  | StateSetCall
  | FeedsPublishCall
  | FeedsReadCall
  | FeedsAckCall
  | PostCall
  | AskCall
  | LikeCall
  | BoostCall
  | LikesOfCall
  | ChatSayCall
  | ChatAvailableCall
  | JobsRunCall
  | JobsEnoughCall
  | JobsSubmitCall;

/** What the hub answers to each call. */
export interface BotCallReplies {
  log: void;
  'state.get': unknown;
  'state.set': void;
  'feeds.publish': number[];
  'feeds.read': FeedItem[];
  'feeds.ack': void;
  post: SentPost;
  ask: SentPost;
  like: void;
  boost: void;
  likesOf: Record<string, number>;
  'chat.say': ChatReply;
  'chat.available': boolean;
  'jobs.run': JobOutcome;
  'jobs.enough': void;
  'jobs.submit': string;
}

export type BotCallReply<C extends BotCall> = BotCallReplies[C['method']];
