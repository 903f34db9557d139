import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
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

@Injectable()
export class TokenSigner {
  constructor(
    private readonly jwt: JwtService,
    private readonly keys: SigningKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  issue(options: IssueOptions): { token: string; id: string; expiresAt: Date } {
    const id = options.id ?? randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      ...options.claims,
      token_type: options.type,
      iat: now,
      exp: Math.floor(options.expiresAt.getTime() / 1000),
    };
    const token = this.jwt.sign(payload, {
      privateKey: this.keys.signingKey,
      algorithm: JWT_ALGORITHM,
      keyid: this.keys.signingKid,
      issuer: this.config.auth.issuer,
      audience: options.audience,
      subject: options.subject,
      jwtid: id,
    });
    return { token, id, expiresAt: options.expiresAt };
  }

  /**
   * Verifies signature, issuer, audience, expiry and type. Returns undefined for any failure:
   * callers answer 401 without telling which check failed.
   */
  verify(token: string, type: TokenType | TokenType[], audience?: string, options: { allowExpired?: boolean } = {}): TokenClaims | undefined {
    const header = tokenHeader(token);
    // Refused here rather than by jsonwebtoken, which would build an Error for each one.
    if (header?.alg !== JWT_ALGORITHM) return undefined;
    const key = this.keys.keyFor(header.kid);
    if (!key) return undefined;
    try {
      const claims = this.jwt.verify<TokenClaims>(token, {
        // jsonwebtoken takes a KeyObject (no PEM parsing per verification); the @nestjs/jwt typing says string.
        publicKey: key as unknown as string,
        algorithms: [JWT_ALGORITHM],
        issuer: this.config.auth.issuer,
        ...(audience ? { audience } : {}),
        // Lets a caller tell "expired" from "forged" (e.g. to audit the rejected use); it must check `exp` itself.
        ignoreExpiration: options.allowExpired ?? false,
      });
      const types = Array.isArray(type) ? type : [type];
      return types.includes(claims.token_type) ? claims : undefined;
    } catch {
      return undefined;
    }
  }
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Cheap shape check: anything that is not three base64url parts is rejected before any crypto. */
export function looksLikeJwt(token: string): boolean {
  return token.length < 4096 && JWT_SHAPE.test(token);
}

/** The `kid` of a JWT's header, read without verifying anything. */
export function headerKid(token: string): string | undefined {
  return tokenHeader(token)?.kid;
}

/** `alg` and `kid` of a JWT's header, read without verifying anything; undefined when unreadable. */
function tokenHeader(token: string): { alg?: string; kid?: string } | undefined {
  if (!looksLikeJwt(token)) return undefined;
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
    if (typeof header !== 'object' || header === null) return undefined;
    return { alg: typeof header.alg === 'string' ? header.alg : undefined, kid: typeof header.kid === 'string' ? header.kid : undefined };
  } catch {
    return undefined;
  }
}
