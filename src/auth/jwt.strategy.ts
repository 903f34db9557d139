import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { decode, JsonWebTokenError, NotBeforeError, TokenExpiredError } from 'jsonwebtoken';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Principal } from '../common/principal';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { CONSOLE_AUDIENCE, TokenClaims, TokenRefusal } from '../keys/token-signer.service';
import { JWT_ALGORITHM, SigningKeysService } from '../keys/signing-keys.service';
import type { VerificationResult } from '../metrics/metrics.service';
import { PrincipalsService } from './principals.service';
import { rememberVerifications } from './remembered-jwt-verifier';

/** The bearer tokens of protected routes: console access tokens (users) and service-account access tokens. */
const ACCEPTED_TYPES: ReadonlySet<unknown> = new Set(['access', 'sa-access']);

/** What renews each kind of expired bearer token, as the 401 tells the caller. */
export const EXPIRED_HINT: Record<string, string> = {
  access: 'The access token has expired; get a new one from /console/api/auth/refresh/ with your refresh token.',
  'sa-access': 'The service account access token has expired; create a new one (POST .../service-accounts/{email}/access-tokens).',
};

/** Three base64url segments, the signature possibly empty: what jsonwebtoken accepts as a JWS at all. */
const JWS_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

/**
 * The token's decoded JOSE header (any JSON value, as jsonwebtoken takes it), or undefined when the
 * first segment is no JSON. Only the header: the key is chosen by its `kid`, and the payload is
 * jsonwebtoken's to decode, or nobody's when the remembering verifier knows the token.
 */
function headerOf(token: string): unknown {
  const end = token.indexOf('.');
  if (end <= 0) return undefined;
  try {
    return JSON.parse(Buffer.from(token.slice(0, end), 'base64url').toString('latin1'));
  } catch {
    return undefined;
  }
}

function kidOf(header: unknown): string | undefined {
  const kid = typeof header === 'object' && header !== null ? (header as { kid?: unknown }).kid : undefined;
  return typeof kid === 'string' ? kid : undefined;
}

/** Why the strategy refused a request, as the guard reports it to the metrics and the client. */
export class BearerRefusal extends Error {
  constructor(
    readonly result: Exclude<VerificationResult, 'valid'>,
    /** For an expired token of an accepted type: what renews it. */
    readonly hint?: string,
  ) {
    super(result);
  }
}

/**
 * Validates the bearer token of every protected route with passport-jwt: the key is chosen by the
 * token's `kid` among the signing keys (SigningKeysService), the algorithm is pinned to ES256,
 * issuer and audience are checked, and `validate()` turns the claims into a principal. Refresh,
 * instance and model tokens share key, issuer and (some) audience, so `token_type` decides.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    private readonly principals: PrincipalsService,
    keys: SigningKeysService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: (_request, rawToken: string, done) => {
        const header = headerOf(rawToken);
        const key = keys.keyFor(kidOf(header));
        // Not a key of this service: nothing it signed. Not a JWS at all: malformed.
        if (!key) return done(new BearerRefusal(header && JWS_SHAPE.test(rawToken) ? 'bad_signature' : 'malformed'));
        // A KeyObject, which jsonwebtoken takes as it is (the typings know only PEM strings and
        // buffers, which it would parse into a KeyObject on every request).
        done(null, key as unknown as string);
      },
      algorithms: [JWT_ALGORITHM],
      issuer: config.auth.issuer,
      audience: CONSOLE_AUDIENCE,
      ignoreExpiration: false,
      passReqToCallback: true,
    });
    rememberVerifications();
  }

  /** The principal the claims name; `[false, refusal]` tells the guard why there is none. */
  async validate(request: { ip: string; id: string }, claims: TokenClaims): Promise<Principal | [false, BearerRefusal]> {
    // jsonwebtoken accepts a token without `exp`; Tessera issues none and accepts none.
    if (typeof claims.exp !== 'number') return [false, new BearerRefusal('malformed')];
    if (!ACCEPTED_TYPES.has(claims.token_type)) return [false, new BearerRefusal('wrong_audience')];
    // No principal: the user was disabled or deleted, or the service-account token revoked.
    return (await this.principals.fromClaims(claims, { address: request.ip, requestId: request.id })) ?? [false, new BearerRefusal('revoked')];
  }
}

/**
 * What passport-jwt's refusal (`info`) means for the metrics, and for an expired console or
 * service-account token, the hint the 401 carries. `token` is only decoded here: the signature
 * was checked before jsonwebtoken looked at `exp`.
 */
export function refusalOf(info: unknown, token: string | undefined, issuer: string): BearerRefusal {
  if (info instanceof BearerRefusal) return info;
  if (!token) return new BearerRefusal('malformed');
  if (info instanceof TokenExpiredError) {
    const claims = decode(token, { json: true });
    const type: unknown = claims?.token_type;
    const ours = claims?.iss === issuer && ACCEPTED_TYPES.has(type) && [claims.aud].flat().includes(CONSOLE_AUDIENCE);
    return new BearerRefusal('expired', ours ? EXPIRED_HINT[type as string] : undefined);
  }
  if (info instanceof NotBeforeError) return new BearerRefusal('expired');
  if (info instanceof JsonWebTokenError) return new BearerRefusal(JWT_ERRORS.find(([start]) => info.message.startsWith(start))?.[1] ?? 'malformed');
  return new BearerRefusal('malformed');
}

/** jsonwebtoken's messages, by what they mean (an issuer of another deployment signed nothing of ours). */
const JWT_ERRORS: [string, TokenRefusal][] = [
  ['invalid signature', 'bad_signature'],
  ['invalid algorithm', 'bad_signature'],
  ['jwt audience invalid', 'wrong_audience'],
  ['jwt issuer invalid', 'bad_signature'],
];
