/** The hub's JSON API as the dashboard calls it: same origin, the session cookie, the CSRF header. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

let csrf = '';
let onSignedOut: () => void = () => {};

/** The CSRF value of the session, sent with every request that changes something. */
export function adoptSession(value: string, signedOut: () => void): void {
  csrf = value;
  onSignedOut = signedOut;
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-roost-csrf'] = csrf;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const data = (await res.json().catch(() => null)) as {
    error?: { code: string; message: string; field?: string };
  } | null;
  if (!res.ok) {
    const e = data?.error;
    // A session that ended (logout elsewhere, expiry, a revoked token) sends the user to the login page.
    if (res.status === 401 && path !== '/v1/session') onSignedOut();
    throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? `HTTP ${res.status}`, e?.field);
  }
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body);

/**
 * Follows a Server-Sent Events stream (EventSource sends the session cookie). `onEvent` gets each
 * named event's JSON data. Returns the function that closes it.
 */
export function follow<E extends Record<string, unknown>>(
  path: string,
  onEvent: { [K in keyof E]: (data: E[K]) => void },
  onError?: () => void,
): () => void {
  const source = new EventSource(path);
  for (const name of Object.keys(onEvent) as Array<keyof E & string>)
    source.addEventListener(name, (e) => onEvent[name](JSON.parse((e as MessageEvent<string>).data) as E[typeof name]));
  if (onError) source.addEventListener('error', onError);
  return () => source.close();
}

/** Query strings from the set values of an object. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
