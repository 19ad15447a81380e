import { HttpError } from './httpError.js';
import type { Caller } from './tokens.js';

/**
 * A bot token made with `bot` acts only for that bot (docs/protocol.md, isolation between tokens):
 * its state, its cursors (the consumer named after it), and the feeds it owns or creates.
 */

/** Refuses (403 on `field`) a confined bot token acting for another bot than its own. */
export function checkBot(caller: Caller, bot: string, field: string): void {
  if (caller.scope !== 'bot' || caller.bot === null || caller.bot === bot) return;
  throw new HttpError(403, 'forbidden', `this token acts only for bot '${caller.bot}', not '${bot}'`, field);
}

/** The feed's owner a publish records and checks: the confined bot token's bot; null otherwise. */
export function feedWriter(caller: Caller): string | null {
  return caller.scope === 'bot' ? caller.bot : null;
}

export function feedRefused(caller: Caller, feed: string): HttpError {
  return new HttpError(
    403,
    'forbidden',
    `feed '${feed}' is not bot '${caller.bot}''s: this token writes only the feeds its bot owns or creates`,
    'feed',
  );
}
