import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { requireScope, SESSION_COOKIE } from '../auth.js';
import { HttpError } from '../httpError.js';
import { SESSION_MS, type Session } from '../sessions.js';
import type { Tokens } from '../tokens.js';

const LoginBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200, description: 'An admin, client or bot token' }) },
  { additionalProperties: false },
);

/** Behind a TLS-terminating proxy the hub sees plain HTTP; the proxy says what the browser used. */
const overHttps = (req: FastifyRequest) => req.protocol === 'https' || req.headers['x-forwarded-proto'] === 'https';

/**
 * The dashboard session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's
 * page sends it), Path=/ (the dashboard and the API it calls), Secure when reached by HTTPS.
 */
const sessionCookie = (maxAge: number, req: FastifyRequest): CookieSerializeOptions => ({
  httpOnly: true,
  sameSite: 'strict',
  path: '/',
  maxAge,
  secure: overHttps(req),
});

const view = (s: Session) => ({ tokenId: s.tokenId, scope: s.scope, csrf: s.csrf, expiresAt: s.expiresAt });

/**
 * Dashboard login: a token is exchanged for a session cookie (HttpOnly, SameSite=Strict), so the
 * token itself is neither kept by the page nor sent again. Worker tokens cannot log in: they may
 * call nothing the dashboard shows. Logins are rate-limited per token (429 with Retry-After).
 */
export function sessionRoutes(app: FastifyInstance, tokens: Tokens): void {
  const tags = ['session'];
  const anyone = { onRequest: requireScope(tokens, 'client', 'bot', 'worker') };

  app.post(
    '/v1/session',
    {
      schema: {
        tags,
        summary: 'Log in to the dashboard: exchange a token for a session cookie',
        body: LoginBody,
        security: [],
      },
    },
    async (req, reply) => {
      const token = await tokens.verify((req.body as Static<typeof LoginBody>).token);
      if (!token)
        throw new HttpError(401, 'unauthorized', 'that token is not valid (unknown, revoked or mistyped)', 'token');
      if (token.scope === 'worker')
        throw new HttpError(
          403,
          'forbidden',
          'a worker token cannot log in to the dashboard; use an admin or client token',
          'token',
        );
      const made = tokens.sessions.create(token.id, token.scope);
      if ('retryAfterMs' in made)
        return reply
          .code(429)
          .header('retry-after', String(Math.ceil(made.retryAfterMs / 1000)))
          .send({
            error: {
              code: 'rate_limited',
              message: `too many logins with this token; try again in ${Math.ceil(made.retryAfterMs / 1000)} s`,
              field: 'token',
            },
          });
      const { id, session } = made;
      reply.setCookie(SESSION_COOKIE, id, sessionCookie(SESSION_MS / 1000, req));
      return reply.code(201).send(view(session));
    },
  );

  app.get(
    '/v1/session',
    { ...anyone, schema: { tags, summary: 'The dashboard session: scope and the CSRF value to send back' } },
    async (req) => {
      const id = req.cookies[SESSION_COOKIE];
      const session = id === undefined ? null : tokens.sessions.get(id);
      if (!session || req.headers.authorization)
        throw new HttpError(
          404,
          'not_found',
          'no dashboard session: this request carries a bearer token, not a session cookie',
        );
      return view(session);
    },
  );

  app.delete(
    '/v1/session',
    { ...anyone, schema: { tags, summary: 'Log out: end the session and clear its cookie' } },
    async (req, reply) => {
      const id = req.cookies[SESSION_COOKIE];
      if (id !== undefined) tokens.sessions.delete(id);
      reply.setCookie(SESSION_COOKIE, '', sessionCookie(0, req));
      return { loggedOut: true };
    },
  );
}
