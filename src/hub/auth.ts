import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Scope } from '../types/tokens.js';
import { HttpError } from './httpError.js';
import { csrfMatches } from './sessions.js';
import type { Caller, Tokens } from './tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    token?: Caller;
  }
}

/** The dashboard's session cookie. */
export const SESSION_COOKIE = 'roost_session';
/** The header a cookie request that changes something must carry, with its session's CSRF value. */
export const CSRF_HEADER = 'x-roost-csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Who is calling: the bearer token, else the dashboard session in the cookie. Cookies ride along
 * with any request the browser makes, so a cookie request that changes something must also carry
 * the session's CSRF value in a header (which another site's page cannot set) and, when the
 * browser names an Origin, come from this hub's.
 */
async function caller(tokens: Tokens, req: FastifyRequest): Promise<Caller> {
  const header = req.headers.authorization;
  const cookie = header ? undefined : req.cookies[SESSION_COOKIE];
  if (!header && !cookie)
    throw new HttpError(
      401,
      'unauthorized',
      'missing Authorization header: send "Authorization: Bearer <token>" (or log in to the dashboard)',
    );
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new HttpError(401, 'unauthorized', 'the Authorization header must be "Bearer <token>"');
    const token = await tokens.verify(match[1]!);
    if (!token) throw new HttpError(401, 'unauthorized', 'the token is not valid (unknown, revoked or mistyped)');
    return token;
  }
  const session = tokens.sessions.get(cookie!);
  const active = session ? await tokens.active(session.tokenId) : null;
  if (!session || !active) {
    throw new HttpError(
      401,
      'unauthorized',
      'the dashboard session has ended (logged out, expired, or its token was revoked): log in again',
    );
  }
  if (!SAFE_METHODS.has(req.method)) {
    const origin = req.headers.origin;
    if (origin !== undefined && !sameHost(origin, req.headers.host)) {
      throw new HttpError(403, 'forbidden', `a request from ${origin} may not use this hub's dashboard session`);
    }
    if (!csrfMatches(session, single(req.headers[CSRF_HEADER]))) {
      throw new HttpError(
        403,
        'forbidden',
        `a request with the session cookie that changes something must send the ${CSRF_HEADER} header from GET /v1/session`,
      );
    }
  }
  return { id: session.tokenId, scope: session.scope, ...active };
}

const single = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * An onRequest hook (so nothing is parsed for a stranger) that admits requests whose bearer token
 * (or dashboard session) has one of the scopes (admin always). 401 when no valid token or session
 * is given, 403 when its scope is not allowed here.
 */
export function requireScope(tokens: Tokens, ...scopes: Scope[]) {
  const allowed = new Set<Scope>(['admin', ...scopes]);
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const token = await caller(tokens, req);
    if (!allowed.has(token.scope)) {
      throw new HttpError(
        403,
        'forbidden',
        `a ${token.scope} token cannot do this; it needs a token with scope ${[...allowed].join(' or ')}`,
      );
    }
    req.token = token;
  };
}
