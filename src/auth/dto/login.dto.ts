import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class LoginDto {
  /** The account's email address. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(254)
  email: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password: string;
}

export class TokenPairDto {
  /** Refresh token (JWT), valid for about 90 days; exchange it at `auth/refresh/`. */
  refresh: string;
  /** Console access token (JWT), valid for about 30 minutes. */
  access: string;
}
