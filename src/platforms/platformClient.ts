/**
 * What bots see of a platform. The sandbox implements it now and real platforms will later, so a
 * bot's code does not change when it moves from the sandbox to one.
 */

export interface PlatformPost {
  /** The platform's id, as text whatever the platform uses. */
  id: string;
  author: string;
  text: string;
  /** The post this one answers, if any. */
  replyTo: string | null;
  createdAt: number;
}

/**
 * Something a bot may react to: a question sent to it (`ask`), an answer to one of its posts
 * (`reply`), a post naming it (`mention`), or any other post it can see (`post`).
 */
export interface PlatformEvent {
  type: 'ask' | 'reply' | 'mention' | 'post';
  platform: string;
  post: PlatformPost;
  /** The poll cursor just past this event, stored once the event is handled. */
  cursor: string;
}

export interface PollResult {
  events: PlatformEvent[];
  /** Pass to the next poll; store it only once the events are handled. */
  cursor: string | null;
}

/** One account on one platform. */
export interface PlatformClient {
  readonly platform: string;
  readonly account: string;
  /** Events after the cursor (from the start of the account's history when null), oldest first. */
  poll(cursor: string | null, limit: number): Promise<PollResult>;
  post(text: string, key: string): Promise<PlatformPost>;
  reply(postId: string, text: string, key: string): Promise<PlatformPost>;
  /** The post this account made with the idempotency key, if any: how the ledger checks a send it is unsure of. */
  findSent(key: string): Promise<PlatformPost | null>;
  /** Where the platform has asks (questions sent to an account). */
  ask?(to: string, text: string, key: string): Promise<PlatformPost>;
  like?(postId: string): Promise<void>;
  /** How many likes each of these posts has, where the platform tells. */
  likesOf?(postIds: string[]): Promise<Map<string, number>>;
}
