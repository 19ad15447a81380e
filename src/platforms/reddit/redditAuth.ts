/**
 * Reddit's OAuth2 (github.com/reddit-archive/reddit/wiki/OAuth2): a bearer token from
 * POST /api/v1/access_token with the app's client id and secret as HTTP basic auth, by one of two
 * grants: `password` (a script app, acting as its developer's own account: username + password)
 * or `refresh_token` (an installed or web app the account authorised once, permanent duration).
 * Tokens last an hour; one is renewed a minute before it expires, and on a 401 (through the
 * proxy's onUnauthorized hook, which then sends the refused request again).
 */
import { AuthError } from '../errors.js';
import type { AccountChannel } from '../proxy/platformProxy.js';

export interface RedditCredentials {
  clientId: string;
  /** Empty for an installed app (Reddit's docs: the secret is then the empty string). */
  clientSecret: string;
  username?: string;
  password?: string;
  refreshToken?: string;
}

/** Renew this long before Reddit's expires_in runs out, so no call goes with a dying token. */
const EARLY_MS = 60_000;

export class RedditAuth {
  private bearer = '';
  private expiresAt = 0;
  private pending: Promise<void> | null = null;
  /** True while the token request itself is out: its 401 must not ask for another token. */
  private authing = false;

  constructor(
    private readonly account: string,
    private readonly tokenUrl: string,
    private readonly c: RedditCredentials,
    private readonly channel: AccountChannel,
    private readonly now: () => number,
    private readonly userAgent: string,
  ) {
    channel.onUnauthorized(async () => {
      if (this.authing) return false;
      this.expiresAt = 0;
      await this.fresh();
      return true;
    });
  }

  /**
   * Headers for a request to the API. Authorization is read each time the request is sent, so one
   * the proxy sends again after a renewal (on a 401) carries the new token.
   */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    const bearer = () => this.bearer;
    return {
      ...extra,
      'user-agent': this.userAgent,
      accept: 'application/json',
      get authorization() {
        return `Bearer ${bearer()}`;
      },
    };
  }

  /** A token valid for at least a minute more. */
  async fresh(): Promise<void> {
    if (this.expiresAt - EARLY_MS > this.now() && this.bearer) return;
    await (this.pending ??= this.fetchToken().finally(() => (this.pending = null)));
  }

  private grant(): URLSearchParams {
    if (this.c.refreshToken)
      return new URLSearchParams({ grant_type: 'refresh_token', refresh_token: this.c.refreshToken });
    if (this.c.username && this.c.password)
      return new URLSearchParams({ grant_type: 'password', username: this.c.username, password: this.c.password });
    throw new AuthError(
      this.account,
      'Reddit credentials need username and password (a script app) or refreshToken (an installed app)',
    );
  }

  private async fetchToken(): Promise<void> {
    const body = this.grant().toString();
    const basic = Buffer.from(`${this.c.clientId}:${this.c.clientSecret}`).toString('base64');
    this.authing = true;
    let res;
    try {
      res = await this.channel.fetch({
        method: 'POST',
        url: this.tokenUrl,
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          'user-agent': this.userAgent,
        },
        body,
        label: 'POST /api/v1/access_token',
      });
    } finally {
      this.authing = false;
    }
    // A wrong client id or secret is a 401; a wrong password or refresh token a 200 with { error }.
    if (res.status === 401)
      throw new AuthError(
        this.account,
        'Reddit refused the app (clientId and clientSecret; see reddit.com/prefs/apps)',
      );
    let t: { access_token?: string; expires_in?: number; error?: string };
    try {
      t = res.json();
    } catch {
      throw new Error(`Reddit answered the token request with HTTP ${res.status}: ${res.text.slice(0, 200)}`);
    }
    if (!t.access_token)
      throw new AuthError(
        this.account,
        `Reddit refused the ${this.c.refreshToken ? 'refresh token' : 'username and password'}: ${t.error ?? `HTTP ${res.status}`}`,
      );
    this.bearer = t.access_token;
    this.expiresAt = this.now() + (t.expires_in ?? 3600) * 1000;
  }
}
