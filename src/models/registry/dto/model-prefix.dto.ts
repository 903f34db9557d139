import { PickType } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsOptional, IsString, Matches, MaxLength, registerDecorator, ValidationOptions } from 'class-validator';
import { IsOptionalOrNull } from '../../../common/validation';
import { PREFIX_KEY_PATTERN, prefixProblem } from '../../model-paths';

/** A model prefix path such as `models/practicus` (see `prefixProblem`). */
export function IsModelPrefix(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isModelPrefix',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && !prefixProblem(value),
        defaultMessage: (args) => (typeof args?.value === 'string' && prefixProblem(args.value)) || `${propertyName} must be a string`,
      },
    });
}

export class CreateModelPrefixDto {
  /** Identifier of the prefix in console routes, e.g. `practicus`: a-z, 0-9, `_` and `-`, at most 64 characters. Cannot change later. */
  @IsString()
  @Matches(PREFIX_KEY_PATTERN, { message: 'key: 1 to 64 characters of a-z, 0-9, "_" and "-", starting with a letter or digit' })
  key: string;

  /**
   * The URL path models are served under, e.g. `models/practicus`: one or more segments of a-z,
   * 0-9, `.`, `_` and `-` joined by `/`, without leading or trailing slash. The first segment may
   * not be one Tessera serves itself (`v1`, `v1alpha`, `v2`, `console`, `docs`, `openapi.json`,
   * `openapi.yaml`, `.well-known`, `healthz`, `readyz`).
   */
  @IsModelPrefix()
  prefix: string;

  @IsOptionalOrNull()
  @IsString()
  @MaxLength(1000)
  description?: string;
}

export class UpdateModelPrefixDto {
  /** A new URL path (platform admins); model URLs under the old path stop resolving at once. */
  @IsOptionalOrNull()
  @IsModelPrefix()
  prefix?: string;

  /** `null` clears it. */
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string | null;
}

export class ModelPrefixDto {
  /** @example practicus */
  key: string;
  /** The path used in model URLs. @example models/practicus */
  prefix: string;
  description: string | null;
  /** Whether the caller may create models and versions under this prefix. */
  can_deploy: boolean;
  /** Whether the caller administers this prefix (grants, deletions, external API tokens). */
  admin: boolean;
  created_at: Date;
  updated_at: Date;
}

export class CreateGrantDto {
  /** Email of the user to grant access to. */
  @IsEmail()
  @MaxLength(254)
  email: string;

  /** May create models and versions under the prefix. */
  @IsOptionalOrNull()
  @IsBoolean()
  can_deploy?: boolean;

  /** Administers the prefix: grants, deletions and external API tokens. */
  @IsOptionalOrNull()
  @IsBoolean()
  admin?: boolean;
}

export class UpdateGrantDto extends PickType(CreateGrantDto, ['can_deploy', 'admin'] as const) {}

/** A user's access to a prefix. Any grant lets the user see the prefix's models and get session tokens for them. */
export class GrantDto {
  user_id: string;
  email: string;
  can_deploy: boolean;
  admin: boolean;
  created_at: Date;
}
