import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsGracePeriod } from '../../common/grace-period';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsCursor, IsListSort, IsPageSize, IsRepeatable, IsSearch, TimeFilterQuery } from '../../common/list-query';
import { IsTtl } from '../../common/ttl';
import { IsLabelSelector, MAX_SELECTOR_LENGTH } from '../label-selector';
import { IsOptionalOrNull } from '../../common/validation';
import { LastUsedIp } from '../../common/dto/last-used-ip.dto';
import { DescriptionProperty, LabelsProperty, labelsSchema, NameProperty } from './stackit-rules';

export const TOKEN_STATES = ['creating', 'active', 'deleting', 'inactive'] as const;
export type TokenState = (typeof TOKEN_STATES)[number];

export class CreateInstanceTokenPayload {
  /** @example my-service-account-token */
  @NameProperty(64, { minLength: 1 })
  name: string;

  /** @example Token for my service account */
  @DescriptionProperty(160)
  description?: string;

  @LabelsProperty()
  labels?: Record<string, string>;

  @IsOptionalOrNull()
  @IsTtl(
    'instance-token',
    'Time to live: `30d`, `12h`, `1w`, `5h30m40s`, `1.5h` (units w, d, h, m, s in that order) or ISO 8601 such as `P30D`, `PT12H`, `P1DT2H`, `P1W` ' +
      '(no years or months). At most 6 months (configurable; a longer one is a 400); defaults to the maximum.',
    '5h30m40s',
  )
  ttlDuration?: string;
}

export class PartialUpdateInstanceTokenPayload {
  /**
   * The spec allows 200 characters here, but a token's name is at most 64 characters when read
   * back, so longer names are refused.
   * @example my-updated-service-account-token
   */
  @NameProperty(200, { patch: true, minLength: 1 })
  name?: string;

  /**
   * The spec allows 2000 characters here, but a token's description is at most 160 characters
   * when read back, so longer ones are refused. An empty string or `null` removes it.
   * @example My updated token for my service account
   */
  @DescriptionProperty(2000, { patch: true })
  description?: string | null;

  @LabelsProperty({ patch: true })
  labels?: Record<string, string | null>;
}

export class TokenMetadata {
  /** @example 94649fc3-5e97-4229-a891-b840f6bd67a8 */
  id: string;
  /** @example my-service-account-token */
  name: string;
  /** @example Token for my service account */
  description?: string;
  @ApiPropertyOptional(labelsSchema(false))
  labels?: Record<string, string>;
  /** @example eu01 */
  region: string;
  /** `active` until `validUntil`, then `inactive` (expired tokens stay listed until deleted). */
  @ApiProperty({ enum: TOKEN_STATES, enumName: 'TokenState', example: 'active' })
  state: TokenState;
  @ApiProperty({ format: 'date-time', example: '2025-08-26T10:40:52Z' })
  validUntil: string;
  /** Tessera extension: when the token last opened its instance, to the minute. Absent when never used. */
  @ApiPropertyOptional({ format: 'date-time', example: '2025-08-20T08:15:00Z' })
  lastUsedAt?: string;
  /**
   * Tessera extension: the token this one replaced by rotation. Absent unless it was made by a rotate.
   * @example 3e1c2b7a-9d4f-4c1e-8a6b-2f0d5e7c9a13
   */
  rotatedFrom?: string;
  /**
   * Tessera extension: the token that replaced this one by rotation; this one then works only until
   * its `validUntil`, the end of the grace period. Absent unless it was rotated.
   * @example 7b2d9e4f-1a3c-4e5b-9c8d-6f0a1b2c3d4e
   */
  rotatedTo?: string;
  /**
   * Tessera extension: the 5 most recent distinct client addresses that presented the token, most
   * recent first, written like `lastUsedAt`. Absent when never used.
   */
  lastUsedIps?: LastUsedIp[];
}

/** What a create returns: the metadata (its use cannot be known yet) and the secret. */
export class Token extends OmitType(TokenMetadata, ['lastUsedAt', 'lastUsedIps'] as const) {
  /**
   * The secret (a JWT for the instance), shown only in this response: store it now.
   * @example eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVJo0r8DWeHelLTC9ar
   */
  @ApiProperty({ format: 'jwt', minLength: 1, pattern: '^[A-Za-z0-9-_]+\\.[A-Za-z0-9-_]+\\.[A-Za-z0-9-_]+$' })
  content: string;
}

export class CreateInstanceTokenResponse {
  /** @example successfully created instance token */
  message?: string;
  token: Token;
}

/** Tessera extension: what a rotate takes. Name, description and labels are the old token's. */
export class RotateInstanceTokenPayload {
  @IsOptionalOrNull()
  @IsTtl(
    'instance-token',
    'Time to live of the new token, in the syntax of `ttlDuration` on create; at most 6 months (configurable). ' +
      "Defaults to the old token's lifetime (from its creation to its original `validUntil`), so a rotation keeps the expiry length.",
    '30d',
  )
  ttlDuration?: string;

  @IsOptionalOrNull()
  @IsGracePeriod()
  gracePeriod?: string;
}

export class RotateInstanceTokenResponse {
  /** @example successfully rotated instance token */
  message?: string;
  /** The new token with its secret; `rotatedFrom` names the old one. */
  token: Token;
}

export class ListInstanceTokensResponse {
  /** @example successfully fetched instance tokens */
  message?: string;
  tokens: TokenMetadata[];
  /**
   * Tessera extension, only with query parameters: more tokens follow; pass this as `cursor` with
   * the same parameters for the next page.
   */
  nextCursor?: string;
}

export const TOKEN_SORT_FIELDS = ['createdAt', 'validUntil', 'lastUsedAt', 'name'] as const;
export type TokenSortField = (typeof TOKEN_SORT_FIELDS)[number];
export const LISTED_STATES = ['active', 'inactive'] as const;

/**
 * Tessera extensions of ListInstanceTokens. Without any of them the answer is STACKIT's (every
 * token, by creation); with any, one page of `pageSize` tokens (default 100) and `nextCursor`.
 */
export class ListInstanceTokensQuery extends TimeFilterQuery {
  @IsRepeatable(LISTED_STATES, 'Only tokens in these states (repeatable: `state=active&state=inactive`).')
  state?: Array<(typeof LISTED_STATES)[number]>;

  @IsSearch()
  search?: string;

  /**
   * Kubernetes label selector, requirements separated by commas that all must hold: `env=prod,team!=ml,tier,!legacy,zone in (a,b),zone notin (c)`.
   * @example env=prod,team!=ml
   */
  @IsOptional()
  @IsString()
  @MaxLength(MAX_SELECTOR_LENGTH)
  @IsLabelSelector()
  labelSelector?: string;

  @IsListSort(TOKEN_SORT_FIELDS, 'createdAt')
  sort?: string;

  @IsPageSize()
  pageSize?: number;

  @IsCursor()
  cursor?: string;
}

export class GetInstanceTokenResponse {
  /** @example successfully fetched instance token */
  message?: string;
  token: TokenMetadata;
}

export class PartialUpdateInstanceTokenResponse {
  /** @example successfully updated instance token */
  message?: string;
  token: TokenMetadata;
}

export class DeleteInstanceTokenResponse {
  /** @example successfully deleted instance token */
  message?: string;
  token: TokenMetadata;
}
