import { Keyset, Sort } from '../common/list-query';

/**
 * Prisma `where` and `orderBy` pieces for the filtered token lists kept in Prisma (service-account
 * access tokens, external model tokens). The instance-token list builds the same in SQL.
 */

export type LifecycleState = 'active' | 'expired' | 'revoked';
export const LIFECYCLE_STATES: readonly LifecycleState[] = ['active', 'expired', 'revoked'];

/** Tokens in any of `states`: revoked wins over expired, as the lists show them. */
export function lifecycleWhere(states: LifecycleState[], expiryField: string, now: Date) {
  const condition = {
    active: { revokedAt: null, [expiryField]: { gt: now } },
    expired: { revokedAt: null, [expiryField]: { lte: now } },
    revoked: { revokedAt: { not: null } },
  };
  return { OR: states.map((state) => condition[state]) };
}

/** Expiry strictly before and after the given instants. */
export function expiryWhere(expiryField: string, before: Date | undefined, after: Date | undefined) {
  return before || after ? { [expiryField]: { ...(before ? { lt: before } : {}), ...(after ? { gt: after } : {}) } } : {};
}

/** Last used strictly before and after the given instants; `neverUsed` true: never used, false: used at least once. */
export function lastUseWhere(before: Date | undefined, after: Date | undefined, neverUsed: boolean | undefined) {
  const range = before || after ? [{ lastUsedAt: { ...(before ? { lt: before } : {}), ...(after ? { gt: after } : {}) } }] : [];
  const used = neverUsed === undefined ? [] : [{ lastUsedAt: neverUsed ? null : { not: null } }];
  return { AND: [...range, ...used] };
}

/** Rows after `after` in the order of `keysetOrder` (the sorted field never empty). */
export function keysetWhere(sort: Sort<string>, after: Keyset) {
  const beyond = sort.direction === 'asc' ? 'gt' : 'lt';
  return { OR: [{ [sort.field]: { [beyond]: after.value } }, { [sort.field]: after.value, id: { [beyond]: after.id } }] };
}

/** A token's recorded client addresses (`lastUsedIps`), most recent first: a Prisma `include` of its `addresses`. */
export const ADDRESSES_NEWEST_FIRST = { addresses: { orderBy: [{ lastUsedAt: 'desc' as const }, { address: 'asc' as const }] } };

/** The sort, then the id in the same direction: a total order. */
export const keysetOrder = (sort: Sort<string>) => [{ [sort.field]: sort.direction }, { id: sort.direction }];
