import { Principal } from '../common/principal';

/**
 * What a principal may do under a model prefix. Platform admins may do everything; a user's grant
 * gives `see` (list, read, get session tokens), `deploy` with `can_deploy` or `admin` (create
 * models and versions) and `manage` with `admin` (grants, deletions, external API tokens).
 * Service accounts hold no grants.
 */
export interface PrefixRights {
  see: boolean;
  deploy: boolean;
  manage: boolean;
}

export type PrefixRight = keyof PrefixRights;

export function rightsOf(principal: Principal, grant: { canDeploy: boolean; admin: boolean } | null | undefined): PrefixRights {
  if (principal.kind === 'user' && principal.isAdmin) return { see: true, deploy: true, manage: true };
  if (principal.kind !== 'user' || !grant) return { see: false, deploy: false, manage: false };
  return { see: true, deploy: grant.canDeploy || grant.admin, manage: grant.admin };
}

export const isPlatformAdmin = (principal: Principal) => principal.kind === 'user' && principal.isAdmin;
