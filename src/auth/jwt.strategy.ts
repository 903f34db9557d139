import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Principal } from '../common/principal';
import { JWT_ALGORITHM, SigningKeysService } from '../keys/signing-keys.service';
import { CONSOLE_AUDIENCE, headerKid, TokenClaims, TokenSigner } from '../keys/token-signer.service';
import { PrincipalsService } from './principals.service';

const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

/**
 * Validates the bearer token of every protected route: a console access token (a user) or a
 * service-account access token. Algorithm, issuer and audience are pinned; refresh, instance and
 * model tokens are refused by their `token_type`.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    keys: SigningKeysService,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly principals: PrincipalsService,
    private readonly signer: TokenSigner,
  ) {
    super({
      jwtFromRequest: bearerToken,
      algorithms: [JWT_ALGORITHM],
      issuer: config.auth.issuer,
      audience: CONSOLE_AUDIENCE,
      secretOrKeyProvider: (_request: unknown, rawToken: string, done: (error: Error | null, key?: string) => void) => {
        const key = keys.keyFor(headerKid(rawToken));
        // jsonwebtoken takes a KeyObject (no PEM parsing per request); the passport-jwt typing says string.
        if (key) done(null, key as unknown as string);
        else done(new Error('unknown signing key'));
      },
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
    if (!claims) return this.fail(new Error('token is not valid'), 401);
    this.validate(claims).then(
      (principal) => (principal ? this.success(principal) : this.fail('token is not live', 401)),
      (error: unknown) => this.error(error as Error),
    );
  }

  async validate(claims: TokenClaims): Promise<Principal | false> {
    return (await this.principals.fromClaims(claims)) ?? false;
  }
}
