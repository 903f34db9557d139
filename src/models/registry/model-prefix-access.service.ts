import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error';
import { Principal } from '../../common/principal';
import { PrefixRight, PrefixRights, rightsOf } from '../prefix-rights';
import { ModelPrefixesRepository } from './model-prefixes.repository';

type PrefixRow = NonNullable<Awaited<ReturnType<ModelPrefixesRepository['findByKey']>>>;

const ACTIONS: Record<PrefixRight, string> = {
  see: 'a grant on',
  deploy: 'deploy rights (can_deploy or admin) on',
  manage: 'admin rights on',
};

/**
 * The one place registry authorization is decided, as ProjectAccessService does for projects:
 * unknown prefix → 404; known but not allowed → 403.
 */
@Injectable()
export class ModelPrefixAccess {
  constructor(private readonly prefixes: ModelPrefixesRepository) {}

  async byKey(principal: Principal, key: string, needed: PrefixRight): Promise<{ prefix: PrefixRow; rights: PrefixRights }> {
    return this.check(principal, await this.prefixes.findByKey(key, principal.id), needed, key);
  }

  async byId(principal: Principal, id: number, needed: PrefixRight): Promise<{ prefix: PrefixRow; rights: PrefixRights }> {
    return this.check(principal, await this.prefixes.findById(id, principal.id), needed, String(id));
  }

  private check(principal: Principal, prefix: PrefixRow | null, needed: PrefixRight, label: string) {
    if (!prefix) throw AppError.notFound(`model prefix ${label} not found`);
    const rights = rightsOf(principal, prefix.grants[0]);
    if (!rights[needed]) throw AppError.forbidden(`this action needs ${ACTIONS[needed]} model prefix ${prefix.key}`);
    return { prefix, rights };
  }
}
