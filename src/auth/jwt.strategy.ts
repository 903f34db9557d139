import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Principal } from '../common/principal';
import { CONSOLE_AUDIENCE, TokenClaims, TokenSigner } from '../keys/token-signer.service';
import { PrincipalsService } from './principals.service';

const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

/** What renews each kind of expired bearer token, as the 401 tells the caller. */
const EXPIRED: Record<string, string> = {
  access: 'The access token has expired; get a new one from /console/api/auth/refresh/ with your refresh token.',
  'sa-access': 'The service account access token has expired; create a new one (POST .../service-accounts/{email}/access-tokens).',
};

/** The guard's reason for a bearer token that checks out except for its expiry. */
export class ExpiredTokenError extends Error {}

/**
 * Validates the bearer token of every protected route: a console access token (a user) or a
 * service-account access token. TokenSigner pins algorithm, issuer and audience; refresh, instance
 * and model tokens are refused by their `token_type`.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    private readonly principals: PrincipalsService,
    private readonly signer: TokenSigner,
  ) {
    super({
      jwtFromRequest: bearerToken,
      // Never asked: `authenticate` below leaves passport-jwt only the requests without a token.
      secretOrKeyProvider: (_request: unknown, _rawToken: string, done: (error: Error) => void) => done(new Error('TokenSigner verifies bearer tokens')),
    });
  }

  /**
   * TokenSigner decides (the same pinned checks; it remembers tokens it has verified), not
   * passport-jwt's jsonwebtoken check: an ES256 verification per request was a fifth of a console
   * request's cost. Its refusal is final: jsonwebtoken is laxer (it accepts a token without `exp`),
   * so handing it a refused token would let it accept what TokenSigner refused. Only a request
   * without a token takes passport-jwt's path, which reports "No auth token" to the guard.
   */
  authenticate(request: unknown, options?: unknown): void {
    const token = bearerToken(request as Parameters<typeof bearerToken>[0]);
    if (!token) return super.authenticate(request as Parameters<Strategy['authenticate']>[0], options);
    const claims = this.signer.verify(token, ['access', 'sa-access'], CONSOLE_AUDIENCE);
    if (!claims) {
      // Only on refusal, and TokenSigner remembers the signature check: no second ES256 verification.
      const expired = this.signer.verify(token, ['access', 'sa-access'], CONSOLE_AUDIENCE, { allowExpired: true });
      return this.fail(expired ? new ExpiredTokenError(EXPIRED[expired.token_type]) : new Error('token is not valid'), 401);
    }
    this.validate(claims).then(
      (principal) => (principal ? this.success(principal) : this.fail('token is not live', 401)),
      (error: unknown) => this.error(error as Error),
    );
  }

  async validate(claims: TokenClaims): Promise<Principal | false> {
    return (await this.principals.fromClaims(claims)) ?? false;
  }
}
