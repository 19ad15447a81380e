/**
 * The errors callers must tell apart; the HTTP layer maps them to 4xx replies and the CLI to
 * messages. Everything else is a plain Error whose message says how to fix it.
 */

/** Bad input: names the field (or flag) at fault. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** The request is well formed but the thing it acts on is in the wrong state. */
export class ConflictError extends Error {
  override name = 'ConflictError';
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** What the request needs is out of reach for now (another hub did not answer); trying again may work. */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
}
