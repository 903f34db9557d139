import { Injectable } from '@nestjs/common';
import { Principal } from '../common/principal';
import { issuedAtMs, TokenClaims } from '../keys/token-signer.service';
import { RevocationBus } from '../revocation/revocation-bus';
import { RevocationCache } from '../revocation/revocation-cache';
import { ServiceAccountsRepository } from '../service-accounts/service-accounts.repository';
import { UsersRepository } from './users.repository';

/** What the guard needs of an active user; the email never changes, the rest publishes 'user'. */
export interface ActiveUser {
  id: string;
  email: string;
  isAdmin: boolean;
  /** Access tokens issued before this (epoch ms; 0 for none) are refused. */
  tokensValidAfter: number;
}

interface LiveServiceAccountToken {
  serviceAccountId: string;
  email: string;
  projectId: string;
  validUntil: number;
}

// Events evict entries at once on every replica; the TTL only bounds edits made outside Tessera.
const CACHE = { ttlMs: 30_000, maxEntries: 10_000 };

/**
 * Resolves verified bearer claims to a live principal: disabled users and revoked tokens get none.
 * Every /v1 and console request passes here, so lookups are cached and evicted by revocations.
 */
@Injectable()
export class PrincipalsService {
  private readonly users: RevocationCache<ActiveUser>;
  private readonly serviceAccountTokens: RevocationCache<LiveServiceAccountToken>;

  constructor(
    private readonly usersRepository: UsersRepository,
    private readonly serviceAccounts: ServiceAccountsRepository,
    bus: RevocationBus,
  ) {
    this.users = new RevocationCache(bus, CACHE);
    this.serviceAccountTokens = new RevocationCache(bus, CACHE);
    bus.subscribe({
      revoked: (event) => {
        if (event.kind === 'user') this.users.delete(event.id);
        else if (event.kind === 'service-account-token') this.serviceAccountTokens.delete(event.id);
        else if (event.kind === 'project') this.serviceAccountTokens.deleteWhere((token) => token.projectId === event.id);
      },
      reset: () => {
        this.users.clear();
        this.serviceAccountTokens.clear();
      },
    });
  }

  async fromClaims(claims: TokenClaims): Promise<Principal | undefined> {
    if (claims.token_type === 'access') {
      const user = await this.activeUser(claims.sub);
      if (!user || issuedAtMs(claims) < user.tokensValidAfter) return undefined;
      return { kind: 'user', id: user.id, email: user.email, isAdmin: user.isAdmin, tokenId: claims.jti };
    }
    if (claims.token_type === 'sa-access') {
      const token = await this.serviceAccountTokens.get(claims.jti, () => this.loadServiceAccountToken(claims.jti));
      if (!token || token.validUntil <= Date.now() || token.serviceAccountId !== claims.sub) return undefined;
      return { kind: 'service-account', id: token.serviceAccountId, email: token.email, projectId: token.projectId, tokenId: claims.jti };
    }
    return undefined;
  }

  /** The user if it exists and is not disabled. */
  activeUser(id: string): Promise<ActiveUser | undefined> {
    return this.users.get(id, async () => {
      const user = await this.usersRepository.findById(id);
      if (!user || user.disabledAt) return undefined;
      return { id: user.id, email: user.email, isAdmin: user.isAdmin, tokensValidAfter: user.tokensValidAfter?.getTime() ?? 0 };
    });
  }

  private async loadServiceAccountToken(id: string): Promise<LiveServiceAccountToken | undefined> {
    const token = await this.serviceAccounts.findLiveToken(id);
    if (!token) return undefined;
    const account = token.serviceAccount;
    return { serviceAccountId: account.id, email: account.email, projectId: account.projectId, validUntil: token.validUntil.getTime() };
  }
}
