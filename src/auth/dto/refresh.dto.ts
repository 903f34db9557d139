import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { IsOptionalOrNull } from '../../common/validation';

export class RefreshDto {
  /** The refresh token. May instead be sent as `Authorization: Bearer <refresh>`. */
  @IsOptionalOrNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  refresh?: string;
}

export class LogoutDto {
  /** The refresh token to revoke. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  refresh: string;
}

export class VerifyDto {
  /** An access or refresh token. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  token: string;
}

/** What a refresh returns (simplejwt's TokenRefresh). */
export class RefreshedTokensDto {
  /** A new console access token. */
  access: string;
  /** A new refresh token; only when refresh-token rotation is switched on. */
  refresh?: string;
}
