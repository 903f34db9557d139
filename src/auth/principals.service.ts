import { Injectable } from '@nestjs/common';
import { Principal } from '../common/principal';
import { TokenClaims } from '../keys/token-signer.service';
import { ServiceAccountsRepository } from '../service-accounts/service-accounts.repository';
import { UsersRepository } from './users.repository';

/** Resolves verified bearer claims to a live principal: disabled users and revoked tokens get none. */
@Injectable()
export class PrincipalsService {
  constructor(
    private readonly users: UsersRepository,
    private readonly serviceAccounts: ServiceAccountsRepository,
  ) {}

  async fromClaims(claims: TokenClaims): Promise<Principal | undefined> {
    if (claims.token_type === 'access') {
      const user = await this.users.findById(claims.sub);
      if (!user || user.disabledAt) return undefined;
      return { kind: 'user', id: user.id, email: user.email, isAdmin: user.isAdmin, tokenId: claims.jti };
    }
    if (claims.token_type === 'sa-access') {
      const token = await this.serviceAccounts.findLiveToken(claims.jti);
      if (!token || token.serviceAccount.id !== claims.sub) return undefined;
      const account = token.serviceAccount;
      return { kind: 'service-account', id: account.id, email: account.email, projectId: account.projectId, tokenId: token.id };
    }
    return undefined;
  }
}
