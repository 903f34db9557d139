import { Inject, Injectable } from '@nestjs/common';
import { randomUUID, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { LruCache } from '../cache/lru-cache';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JWT_ALGORITHM, SigningKeysService } from './signing-keys.service';

/** What a token is for. A token of one type is never accepted where another is expected. */
export type TokenType = 'access' | 'refresh' | 'sa-access' | 'instance' | 'model-session' | 'model-external';

export interface TokenClaims {
  token_type: TokenType;
  sub: string;
  jti: string;
  aud: string;
  iss: string;
  iat: number;
  exp: number;
  [claim: string]: unknown;
}

export interface IssueOptions {
  type: TokenType;
  subject: string;
  audience: string;
  expiresAt: Date;
  id?: string;
  claims?: Record<string, unknown>;
}

/** The audience of console and `/v1` bearer tokens; instance and model tokens name their resource. */
export const CONSOLE_AUDIENCE = 'tessera';

/**
 * Tokens that die with a user's `tokensValidAfter` cutoff carry their issue time in milliseconds:
 * `iat` has whole seconds, and a token issued just after a password reset, in the same second,
 * must stay valid while one issued just before must not.
 */
const USER_SESSION_TYPES = new Set<TokenType>(['access', 'model-session']);

/** When a token was issued, in milliseconds (whole seconds for tokens without `iat_ms`). */
export function issuedAtMs(claims: TokenClaims): number {
  return typeof claims.iat_ms === 'number' ? claims.iat_ms : claims.iat * 1000;
}

/**
 * Why a token was refused: `malformed` (not a JWT of ours in shape), `bad_signature` (not signed by
 * a key of this service for its issuer), `expired` (or not yet valid), `wrong_audience` (a good
 * token for another audience or of another type).
 */
export type TokenRefusal = 'malformed' | 'bad_signature' | 'expired' | 'wrong_audience';
type SignatureRefusal = Extract<TokenRefusal, 'malformed' | 'bad_signature'>;

const VERIFIED_ENTRIES = 10_000;
const REFUSED_ENTRIES = 1_000;

@Injectable()
export class TokenSigner {
  private readonly verified = new LruCache<string, TokenClaims>(VERIFIED_ENTRIES);
  private readonly refused = new LruCache<string, SignatureRefusal>(REFUSED_ENTRIES);

  /** The encoded JOSE header of every token issued: the signing key never changes while running. */
  private readonly header: string;

  constructor(
    private readonly keys: SigningKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.header = base64urlJson({ alg: JWT_ALGORITHM, typ: 'JWT', kid: keys.signingKid });
  }

  /**
   * Signs with node:crypto directly: jsonwebtoken's stream-based signer cost several times as
   * much on every token create and login.
   */
  issue(options: IssueOptions): { token: string; id: string; expiresAt: Date } {
    const id = options.id ?? randomUUID();
    const now = Date.now();
    const payload = {
      ...options.claims,
      ...(USER_SESSION_TYPES.has(options.type) ? { iat_ms: now } : undefined),
      token_type: options.type,
      iat: Math.floor(now / 1000),
      exp: Math.floor(options.expiresAt.getTime() / 1000),
      aud: options.audience,
      iss: this.config.auth.issuer,
      sub: options.subject,
      jti: id,
    };
    const signingInput = `${this.header}.${base64urlJson(payload)}`;
    const signature = cryptoSign('sha256', Buffer.from(signingInput), { key: this.keys.signingKey, dsaEncoding: 'ieee-p1363' });
    return { token: `${signingInput}.${signature.toString('base64url')}`, id, expiresAt: options.expiresAt };
  }

  /**
   * Verifies signature, issuer, audience, expiry and type. Returns undefined for any failure:
   * callers answer 401 without telling which check failed.
   */
  verify(token: string, type: TokenType | TokenType[], audience?: string, options: { allowExpired?: boolean } = {}): TokenClaims | undefined {
    const checked = this.check(token, type, audience, options);
    return typeof checked === 'string' ? undefined : checked;
  }

  /** As `verify`, but a refusal says which check failed (for metrics; clients are never told). */
  check(token: string, type: TokenType | TokenType[], audience?: string, options: { allowExpired?: boolean } = {}): TokenClaims | TokenRefusal {
    const claims = this.signedClaims(token);
    if (typeof claims === 'string') return claims;
    const now = Math.floor(Date.now() / 1000);
    // A caller that allows expired tokens (to audit a rejected use, say) checks `exp` itself.
    if (!options.allowExpired && now >= claims.exp) return 'expired';
    if (typeof claims.nbf === 'number' && now < claims.nbf) return 'expired';
    if (audience !== undefined && !(Array.isArray(claims.aud) ? claims.aud.includes(audience) : claims.aud === audience)) return 'wrong_audience';
    return (Array.isArray(type) ? type.includes(claims.token_type) : claims.token_type === type) ? claims : 'wrong_audience';
  }

  /**
   * The claims of a token whose signature and issuer check out, remembered by the token itself:
   * forward-auth and console routes see the same few tokens again and again, and an ES256 check
   * is the dearest step of a verification. Refused tokens are remembered apart, so a flood of
   * junk cannot evict good ones.
   */
  private signedClaims(token: string): TokenClaims | SignatureRefusal {
    const known = this.verified.get(token);
    if (known) return known;
    if (!looksLikeJwt(token)) return 'malformed';
    const refused = this.refused.get(token);
    if (refused) return refused;
    const claims = this.checkSignature(token);
    if (typeof claims === 'string') this.refused.set(token, claims);
    else this.verified.set(token, claims);
    return claims;
  }

  /** ES256 by hand with node:crypto: jsonwebtoken builds an Error (and its stack) for every refusal. */
  private checkSignature(token: string): TokenClaims | SignatureRefusal {
    const [headerPart, payloadPart, signaturePart] = token.split('.');
    const header = decodeJson(headerPart);
    if (!header) return 'malformed';
    // Another algorithm or a key this service does not hold: not signed by this service.
    if (header.alg !== JWT_ALGORITHM || typeof header.kid !== 'string') return 'bad_signature';
    const key = this.keys.keyFor(header.kid);
    if (!key) return 'bad_signature';
    const signature = Buffer.from(signaturePart, 'base64url');
    if (signature.length !== 64) return 'bad_signature';
    const signed = Buffer.from(token.slice(0, headerPart.length + 1 + payloadPart.length));
    if (!cryptoVerify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, signature)) return 'bad_signature';
    const claims = decodeJson(payloadPart);
    if (!claims || typeof claims.exp !== 'number' || typeof claims.token_type !== 'string') return 'malformed';
    // Signed with a key of ours for another issuer (a renamed deployment): not ours to accept.
    if (claims.iss !== this.config.auth.issuer) return 'bad_signature';
    // An `nbf` that is not a NumericDate cannot be honoured; jsonwebtoken refused it too.
    if (claims.nbf !== undefined && typeof claims.nbf !== 'number') return 'malformed';
    return Object.freeze(claims) as TokenClaims;
  }
}

const base64urlJson = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A base64url JSON object, or undefined. */
function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Cheap shape check: anything that is not three base64url parts is rejected before any crypto. */
export function looksLikeJwt(token: string): boolean {
  return token.length < 4096 && JWT_SHAPE.test(token);
}
