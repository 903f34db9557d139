import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Principal } from '../common/principal';
import { JWT_ALGORITHM, SigningKeysService } from '../keys/signing-keys.service';
import { CONSOLE_AUDIENCE, headerKid, TokenClaims } from '../keys/token-signer.service';
import { PrincipalsService } from './principals.service';

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
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
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

  async validate(claims: TokenClaims): Promise<Principal | false> {
    return (await this.principals.fromClaims(claims)) ?? false;
  }
}
