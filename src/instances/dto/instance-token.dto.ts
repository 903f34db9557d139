import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { IsTtl } from '../../common/ttl';
import { IsOptionalOrNull } from '../../common/validation';
import { IsLabels, labelsSchema, DESCRIPTION_RULE, NAME_RULE, OPTIONAL_NAME_RULE } from './stackit-rules';

export const TOKEN_STATES = ['creating', 'active', 'deleting', 'inactive'] as const;
export type TokenState = (typeof TOKEN_STATES)[number];

export class CreateInstanceTokenPayload {
  /** @example my-service-account-token */
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @Matches(NAME_RULE.pattern, { message: NAME_RULE.message })
  name: string;

  /** @example Token for my service account */
  @IsOptionalOrNull()
  @IsString()
  @MaxLength(160)
  @Matches(DESCRIPTION_RULE.pattern, { message: DESCRIPTION_RULE.message })
  description?: string;

  @ApiPropertyOptional(labelsSchema(false))
  @IsOptionalOrNull()
  @IsLabels(false)
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
  @IsOptionalOrNull()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(OPTIONAL_NAME_RULE.pattern, { message: OPTIONAL_NAME_RULE.message })
  name?: string;

  /**
   * The spec allows 2000 characters here, but a token's description is at most 160 characters
   * when read back, so longer ones are refused. An empty string or `null` removes it.
   * @example My updated token for my service account
   */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @Matches(DESCRIPTION_RULE.pattern, { message: DESCRIPTION_RULE.message })
  description?: string | null;

  @ApiPropertyOptional(labelsSchema(true))
  @IsOptionalOrNull()
  @IsLabels(true)
  labels?: Record<string, string | null>;
}

/** A client address that presented a token, and when it last did. */
export class LastUsedIp {
  /**
   * IPv4 or IPv6; the address the gateway named (X-Forwarded-For, X-Real-IP) when the gateway is a
   * trusted proxy (TESSERA_TRUSTED_PROXIES), else the address of the connection.
   * @example 203.0.113.7
   */
  ip: string;
  /** When this address last presented the token, to the minute. */
  @ApiProperty({ format: 'date-time', example: '2025-08-20T08:15:00Z' })
  lastUsedAt: string;
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

export class ListInstanceTokensResponse {
  /** @example successfully fetched instance tokens */
  message?: string;
  tokens: TokenMetadata[];
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
