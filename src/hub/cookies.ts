/** The cookies of a request's Cookie header, by name (the first of a name wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name && !cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

export interface CookieOptions {
  maxAgeSeconds: number;
  /** Only over HTTPS: set when the hub (or the proxy in front of it) was reached by HTTPS. */
  secure: boolean;
}

/**
 * A Set-Cookie value for the dashboard session: HttpOnly (no script reads it), SameSite=Strict
 * (no other site's page sends it), Path=/ (the dashboard and the API it calls).
 */
export function sessionCookie(name: string, value: string, o: CookieOptions): string {
  return `${name}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${o.maxAgeSeconds}${o.secure ? '; Secure' : ''}`;
}
