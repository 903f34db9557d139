import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { performance } from 'node:perf_hooks';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Principal } from '../common/principal';
import { CONSOLE_AUDIENCE, TokenClaims, TokenSigner } from '../keys/token-signer.service';
import { Metrics, VerificationMeter } from '../metrics/metrics.service';
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
  private readonly verifications: VerificationMeter;

  constructor(
    private readonly principals: PrincipalsService,
    private readonly signer: TokenSigner,
    metrics: Metrics,
  ) {
    super({
      jwtFromRequest: bearerToken,
      // Never asked: `authenticate` below leaves passport-jwt only the requests without a token.
      secretOrKeyProvider: (_request: unknown, _rawToken: string, done: (error: Error) => void) => done(new Error('TokenSigner verifies bearer tokens')),
    });
    this.verifications = metrics.verifications('console');
  }

  /**
   * TokenSigner decides (the same pinned checks; it remembers tokens it has verified), not
   * passport-jwt's jsonwebtoken check: an ES256 verification per request was a fifth of a console
   * request's cost. Its refusal is final: jsonwebtoken is laxer (it accepts a token without `exp`),
   * so handing it a refused token would let it accept what TokenSigner refused. Only a request
   * without a token takes passport-jwt's path, which reports "No auth token" to the guard.
   */
  authenticate(request: unknown, options?: unknown): void {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const token = bearerToken(request as Parameters<typeof bearerToken>[0]);
    if (!token) {
      this.verifications.observe('malformed', seconds());
      return super.authenticate(request as Parameters<Strategy['authenticate']>[0], options);
    }
    const claims = this.signer.check(token, ['access', 'sa-access'], CONSOLE_AUDIENCE);
    if (typeof claims === 'string') {
      this.verifications.observe(claims, seconds());
      // Only on refusal, and TokenSigner remembers the signature check: no second ES256 verification.
      const expired = claims === 'expired' && this.signer.verify(token, ['access', 'sa-access'], CONSOLE_AUDIENCE, { allowExpired: true });
      return this.fail(expired ? new ExpiredTokenError(EXPIRED[expired.token_type]) : new Error('token is not valid'), 401);
    }
    this.validate(claims).then(
      (principal) => {
        // No principal: the user was disabled or deleted, or the service-account token revoked.
        this.verifications.observe(principal ? 'valid' : 'revoked', seconds());
        if (principal) this.success(principal);
        else this.fail('token is not live', 401);
      },
      (error: unknown) => this.error(error as Error),
    );
  }

  async validate(claims: TokenClaims): Promise<Principal | false> {
    return (await this.principals.fromClaims(claims)) ?? false;
  }
}
