import { IsString, MaxLength } from 'class-validator';
import { IsOptionalOrNull } from '../../common/validation';

/** RFC 7662 §2.1, as a form (`application/x-www-form-urlencoded`) or JSON. */
export class IntrospectionRequest {
  /** The token to check: an instance token's `content`. */
  @IsString()
  @MaxLength(8192)
  token: string;

  /** Accepted and ignored, as RFC 7662 allows. */
  @IsOptionalOrNull()
  @IsString()
  @MaxLength(64)
  token_type_hint?: string;
}

/** RFC 7662 §2.2. Only `active` is present when the token is not valid or not visible to the caller. */
export class IntrospectionResponse {
  active: boolean;
  /** @example Bearer */
  token_type?: string;
  /** Who created the token (a user or service-account id). */
  sub?: string;
  /** @example instance:57d11a2b-7366-46a7-9f45-2e0ebd079142 */
  aud?: string;
  iss?: string;
  /** Expiry, seconds since the epoch. */
  exp?: number;
  /** Issue time, seconds since the epoch. */
  iat?: number;
  /** The token id. */
  jti?: string;
  instance_id?: string;
  project_id?: string;
}
