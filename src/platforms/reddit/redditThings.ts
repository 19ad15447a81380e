/** Reddit's API shapes as the connector reads them, and where an instance URL sends its calls. */

export const SITE = 'https://www.reddit.com';

/** A comment (t1), message (t4) or link (t3) as listings give it; only what Roost reads. */
export interface Thing {
  name: string;
  author: string;
  body?: string;
  selftext?: string;
  created_utc: number;
  parent_id?: string | null;
  subreddit?: string | null;
  permalink?: string;
  context?: string;
  type?: string;
  was_comment?: boolean;
}

export interface Listing {
  kind: 'Listing';
  data: { children: Array<{ kind: string; data: Thing }>; after: string | null; before: string | null };
}

/** What a write answers besides its errors: the thing written (a comment, an edit), or a new post's name and URL. */
export type WriteData = { things?: Array<{ data: Thing }>; name?: string; url?: string };
export type ApiErrors = { json?: { errors?: Array<[string, string, string?]>; data?: WriteData } };

/** www.reddit.com means the real site (tokens there, API calls to oauth.reddit.com); any other URL serves both (a test server). */
export function endpoints(instance: string): { token: string; root: string } {
  const host = new URL(instance).hostname;
  if (host === 'reddit.com' || host.endsWith('.reddit.com'))
    return { token: `${SITE}/api/v1/access_token`, root: 'https://oauth.reddit.com' };
  return { token: `${instance}/api/v1/access_token`, root: instance };
}
