import type { Store } from '../store/store.js';
import { HttpError } from './httpError.js';
import type { Caller } from './tokens.js';

/**
 * A lease is reported on (completed, failed, extended, given progress, released) only by the worker
 * token that claimed it, or an admin (docs/protocol.md, isolation between tokens). Leases claimed
 * before the claiming token was recorded, and leases that are no longer current (which the
 * operation itself then reports as lost), pass here.
 */
export async function checkLeases(store: Store, caller: Caller, leaseIds: string[], field: string): Promise<void> {
  if (caller.scope === 'admin' || leaseIds.length === 0) return;
  const owners = await store.leaseOwners(leaseIds);
  const foreign = leaseIds.filter((id) => {
    const owner = owners.get(id);
    return owner != null && owner !== caller.id;
  });
  if (foreign.length === 0) return;
  throw new HttpError(
    403,
    'forbidden',
    `another worker token claimed ${foreign.length === 1 ? 'this lease' : 'these leases'} (${foreign.join(', ')}); ` +
      'only the token that claimed a lease may report on it',
    field,
    { leaseIds: foreign },
  );
}
