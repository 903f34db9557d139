import { PickType } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsOptionalOrNull } from '../../../common/validation';
import { MODEL_NAME_PATTERN, MODEL_STAGES, PREFIX_KEY_PATTERN, VERSION_PATTERN, type ModelStage } from '../../model-paths';

const NAME_MESSAGE = 'name: 1 to 100 characters of a-z, 0-9, ".", "_" and "-", starting with a letter or digit';

export class ListModelsQuery {
  /** Only models under this prefix path, e.g. `models/practicus`. */
  @IsOptionalOrNull()
  @IsString()
  @MaxLength(200)
  prefix?: string;

  /** Only models under the prefix with this key, e.g. `practicus`. */
  @IsOptionalOrNull()
  @IsString()
  @MaxLength(64)
  prefix_key?: string;

  /** Only models with exactly this name. */
  @IsOptionalOrNull()
  @IsString()
  @MaxLength(100)
  name?: string;
}

export class CreateModelDto {
  /** Key of the prefix the model is served under. */
  @IsString()
  @Matches(PREFIX_KEY_PATTERN, { message: 'prefix_key: 1 to 64 characters of a-z, 0-9, "_" and "-", starting with a letter or digit' })
  prefix_key: string;

  /** The model's URL segment, e.g. `diamond-price`. */
  @IsString()
  @Matches(MODEL_NAME_PATTERN, { message: NAME_MESSAGE })
  name: string;

  @IsOptionalOrNull()
  @IsString()
  @MaxLength(1000)
  description?: string;
}

export class UpdateModelDto {
  /** A new URL segment; URLs with the old name stop resolving at once. Session tokens, bound to `model_id`, stay valid. */
  @IsOptionalOrNull()
  @IsString()
  @Matches(MODEL_NAME_PATTERN, { message: NAME_MESSAGE })
  name?: string;

  /** `null` clears it. */
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string | null;
}

export class ModelVersionDto {
  /** The version number; URLs may say `3` or `v3`. @example 3 */
  version: string;
  /** `None`, `Staging` or `Production`. */
  stage: ModelStage;
  /** Draft versions are not deployed: not listed in `versions` and not reachable by URL. */
  draft: boolean;
  created_at: Date;
}

export class ModelDto {
  /** @example 12 */
  model_id: number;
  /** @example diamond-price */
  name: string;
  /** The prefix path. @example models/practicus */
  prefix: string;
  /** @example practicus */
  prefix_key: string;
  description: string | null;
  /** Deployed (non-draft) versions, highest first; `null` when the model has none. */
  versions: ModelVersionDto[] | null;
  created_at: Date;
  updated_at: Date;
}

export class CreateModelVersionDto {
  /** A version number such as `3` or `v3` (stored as `3`). */
  @IsString()
  @Matches(VERSION_PATTERN, { message: 'version: a version number such as "3" or "v3"' })
  version: string;

  /** `None` (default), `Staging` or `Production`. */
  @IsOptionalOrNull()
  @IsIn(MODEL_STAGES)
  stage?: ModelStage;

  /** `true` registers the version without deploying it. */
  @IsOptionalOrNull()
  @IsBoolean()
  draft?: boolean;
}

export class UpdateModelVersionDto extends PickType(CreateModelVersionDto, ['stage', 'draft'] as const) {}
