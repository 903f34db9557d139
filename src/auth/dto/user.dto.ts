import { IsBoolean, IsEmail, IsString, MaxLength, MinLength } from 'class-validator';
import { IsOptionalOrNull } from '../../common/validation';

export class CreateUserDto {
  @IsEmail()
  @MaxLength(254)
  email: string;

  /** At least 12 characters. */
  @IsString()
  @MinLength(12)
  @MaxLength(1024)
  password: string;

  /** Platform administrators see and manage everything. */
  @IsOptionalOrNull()
  @IsBoolean()
  is_admin?: boolean;
}

export class UpdateUserDto {
  /** `false` disables the account: its tokens stop working at once and it cannot log in. */
  @IsOptionalOrNull()
  @IsBoolean()
  is_active?: boolean;

  @IsOptionalOrNull()
  @IsBoolean()
  is_admin?: boolean;
}

export class ResetPasswordDto {
  /** The new password, at least 12 characters. Existing refresh tokens are revoked. */
  @IsString()
  @MinLength(12)
  @MaxLength(1024)
  password: string;
}

export class UserDto {
  id: string;
  email: string;
  is_admin: boolean;
  is_active: boolean;
  created_at: Date;
}
