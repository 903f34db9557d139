import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Principal } from '../common/principal';
import { issuedAtMs, TokenClaims } from '../keys/token-signer.service';
import { Cache } from '../cache/cache';
import { Caches } from '../cache/caches.service';
import { ServiceAccountsRepository } from '../service-accounts/service-accounts.repository';
import { TokenUseQueue, TokenUseQueues, UseState, useStateOf } from '../token-uses/token-use-queue';
import { TokenUsesRepository } from '../token-uses/token-uses.repository';
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
  uses: UseState;
}

/** Who presented a bearer token: the client address (request.ip) and the request's id, for lastUsedIps and the audit. */
export interface BearerClient {
  address: string;
  requestId: string;
}

// Changes drop entries at once on every replica; the TTL only bounds edits made outside Tessera.
const CACHE = { ttlMs: 30_000, maxEntries: 10_000 };

/**
 * Resolves verified bearer claims to a live principal: disabled users and revoked tokens get none.
 * Every /v1 and console request passes here, so lookups are cached; a user change, a revoked
 * token or a deleted project drops them.
 */
@Injectable()
export class PrincipalsService {
  private readonly users: Cache<ActiveUser>;
  private readonly serviceAccountTokens: Cache<LiveServiceAccountToken>;
  /** lastUsedAt and lastUsedIps of service-account access tokens. */
  private readonly uses: TokenUseQueue;

  constructor(
    private readonly usersRepository: UsersRepository,
    private readonly serviceAccounts: ServiceAccountsRepository,
    private readonly audit: AuditService,
    tokenUses: TokenUsesRepository,
    queues: TokenUseQueues,
    caches: Caches,
  ) {
    this.users = caches.define('active-users', { ...CACHE, tags: { user: 'key' } });
    this.serviceAccountTokens = caches.define('service-account-tokens', {
      ...CACHE,
      tags: { 'service-account-token': 'key', project: (token) => token.projectId },
    });
    this.uses = queues.create('service-account-token', (batch) => tokenUses.recordUses('service-account-token', batch));
  }

  /** `client`: who presented the token, when it came with a request (a service-account token's use is recorded). */
  async fromClaims(claims: TokenClaims, client?: BearerClient): Promise<Principal | undefined> {
    if (claims.token_type === 'access') {
      const user = await this.activeUser(claims.sub);
      if (!user || issuedAtMs(claims) < user.tokensValidAfter) return undefined;
      return { kind: 'user', id: user.id, email: user.email, isAdmin: user.isAdmin, tokenId: claims.jti };
    }
    if (claims.token_type === 'sa-access') {
      const token = await this.serviceAccountTokens.get(claims.jti, () => this.loadServiceAccountToken(claims.jti));
      const now = Date.now();
      if (!token || token.validUntil <= now || token.serviceAccountId !== claims.sub) return undefined;
      if (client && this.uses.note(token.uses, claims.jti, client.address, now) === 'new-address') this.auditNewAddress(claims.jti, token, client);
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
    return {
      serviceAccountId: account.id,
      email: account.email,
      projectId: account.projectId,
      validUntil: token.validUntil.getTime(),
      uses: useStateOf(token),
    };
  }

  /** Folded per token per minute. */
  private auditNewAddress(tokenId: string, token: LiveServiceAccountToken, client: BearerClient): void {
    this.audit.recordFolded(
      {
        projectId: token.projectId,
        actor: { type: 'service-account', id: token.serviceAccountId },
        action: 'service-account-token.used-from-new-address',
        resource: { type: 'service-account-token', id: tokenId },
        outcome: 'success',
        requestId: client.requestId,
        details: { serviceAccountId: token.serviceAccountId, address: client.address },
      },
      tokenId,
    );
  }
}
