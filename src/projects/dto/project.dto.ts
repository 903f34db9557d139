import { IsEmail, IsIn, IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { PROJECT_ROLES, type ProjectRole } from '../project-role';

export class CreateProjectDto {
  /** Letters, digits, spaces, `.`, `_` and `-`; at most 64 characters. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  @Matches(/^[0-9a-zA-Z\s._-]+$/, { message: '$property may contain letters, digits, spaces, ".", "_" and "-"' })
  name: string;
}

export class UpdateProjectDto extends CreateProjectDto {}

export class ProjectDto {
  /** @example 792ff0e7-be72-4135-91fa-74adab5cec76 */
  id: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

export class ListProjectsResponse {
  items: ProjectDto[];
}

export class AddMemberDto {
  /**
   * Email of a user or of a service account. An email without an account yet is added all the
   * same: the account created for it later holds the role.
   */
  @IsString()
  @IsNotEmpty()
  @MaxLength(254)
  @IsEmail()
  subject: string;

  /** `owner`, `editor` or `reader`. */
  @IsIn(PROJECT_ROLES)
  role: ProjectRole;
}

export class UpdateMemberDto {
  /** `owner`, `editor` or `reader`. */
  @IsIn(PROJECT_ROLES)
  role: ProjectRole;
}

export class MemberDto {
  /** Email of the user or service account. */
  subject: string;
  /** `user` or `service-account`. */
  subjectType: 'user' | 'service-account';
  role: string;
}

export class ListMembersResponse {
  items: MemberDto[];
}
