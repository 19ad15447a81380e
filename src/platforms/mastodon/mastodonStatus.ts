/** Mastodon's REST shapes as the connector reads them, and the text of a status as a reader sees it. */

export interface Account {
  id: string;
  acct: string;
  username: string;
  display_name?: string;
  url?: string;
}

export interface Status {
  id: string;
  created_at: string;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  visibility: string;
  content: string;
  url?: string | null;
  account: Account;
  tags?: Array<{ name: string }>;
}

export interface Notification {
  id: string;
  type: string;
  created_at: string;
  account: Account;
  status?: Status | null;
}

/** The text of a status's HTML, as a reader sees it. */
export function textOf(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p>/gi, '\n\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}

/** Mastodon's ids are numbers as text; GoToSocial's are ULIDs, which sort as text. */
export function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The text without the mentions put before it and the tags put after it: the draft's text, to hash. */
export function unrender(text: string): string {
  return text
    .replace(/^(@[\w.@-]+\s+)+/, '')
    .replace(/(\s+#[\p{L}\p{N}_]+)+$/u, '')
    .trim();
}
