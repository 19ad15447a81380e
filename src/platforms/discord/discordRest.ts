/**
 * Discord's HTTP API through @discordjs/rest, each request sent by the proxy (makeRequest): the
 * library builds routes, JSON and multipart bodies (`payload_json`, `files[n]`) and keeps a queue
 * per rate-limit bucket; the proxy paces the account, waits out 429s (so the library never sees
 * one), retries network errors and 5xx (so the library's own retries are off) and records each
 * call. Refusals come back as DiscordAPIError: 401 is the token, 403 a missing permission, other
 * 4xx a refusal naming the draft field Discord named.
 */
import { DiscordAPIError, REST, type RequestData, type ResponseLike, type RouteLike } from '@discordjs/rest';
import { AuthError, PlatformRefusal } from '../errors.js';
import { ALREADY_ACKNOWLEDGED } from './discordMessages.js';
import type { AccountChannel } from '../proxy/platformProxy.js';

/** Discord's error paths (`content`, `embeds.0.image`, `attachments`), as draft fields. */
const FIELD: Array<[RegExp, string]> = [
  [/^(content|message_reference)/m, 'text'],
  [/^(attachments|files)/m, 'images'],
  [/^embeds/m, 'embeds'],
];
const NO_BODY = new Set([101, 204, 205, 304]);

/** A route with its interaction or webhook token as a placeholder: tokens are secrets, never recorded or shown. */
const hideToken = (path: string) => path.replace(/\/(interactions\/\d+|webhooks\/\d+)\/[^/?]+/, '/$1/:token');

/** The proxy's label of a call: the route with its ids and tokens as placeholders. */
export function routeLabel(method: string, url: string): string {
  const path = hideToken(new URL(url).pathname.replace(/^\/api\/v\d+/, '')).replace(/\/\d{5,}/g, '/:id');
  return `${method} ${path}`;
}

export class DiscordRest {
  /** The library itself, for @discordjs/ws (it reads GET /gateway/bot through it). */
  readonly library: REST;

  constructor(
    private readonly account: string,
    api: string,
    private readonly token: string,
    channel: AccountChannel,
  ) {
    this.library = new REST({
      api,
      version: '10',
      retries: 0,
      // Sweepers off: their intervals would outlive a closed connector.
      handlerSweepInterval: 0,
      hashSweepInterval: 0,
      makeRequest: async (url, init): Promise<ResponseLike> => {
        const method = init.method ?? 'GET';
        const res = await channel.fetch({
          method,
          url,
          headers: init.headers as Record<string, string>,
          body: init.body as string | FormData | undefined,
          label: routeLabel(method, url),
        });
        return new Response(NO_BODY.has(res.status) || res.text === '' ? null : res.text, {
          status: res.status,
          headers: res.headers,
        });
      },
    }).setToken(token);
  }

  get<T>(route: RouteLike, o: RequestData = {}): Promise<T> {
    return this.call('get', route, o);
  }

  post<T>(route: RouteLike, o: RequestData = {}): Promise<T> {
    return this.call('post', route, o);
  }

  put<T>(route: RouteLike, o: RequestData = {}): Promise<T> {
    return this.call('put', route, o);
  }

  patch<T>(route: RouteLike, o: RequestData = {}): Promise<T> {
    return this.call('patch', route, o);
  }

  private async call<T>(verb: 'get' | 'post' | 'put' | 'patch', route: RouteLike, o: RequestData): Promise<T> {
    try {
      // The library forgets the token after a 401; the next call (the person fixed nothing yet) gets the same 401, not its error.
      this.library.setToken(this.token);
      return (await this.library[verb](route, o)) as T;
    } catch (e) {
      throw this.explain(e, `${verb.toUpperCase()} ${hideToken(route)}`);
    }
  }

  private explain(e: unknown, what: string): unknown {
    // Already acknowledged goes on as it is: the connector then edits the answer instead.
    if (!(e instanceof DiscordAPIError) || e.code === ALREADY_ACKNOWLEDGED) return e;
    if (e.status === 401) return new AuthError(this.account, `Discord refused the bot token (${what})`);
    if (e.status === 403)
      return new AuthError(
        this.account,
        `Discord forbids ${what} to this bot: ${e.message} (a permission or intent it lacks in that server or channel)`,
      );
    const detail = e.message.split('\n').slice(1).join('\n');
    const field = FIELD.find(([re]) => re.test(detail))?.[1] ?? 'post';
    return new PlatformRefusal(field, `Discord refused ${what}: ${e.message.replace(/\n/g, '; ')}`);
  }
}
