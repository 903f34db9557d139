import { IsInt, Max, Min } from 'class-validator';
import { LastUsedIp } from '../../common/dto/last-used-ip.dto';
import { IsGracePeriod } from '../../common/grace-period';
import { IsOptionalOrNull } from '../../common/validation';
import { IsCursor, IsListSort, IsPageSize, IsRepeatable, TimeFilterQuery } from '../../common/list-query';
import { LIFECYCLE_STATES, LifecycleState } from '../../database/list-where';

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
  /** Tessera extension: the token this one replaced by rotation. Absent unless it was made by a rotate. */
  rotatedFrom?: string;
  /**
   * Tessera extension: the token that replaced this one by rotation; this one then works only
   * until its `validUntil`, the end of the grace period. Absent unless it was rotated.
   */
  rotatedTo?: string;
  /** Tessera extension: when the token last authenticated an API call, to the minute. Absent when never used. */
  lastUsedAt?: Date;
  /**
   * Tessera extension: the 5 most recent distinct client addresses that presented the token, most
   * recent first, written like `lastUsedAt`. Absent when never used.
   */
  lastUsedIps?: LastUsedIp[];
}

/** Tessera extension: what a rotate of an access token takes. */
export class RotateAccessTokenDto {
  /** How many days the new access token is valid, from 1 to 180. Defaults to the old token's lifetime in days (at most 180). */
  @IsOptionalOrNull()
  @IsInt()
  @Min(1)
  @Max(180)
  ttlDays?: number;

  @IsOptionalOrNull()
  @IsGracePeriod()
  gracePeriod?: string;
}

export class AccessTokenDto extends AccessTokenMetadataDto {
  /** The access token (JWT); send it as `Authorization: Bearer <token>`. Shown only now: store it. */
  token: string;
}

export class ListAccessTokensResponse {
  items: AccessTokenMetadataDto[];
  /** Tessera extension, only with query parameters: more tokens follow; pass this as `cursor` with the same parameters. */
  nextCursor?: string;
}

export const ACCESS_TOKEN_SORT_FIELDS = ['createdAt', 'validUntil'] as const;
export type AccessTokenSortField = (typeof ACCESS_TOKEN_SORT_FIELDS)[number];

/**
 * Tessera extensions of the access-token list. Without any of them every token is listed, by
 * creation; with any, one page of `pageSize` tokens (default 100) and `nextCursor`.
 */
export class ListAccessTokensQuery extends TimeFilterQuery {
  @IsRepeatable(LIFECYCLE_STATES, 'Only tokens in these states (repeatable): `active`, `expired` (not revoked) or `revoked`.')
  state?: LifecycleState[];

  @IsListSort(ACCESS_TOKEN_SORT_FIELDS, 'createdAt')
  sort?: string;

  @IsPageSize()
  pageSize?: number;

  @IsCursor()
  cursor?: string;
}
