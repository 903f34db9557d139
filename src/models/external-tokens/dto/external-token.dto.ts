import { IsGracePeriod } from '../../../common/grace-period';
import { IsCursor, IsListSort, IsPageSize, IsQueryBoolean, IsRepeatable, IsSearch, IsTimestamp } from '../../../common/list-query';
import { IsTtl } from '../../../common/ttl';
import { LIFECYCLE_STATES, LifecycleState } from '../../../database/list-where';
import { IsOptionalOrNull } from '../../../common/validation';
import { IsInt, IsISO8601, IsNotEmpty, IsString, Matches, Max, MaxLength, Min, registerDecorator, ValidationOptions } from 'class-validator';
import { PREFIX_KEY_PATTERN } from '../../model-paths';
import { IsModelId, MAX_MODEL_ID } from '../../model-id.pipe';

/** Claims Tessera sets itself (JWT registered claims and its own); extra claims may not override them. */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'typ',
  'kid',
  'alg',
  'cty',
  'token_type',
  'scope',
  'prefix',
  'prefix_key',
  'model_id',
  'user_id',
  'email',
  'name',
]);
const CLAIM_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
const MAX_CLAIMS = 16;
const MAX_CLAIM_VALUE = 256;
const MAX_CLAIMS_BYTES = 1024;

export type ExtraClaims = Record<string, string | number | boolean>;

/** Why extra claims are not acceptable, or undefined when they are. */
export function claimsProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'claims: must be a JSON object';
  const entries = Object.entries(value);
  if (entries.length > MAX_CLAIMS) return `claims: at most ${MAX_CLAIMS} claims`;
  for (const [name, claim] of entries) {
    if (!CLAIM_NAME.test(name)) return `claims: "${name}" is not a valid claim name (letters, digits, "_", ".", ":" and "-", at most 64)`;
    if (RESERVED_CLAIMS.has(name)) return `claims: "${name}" is set by Tessera and cannot be overridden`;
    const flat =
      typeof claim === 'boolean' || (typeof claim === 'number' && Number.isFinite(claim)) || (typeof claim === 'string' && claim.length <= MAX_CLAIM_VALUE);
    if (!flat) return `claims: "${name}" must be a string of at most ${MAX_CLAIM_VALUE} characters, a number or a boolean`;
  }
  if (Buffer.byteLength(JSON.stringify(value)) > MAX_CLAIMS_BYTES) return `claims: at most ${MAX_CLAIMS_BYTES} bytes as JSON`;
  return undefined;
}

function IsExtraClaims(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isExtraClaims',
      target: target.constructor,
      propertyName,
      options,
      validator: { validate: (value: unknown) => !claimsProblem(value), defaultMessage: (args) => claimsProblem(args?.value) ?? 'claims: not valid' },
    });
}

/** When a token expires: `expires_at` or `ttl`, or neither. */
export class ExternalTokenLifetime {
  /**
   * Expiry as an ISO 8601 timestamp. Give `expires_at` or `ttl`, or neither: a new token then lives
   * 90 days (configurable), a rotated token's successor as long as the old token was issued for.
   */
  @IsOptionalOrNull()
  @IsISO8601({ strict: true }, { message: 'expires_at: must be an ISO 8601 timestamp such as 2027-01-31T00:00:00Z' })
  expires_at?: string;

  @IsOptionalOrNull()
  @IsTtl(
    'external-token',
    'Lifetime: `30d`, `12h`, `1w`, `5h30m40s`, `1.5h` or ISO 8601 such as `P30D`, `PT12H`, `P1W`; at most the configured maximum (365 days by default). ' +
      "Give `expires_at` or `ttl`, or neither: a new token then lives 90 days (configurable), a rotated token's successor as long as the old token was issued for.",
    '30d',
  )
  ttl?: string;
}

export class CreateExternalTokenDto extends ExternalTokenLifetime {
  /** What the token is for. Letters, digits, spaces, `.`, `_` and `-`; at most 64 characters. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  @Matches(/^[0-9a-zA-Z\s._-]+$/, { message: 'name may contain letters, digits, spaces, ".", "_" and "-"' })
  name: string;

  /** Scope the token to every model of this prefix. Give either `prefix_key` or `model_id`. */
  @IsOptionalOrNull()
  @IsString()
  @Matches(PREFIX_KEY_PATTERN, { message: 'prefix_key: 1 to 64 characters of a-z, 0-9, "_" and "-", starting with a letter or digit' })
  prefix_key?: string;

  /** Scope the token to this model only. Give either `prefix_key` or `model_id`. */
  @IsOptionalOrNull()
  @IsInt({ message: 'model_id: must be an integer' })
  @Min(1, { message: 'model_id: must be a positive integer' })
  @Max(MAX_MODEL_ID, { message: 'model_id: no such model id' })
  model_id?: number;

  /**
   * Extra claims copied into the token for the model host: a flat object of at most 16 strings
   * (≤ 256 characters), numbers or booleans, 1 KiB in all; registered claims (`iss`, `sub`, `aud`,
   * `exp`, `jti`, `token_type`, `scope`, `prefix`, `model_id`...) cannot be overridden.
   * @example {"tenant": "acme", "tier": 2}
   */
  @IsOptionalOrNull()
  @IsExtraClaims()
  claims?: ExtraClaims;
}

/** Tessera extension: what a rotate takes. Name, scope and claims are the old token's. */
export class RotateExternalTokenDto extends ExternalTokenLifetime {
  @IsOptionalOrNull()
  @IsGracePeriod()
  grace_period?: string;
}

export const EXTERNAL_TOKEN_SORT_FIELDS = ['created_at', 'expires_at', 'name'] as const;
export type ExternalTokenSortField = (typeof EXTERNAL_TOKEN_SORT_FIELDS)[number];
/** The response header that carries the next page's cursor (the list's body is an array). */
export const NEXT_CURSOR_HEADER = 'x-next-cursor';

/**
 * `prefix_key` and `model_id` narrow the whole list. Any of the other parameters (Tessera's list
 * filters) makes the answer one page of `page_size` tokens (default 100); when more follow, the
 * `X-Next-Cursor` response header holds the `cursor` of the next page.
 */
export class ListExternalTokensQuery {
  /** Only tokens of this prefix (model-scoped tokens of its models included). */
  @IsOptionalOrNull()
  @IsString()
  @MaxLength(64)
  prefix_key?: string;

  /** Only tokens scoped to this model. */
  @IsOptionalOrNull()
  @IsModelId()
  model_id?: number;

  @IsRepeatable(LIFECYCLE_STATES, 'Only tokens in these states (repeatable): `active`, `expired` or `revoked`.')
  state?: LifecycleState[];

  @IsTimestamp('Only tokens whose `expires_at` is earlier than this.')
  expires_before?: string;

  @IsTimestamp('Only tokens whose `expires_at` is later than this.')
  expires_after?: string;

  @IsTimestamp('Only tokens last used (at model forward-auth) earlier than this (never-used tokens excluded).')
  last_used_before?: string;

  @IsTimestamp('Only tokens last used (at model forward-auth) later than this.')
  last_used_after?: string;

  @IsQueryBoolean('`true`: only tokens never used; `false`: only tokens used at least once.')
  never_used?: boolean;

  @IsSearch()
  search?: string;

  @IsListSort(EXTERNAL_TOKEN_SORT_FIELDS, 'created_at')
  sort?: string;

  @IsPageSize()
  page_size?: number;

  @IsCursor()
  cursor?: string;
}

export class ExternalTokenDto {
  /** The token's id, also its `jti` and `sub`. */
  id: string;
  name: string;
  /** `prefix` (every model of the prefix) or `model` (one model). */
  scope: 'prefix' | 'model';
  prefix: string;
  prefix_key: string;
  /** The model of a model-scoped token; `null` for prefix-scoped tokens. */
  model_id: number | null;
  claims: ExtraClaims | null;
  /** `active`, `expired` or `revoked`. */
  state: 'active' | 'expired' | 'revoked';
  expires_at: Date;
  revoked_at: Date | null;
  /** Id of the user who created it. */
  created_by: string;
  created_at: Date;
  /** Tessera extension: the token this one replaced by rotation. Absent unless it was made by a rotate. */
  rotated_from?: string;
  /**
   * Tessera extension: the token that replaced this one by rotation; this one then works only
   * until its `expires_at`, the end of the grace period. Absent unless it was rotated.
   */
  rotated_to?: string;
  /** Tessera extension: when the token last opened a model at forward-auth, to the minute. Absent when never used. */
  last_used_at?: Date;
  /**
   * Tessera extension: the 5 most recent distinct client addresses that presented the token at
   * forward-auth, most recent first, written like `last_used_at`. Absent when never used.
   */
  last_used_ips?: ExternalTokenLastUsedIp[];
}

/** A client address that presented an external token, and when it last did. */
export class ExternalTokenLastUsedIp {
  /**
   * IPv4 or IPv6; the address the gateway named (X-Forwarded-For, X-Real-IP) when the gateway is a
   * trusted proxy (TESSERA_TRUSTED_PROXIES), else the address of the connection.
   * @example 203.0.113.7
   */
  ip: string;
  /** When this address last presented the token, to the minute. */
  last_used_at: Date;
}

export class CreatedExternalTokenDto extends ExternalTokenDto {
  /** The token (JWT). Shown only in this response: store it now. */
  token: string;
}
