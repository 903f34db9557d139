import { Caller } from './caller';

export const AUDIT_ACTIONS = [
  'instance.create',
  'instance.update',
  'instance.delete',
  'instance-token.create',
  'instance-token.update',
  'instance-token.delete',
  'instance-token.verify',
  'instance-token.rotate',
  'service-account-token.rotate',
  'external-token.rotate',
  // A token value reported through POST /v1/token-revocations matched, and the token was revoked.
  'instance-token.leaked',
  'service-account-token.leaked',
  'external-token.leaked',
  'refresh-token.leaked',
  'instance-token.used-from-new-address',
  'service-account-token.used-from-new-address',
  'external-token.used-from-new-address',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  /** The project the resource belongs to; events without one are not listed by the API. */
  projectId: string | null;
  /**
   * `user`, `service-account`, `instance-token` for a token presented at verification, or
   * `anonymous` (id: the client address) for whoever reported a leaked token.
   */
  actor: { type: string; id: string };
  action: AuditAction;
  resource: { type: 'instance' | 'instance-token' | 'service-account-token' | 'external-token' | 'refresh-token'; id: string | null };
  outcome: 'success' | 'denied';
  requestId?: string;
  /** Small, non-secret facts (e.g. the reason of a denial). Never a token's content. */
  details?: Record<string, unknown>;
}

/** What a caller did, successfully, to a resource of a project. */
export function successEntry(
  caller: Caller,
  projectId: string,
  action: AuditAction,
  resource: AuditEntry['resource'],
  details: Record<string, unknown>,
): AuditEntry {
  return {
    projectId,
    actor: { type: caller.principal.kind, id: caller.principal.id },
    action,
    resource,
    outcome: 'success',
    requestId: caller.requestId,
    details,
  };
}
