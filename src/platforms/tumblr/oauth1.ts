/**
 * OAuth 1.0a request signing with HMAC-SHA1 (RFC 5849 section 3), the only method Tumblr's API takes.
 * The signature covers the method, the URL without its query, and every query, form-body and oauth_
 * parameter; a JSON or multipart body is not part of it (RFC 5849 3.4.1.3).
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface OAuthKeys {
  consumerKey: string;
  consumerSecret: string;
  token: string;
  tokenSecret: string;
}

/** RFC 3986 percent-encoding, as OAuth requires (encodeURIComponent leaves !'()* alone). */
export function percent(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The signature of a request whose parameters (query, form body, oauth_*; not oauth_signature) are `params`. */
export function oauthSignature(
  method: string,
  url: string,
  params: Array<[string, string]>,
  consumerSecret: string,
  tokenSecret: string,
): string {
  const u = new URL(url);
  const base = `${u.protocol}//${u.host}${u.pathname}`.replace(/^(\w+:)/, (s) => s.toLowerCase());
  const normalized = params
    .map(([k, v]) => [percent(k), percent(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const text = [method.toUpperCase(), percent(base), percent(normalized)].join('&');
  return createHmac('sha1', `${percent(consumerSecret)}&${percent(tokenSecret)}`)
    .update(text)
    .digest('base64');
}

/** The query's parameters and a form body's, as the signature counts them. */
export function signedParams(url: string, form?: URLSearchParams): Array<[string, string]> {
  return [...new URL(url).searchParams, ...(form ?? [])];
}

/** The `Authorization: OAuth …` header of a request; `form` is its application/x-www-form-urlencoded body, if any. */
export function oauthHeader(
  method: string,
  url: string,
  keys: OAuthKeys,
  form?: URLSearchParams,
  at: { nonce: string; timestamp: number } = {
    nonce: randomBytes(16).toString('hex'),
    timestamp: Math.floor(Date.now() / 1000),
  },
): string {
  const oauth: Array<[string, string]> = [
    ['oauth_consumer_key', keys.consumerKey],
    ['oauth_nonce', at.nonce],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', String(at.timestamp)],
    ['oauth_token', keys.token],
    ['oauth_version', '1.0'],
  ];
  const signature = oauthSignature(
    method,
    url,
    [...signedParams(url, form), ...oauth],
    keys.consumerSecret,
    keys.tokenSecret,
  );
  return `OAuth ${[...oauth, ['oauth_signature', signature]].map(([k, v]) => `${k}="${percent(v!)}"`).join(', ')}`;
}

/** The parameters of an `Authorization: OAuth …` header (null: not one). */
export function parseOAuthHeader(header: string | undefined): Map<string, string> | null {
  if (!header?.startsWith('OAuth ')) return null;
  const params = new Map<string, string>();
  for (const m of header.slice(6).matchAll(/([\w]+)="([^"]*)"/g)) params.set(m[1]!, decodeURIComponent(m[2]!));
  return params;
}
