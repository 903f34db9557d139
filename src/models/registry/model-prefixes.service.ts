import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error';
import { descriptionChange } from '../../common/description';
import { Principal } from '../../common/principal';
import { Caches } from '../../cache/caches.service';
import { isPlatformAdmin, PrefixRights, rightsOf } from '../prefix-rights';
import { CreateGrantDto, CreateModelPrefixDto, GrantDto, ModelPrefixDto, UpdateGrantDto, UpdateModelPrefixDto } from './dto/model-prefix.dto';
import { ModelPrefixAccess } from './model-prefix-access.service';
import { ModelPrefixesRepository } from './model-prefixes.repository';

type PrefixRow = { id: number; key: string; prefix: string; description: string | null; createdAt: Date; updatedAt: Date };
type GrantRow = Awaited<ReturnType<ModelPrefixesRepository['listGrants']>>[number];

@Injectable()
export class ModelPrefixesService {
  constructor(
    private readonly prefixes: ModelPrefixesRepository,
    private readonly access: ModelPrefixAccess,
    private readonly caches: Caches,
  ) {}

  async list(caller: Principal): Promise<ModelPrefixDto[]> {
    if (caller.kind !== 'user') return [];
    const rows = caller.isAdmin ? await this.prefixes.listAll(caller.id) : await this.prefixes.listGrantedTo(caller.id);
    return rows.map((row) => toPrefix(row, rightsOf(caller, row.grants[0])));
  }

  async get(caller: Principal, key: string): Promise<ModelPrefixDto> {
    const { prefix, rights } = await this.access.byKey(caller, key, 'see');
    return toPrefix(prefix, rights);
  }

  async create(caller: Principal, dto: CreateModelPrefixDto): Promise<ModelPrefixDto> {
    if (!isPlatformAdmin(caller)) throw AppError.forbidden('only platform administrators create model prefixes');
    if (await this.prefixes.findByKey(dto.key, caller.id)) throw AppError.conflict(`a model prefix with key ${dto.key} already exists`);
    await this.assertPathFree(dto.prefix);
    const row = await this.prefixes.create({ key: dto.key, prefix: dto.prefix, description: dto.description ?? null });
    await this.changed(row.id);
    return toPrefix(row, rightsOf(caller, null));
  }

  async update(caller: Principal, key: string, dto: UpdateModelPrefixDto): Promise<ModelPrefixDto> {
    const { prefix, rights } = await this.access.byKey(caller, key, 'manage');
    if (dto.prefix !== undefined && dto.prefix !== prefix.prefix) {
      // The URL space is the platform's: a prefix admin could otherwise claim any free path.
      if (!isPlatformAdmin(caller)) throw AppError.forbidden('only platform administrators move a prefix to another path');
      await this.assertPathFree(dto.prefix);
    }
    const row = await this.prefixes.update(prefix.id, { prefix: dto.prefix, description: descriptionChange(dto.description) }, caller.id);
    await this.changed(row.id);
    return toPrefix(row, rights);
  }

  async delete(caller: Principal, key: string): Promise<void> {
    const { prefix } = await this.access.byKey(caller, key, 'manage');
    await this.prefixes.delete(prefix.id);
    await this.changed(prefix.id);
  }

  async listGrants(caller: Principal, key: string): Promise<GrantDto[]> {
    const { prefix } = await this.access.byKey(caller, key, 'manage');
    return (await this.prefixes.listGrants(prefix.id)).map(toGrant);
  }

  async addGrant(caller: Principal, key: string, dto: CreateGrantDto): Promise<GrantDto> {
    const { prefix } = await this.access.byKey(caller, key, 'manage');
    const user = await this.prefixes.findUserByEmail(dto.email.trim().toLowerCase());
    if (!user) throw AppError.notFound(`no user ${dto.email}`);
    if (await this.prefixes.findGrant(prefix.id, user.id)) throw AppError.conflict(`${dto.email} already holds a grant on ${key}; change it instead`);
    const grant = await this.prefixes.createGrant(prefix.id, user.id, { canDeploy: dto.can_deploy ?? false, admin: dto.admin ?? false });
    await this.changed(prefix.id);
    return toGrant(grant);
  }

  async updateGrant(caller: Principal, key: string, userId: string, dto: UpdateGrantDto): Promise<GrantDto> {
    const { prefix } = await this.access.byKey(caller, key, 'manage');
    if (!(await this.prefixes.findGrant(prefix.id, userId))) throw AppError.notFound(`user ${userId} holds no grant on ${key}`);
    const grant = await this.prefixes.updateGrant(prefix.id, userId, { canDeploy: dto.can_deploy, admin: dto.admin });
    await this.changed(prefix.id);
    return toGrant(grant);
  }

  async removeGrant(caller: Principal, key: string, userId: string): Promise<void> {
    const { prefix } = await this.access.byKey(caller, key, 'manage');
    if (!(await this.prefixes.deleteGrant(prefix.id, userId))) throw AppError.notFound(`user ${userId} holds no grant on ${key}`);
    await this.changed(prefix.id);
  }

  /**
   * Model URLs resolve to the longest registered prefix, so a new path must not equal another
   * prefix, nor `<existing prefix>/<one of its models>`: that model's version URLs would resolve
   * under the new prefix instead.
   */
  private async assertPathFree(path: string): Promise<void> {
    if (await this.prefixes.findByPrefix(path)) throw AppError.conflict(`a model prefix with path ${path} already exists`);
    const cut = path.lastIndexOf('/');
    const parent = cut > 0 ? await this.prefixes.findByPrefix(path.slice(0, cut)) : null;
    const modelName = path.slice(cut + 1);
    if (parent && (await this.prefixes.modelExists(parent.id, modelName))) {
      throw AppError.conflict(`prefix ${path} would hide the version URLs of model ${modelName} under ${parent.prefix}`);
    }
  }

  /** Grants and paths decide who reaches which model: caches must forget them. */
  private changed(prefixId: number): Promise<void> {
    return this.caches.invalidate('model-prefix', String(prefixId));
  }
}

function toPrefix(row: PrefixRow, rights: PrefixRights): ModelPrefixDto {
  return {
    key: row.key,
    prefix: row.prefix,
    description: row.description,
    can_deploy: rights.deploy,
    admin: rights.manage,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

function toGrant(row: GrantRow): GrantDto {
  return { user_id: row.userId, email: row.user.email, can_deploy: row.canDeploy, admin: row.admin, created_at: row.createdAt };
}
