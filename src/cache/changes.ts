/**
 * What a writer says changed, after its write has committed. `kind` and `id` are also what a
 * cache entry is tagged with (see CacheOptions.tags). The names are the wire format between
 * replicas, shared with replicas of the previous version during a rolling upgrade.
 */
export const CHANGE_KINDS = [
  'instance-token',
  'instance',
  'project',
  'service-account-token',
  'external-token',
  'user',
  // The model registry: a model, its versions, a prefix or its grants.
  'model',
  'model-prefix',
  // An instance's token list (any token write, including lastUsedAt).
  'instance-tokens',
  // A project's row or memberships.
  'project-access',
] as const;

export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface Change {
  kind: ChangeKind;
  id: string;
}
