import { IsIn, IsString, Length, Matches } from 'class-validator';
import { IsOptionalOrNull } from '../../common/validation';
import { PROJECT_ROLES, type ProjectRole } from '../../projects/project-role';

export class CreateServiceAccountDto {
  /**
   * The requested name; the service generates a unique email from it.
   * @example my-sa-prefix
   */
  @IsString()
  @Length(1, 20)
  @Matches(/^[a-z](?:-?[a-z0-9]+)*$/, {
    message: '$property must start with a lower-case letter and may contain lower-case letters, digits and single hyphens between them',
  })
  name: string;

  /** The account's role in the project: `owner`, `editor` or `reader` (default). */
  @IsOptionalOrNull()
  @IsIn(PROJECT_ROLES)
  role?: ProjectRole;
}

export class ServiceAccountDto {
  /** Unique ID of the service account; the `sub` of its access tokens. */
  id: string;
  /**
   * Generated from the requested name; identifies the account in paths and memberships.
   * @example my-sa-prefix-a1b2c3d4@sa.tessera.local
   */
  email: string;
  /** ID of the project the account belongs to. */
  projectId: string;
  /** Always `false`: Tessera has no internal service accounts. */
  internal: boolean;
}

export class ListServiceAccountsResponse {
  items: ServiceAccountDto[];
}
