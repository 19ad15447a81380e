/**
 * `@atproto/api`, loaded on a Bluesky account's first call: it takes about 0.3 s to load (its
 * lexicons), which every hub start and test would pay though most hubs have no Bluesky account.
 */
import type * as Atproto from '@atproto/api';

let lib: typeof Atproto | null = null;
let loading: Promise<typeof Atproto> | null = null;

export function loadAtproto(): Promise<typeof Atproto> {
  return (loading ??= import('@atproto/api').then((m) => (lib = m)));
}

/** The library once loaded: every caller runs inside a session, which loads it first. */
export function atproto(): typeof Atproto {
  if (!lib) throw new Error('@atproto/api is not loaded yet: await loadAtproto() first');
  return lib;
}

/** An XRPC error's HTTP status; null for any other error (none can be one before the library loads). */
export function xrpcStatus(e: unknown): number | null {
  return lib && e instanceof lib.XRPCError ? e.status : null;
}
