import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error';
import { descriptionChange } from '../../common/description';
import { Principal } from '../../common/principal';
import { Caches } from '../../cache/caches.service';
import { byVersionDesc, canonicalVersion, ModelStage, VERSION_PATTERN } from '../model-paths';
import { PrefixRight } from '../prefix-rights';
import { CreateModelDto, CreateModelVersionDto, ListModelsQuery, ModelDto, ModelVersionDto, UpdateModelDto, UpdateModelVersionDto } from './dto/model.dto';
import { ModelPrefixAccess } from './model-prefix-access.service';
import { ModelsRepository } from './models.repository';

type ModelRow = NonNullable<Awaited<ReturnType<ModelsRepository['findById']>>>;
type VersionRow = ModelRow['versions'][number];

@Injectable()
export class ModelsService {
  constructor(
    private readonly models: ModelsRepository,
    private readonly access: ModelPrefixAccess,
    private readonly caches: Caches,
  ) {}

  async list(caller: Principal, query: ListModelsQuery): Promise<ModelDto[]> {
    if (caller.kind !== 'user') return [];
    const rows = await this.models.list({
      prefix: query.prefix,
      prefixKey: query.prefix_key,
      name: query.name,
      grantedTo: caller.isAdmin ? undefined : caller.id,
    });
    return rows.map(toModel);
  }

  async get(caller: Principal, modelId: number): Promise<ModelDto> {
    return toModel(await this.existing(caller, modelId, 'see'));
  }

  async create(caller: Principal, dto: CreateModelDto): Promise<ModelDto> {
    const { prefix } = await this.access.byKey(caller, dto.prefix_key, 'deploy');
    await this.assertNameFree(prefix.id, prefix.prefix, dto.name);
    const row = await this.models.create({ prefixId: prefix.id, name: dto.name, description: dto.description ?? null });
    await this.changed(row.id);
    return toModel(row);
  }

  async update(caller: Principal, modelId: number, dto: UpdateModelDto): Promise<ModelDto> {
    const model = await this.existing(caller, modelId, 'deploy');
    if (dto.name !== undefined && dto.name !== model.name) await this.assertNameFree(model.prefixId, model.prefix.prefix, dto.name);
    const row = await this.models.update(modelId, { name: dto.name, description: descriptionChange(dto.description) });
    await this.changed(modelId);
    return toModel(row);
  }

  async delete(caller: Principal, modelId: number): Promise<void> {
    await this.existing(caller, modelId, 'manage');
    await this.models.delete(modelId);
    await this.changed(modelId);
  }

  /** Every version, drafts included, highest first. */
  async listVersions(caller: Principal, modelId: number): Promise<ModelVersionDto[]> {
    const model = await this.existing(caller, modelId, 'see');
    return [...model.versions].sort(byVersionDesc).map(toVersion);
  }

  async createVersion(caller: Principal, modelId: number, dto: CreateModelVersionDto): Promise<ModelVersionDto> {
    await this.existing(caller, modelId, 'deploy');
    const version = canonicalVersion(dto.version);
    if (await this.models.findVersion(modelId, version)) throw AppError.conflict(`model ${modelId} already has version ${version}`);
    const row = await this.models.createVersion(modelId, { version, stage: dto.stage ?? 'None', draft: dto.draft ?? false });
    await this.changed(modelId);
    return toVersion(row);
  }

  async updateVersion(caller: Principal, modelId: number, versionParam: string, dto: UpdateModelVersionDto): Promise<ModelVersionDto> {
    await this.existing(caller, modelId, 'deploy');
    const version = await this.existingVersion(modelId, versionParam);
    const row = await this.models.updateVersion(modelId, version, { stage: dto.stage, draft: dto.draft });
    await this.changed(modelId);
    return toVersion(row);
  }

  async deleteVersion(caller: Principal, modelId: number, versionParam: string): Promise<void> {
    await this.existing(caller, modelId, 'deploy');
    const version = await this.existingVersion(modelId, versionParam);
    await this.models.deleteVersion(modelId, version);
    await this.changed(modelId);
  }

  private async existing(caller: Principal, modelId: number, needed: PrefixRight): Promise<ModelRow> {
    const model = await this.models.findById(modelId);
    if (!model) throw AppError.notFound(`model ${modelId} not found`);
    await this.access.byId(caller, model.prefixId, needed);
    return model;
  }

  private async existingVersion(modelId: number, versionParam: string): Promise<string> {
    if (!VERSION_PATTERN.test(versionParam)) throw AppError.badRequest('version: a version number such as "3" or "v3"');
    const version = canonicalVersion(versionParam);
    if (!(await this.models.findVersion(modelId, version))) throw AppError.notFound(`model ${modelId} has no version ${version}`);
    return version;
  }

  /** A name is taken by another model of the prefix, or its version URLs are hidden by a prefix `<prefix>/<name>`. */
  private async assertNameFree(prefixId: number, prefixPath: string, name: string): Promise<void> {
    if (await this.models.findByName(prefixId, name)) throw AppError.conflict(`a model named ${name} already exists under ${prefixPath}`);
    if (await this.models.prefixExists(`${prefixPath}/${name}`)) {
      throw AppError.conflict(`the model prefix ${prefixPath}/${name} exists; it would hide the version URLs of a model named ${name} under ${prefixPath}`);
    }
  }

  /** Model URLs, metadata and session-token checks are cached: tell the caches. */
  private changed(modelId: number): Promise<void> {
    return this.caches.invalidate('model', String(modelId));
  }
}

export function toVersion(row: VersionRow): ModelVersionDto {
  return { version: row.version, stage: row.stage as ModelStage, draft: row.draft, created_at: row.createdAt };
}

function toModel(row: ModelRow): ModelDto {
  const deployed = row.versions.filter((version) => !version.draft).sort(byVersionDesc);
  return {
    model_id: row.id,
    name: row.name,
    prefix: row.prefix.prefix,
    prefix_key: row.prefix.key,
    description: row.description,
    versions: deployed.length ? deployed.map(toVersion) : null,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}
