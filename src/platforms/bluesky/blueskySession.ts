/**
 * The Bluesky session of one account: an `@atproto/api` agent whose every request goes through
 * the proxy (paced, retried on 429 and 5xx, recorded), logged in with the account's app password
 * and resumed from the session stored with its credentials, so a restart neither logs in again
 * (createSession has a tight limit: 30 in 5 minutes, 300 a day) nor loses a refreshed token.
 * The agent refreshes an expired access token itself (Bluesky answers 400 ExpiredToken, not 401)
 * and each new session is sealed with the credentials.
 */
import type { AtpAgent, AtpSessionData } from '@atproto/api';
import { AuthError } from '../errors.js';
import type { ConnectorDeps, Credentials } from '../platform.js';
import type { AccountChannel } from '../proxy/platformProxy.js';
import { loadAtproto, xrpcStatus } from './atproto.js';

/** What a session leaves in the account's credentials, beside the identifier and app password. */
export const SESSION_KEYS = ['accessJwt', 'refreshJwt', 'did', 'handle'] as const;

/** Bluesky's write points (docs.bsky.app/docs/advanced-guides/rate-limits): create 3, update 2, delete 1; reads none. */
const WRITE_POINTS: Record<string, number> = {
  'com.atproto.repo.createRecord': 3,
  'com.atproto.repo.putRecord': 2,
  'com.atproto.repo.deleteRecord': 1,
};

/** A fetch for the agent that sends through the proxy, each call weighed in write points. */
function proxiedFetch(channel: AccountChannel): typeof fetch {
  return async (input, init) => {
    const req = new Request(input, init);
    const nsid = new URL(req.url).pathname.replace(/^\/xrpc\//, '');
    const res = await channel.fetch({
      method: req.method,
      url: req.url,
      headers: Object.fromEntries(req.headers),
      body: req.body ? new Uint8Array(await req.arrayBuffer()) : undefined,
      label: `${req.method} ${nsid}`,
      cost: WRITE_POINTS[nsid] ?? 0,
    });
    const empty = res.status === 204 || res.status === 304;
    return new Response(empty ? null : res.text, { status: res.status, headers: res.headers });
  };
}

export class BlueskySession {
  private made: AtpAgent | null = null;
  private ready: Promise<AtpSessionData> | null = null;
  private savedJwt: string | undefined;
  /** The last save of the session, awaited after a login so that a restart resumes rather than logs in again. */
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly account: string,
    private readonly service: string,
    private readonly credentials: Credentials,
    private readonly deps: ConnectorDeps,
  ) {
    this.savedJwt = credentials.accessJwt;
  }

  /** The agent, made with the session (callers run after `session()`). */
  get agent(): AtpAgent {
    if (!this.made) throw new Error('the Bluesky session is not open yet: await session() first');
    return this.made;
  }

  private async makeAgent(): Promise<AtpAgent> {
    const { AtpAgent } = await loadAtproto();
    return (this.made ??= new AtpAgent({
      service: this.service,
      fetch: proxiedFetch(this.deps.channel),
      persistSession: (event, s) => {
        // Saved only when the tokens changed: each save renews the account's connectors.
        if ((event === 'create' || event === 'update') && s && s.accessJwt !== this.savedJwt) {
          this.savedJwt = s.accessJwt;
          this.saving = this.deps.saveCredentials(this.withSession(s)).catch(() => undefined);
        }
      },
    }));
  }

  private withSession(s: AtpSessionData): Credentials {
    const { identifier, appPassword } = this.credentials;
    return { identifier: identifier!, appPassword: appPassword!, ...pick(s) };
  }

  /** The logged-in session: resumed from the stored one, else (or when it is refused) a new login. */
  session(): Promise<AtpSessionData> {
    this.ready ??= this.open().catch((e: unknown) => {
      this.ready = null;
      throw e;
    });
    return this.ready;
  }

  private async open(): Promise<AtpSessionData> {
    const agent = await this.makeAgent();
    const c = this.credentials;
    if (c.accessJwt && c.refreshJwt && c.did && c.handle) {
      const stored = { accessJwt: c.accessJwt, refreshJwt: c.refreshJwt, did: c.did, handle: c.handle, active: true };
      const resumed = await agent.resumeSession(stored).then(
        () => true,
        (e: unknown) => {
          const status = xrpcStatus(e);
          if (status !== null && status >= 400 && status < 500) return false;
          throw e;
        },
      );
      if (resumed && agent.session) return agent.session;
    }
    try {
      await agent.login({ identifier: c.identifier!, password: c.appPassword! });
    } catch (e) {
      const status = xrpcStatus(e);
      if (status === 401 || status === 400)
        throw new AuthError(this.account, `Bluesky refused the identifier or app password (${(e as Error).message})`);
      throw e;
    }
    await this.saving;
    return agent.session!;
  }
}

function pick(s: AtpSessionData): Credentials {
  return { accessJwt: s.accessJwt, refreshJwt: s.refreshJwt, did: s.did, handle: s.handle };
}
