import { IsInt, Max, Min } from 'class-validator';

export class CreateAccessTokenDto {
  /** How many days the new access token is valid, from 1 to 180. */
  @IsInt()
  @Min(1)
  @Max(180)
  ttlDays: number;
}

/** An access token's metadata; never the token itself. */
export class AccessTokenMetadataDto {
  /** Unique ID of the access token; also its JWT `jti`. */
  id: string;
  createdAt: Date;
  /** Expiry time of the access token (the JWT `exp`). */
  validUntil: Date;
  /** True until the token is revoked or expires. */
  active: boolean;
}

export class AccessTokenDto extends AccessTokenMetadataDto {
  /** The access token (JWT); send it as `Authorization: Bearer <token>`. Shown only now: store it. */
  token: string;
}

export class ListAccessTokensResponse {
  items: AccessTokenMetadataDto[];
}
