import { Injectable, Logger } from '@nestjs/common';
import { AuditAction, AuditEntry } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { RefreshTokensRepository } from '../auth/refresh-tokens.repository';
import { ChangeKind } from '../cache/changes';
import { Caches } from '../cache/caches.service';
import { hashSecret } from '../common/secret-hash';
import { Transactions } from '../database/transactions';
import { InstanceTokensRepository } from '../instances/instance-tokens.repository';
import { CONSOLE_AUDIENCE, TokenSigner } from '../keys/token-signer.service';
import { ExternalTokensRepository } from '../models/external-tokens/external-tokens.repository';
import { ServiceAccountsRepository } from '../service-accounts/service-accounts.repository';

/** Whoever reported the values: anonymous, known by the client address only. */
export interface Submitter {
  address: string;
  requestId: string;
}

/**
 * Leaked-token revocation. Every value is hashed and looked up as each stored kind (instance
 * tokens, service-account access tokens and external model tokens keep the SHA-256 of the JWT;
 * refresh tokens are found by the `jti` of a good signature), so a value costs the same whether it
 * is a token or not. Matches are revoked and audited as `<kind>.leaked` together, then announced
 * to every replica's caches. Console access and model session tokens are stored nowhere: they
 * cannot be revoked one by one and die at their short expiry.
 */
@Injectable()
export class TokenRevocationsService {
  private readonly logger = new Logger('TokenRevocations');

  constructor(
    private readonly instanceTokens: InstanceTokensRepository,
    private readonly serviceAccounts: ServiceAccountsRepository,
    private readonly externalTokens: ExternalTokensRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly audit: AuditService,
    private readonly transactions: Transactions,
    private readonly caches: Caches,
    private readonly signer: TokenSigner,
  ) {}

  async revoke(values: string[], submitter: Submitter): Promise<void> {
    // A JWT holds no whitespace; a value copied from a file or a log often carries some.
    const reported = [...new Set(values.map((value) => value.trim()))];
    const hashes = reported.map(hashSecret);
    const changes: [ChangeKind, string][] = [];
    try {
      await this.revokeStored(hashes, submitter, changes);
      await this.revokeRefreshFamilies(reported, submitter);
    } finally {
      // What committed before a failure is announced all the same.
      await this.announce(changes);
    }
  }

  /** The kinds stored by the hash of their content; each revocation's cache change goes into `changes`. */
  private async revokeStored(hashes: string[], submitter: Submitter, changes: [ChangeKind, string][]): Promise<void> {
    const instanceTokens = await this.instanceTokens.revokeLeaked(hashes, (token) =>
      leakedEntry(
        submitter,
        'instance-token.leaked',
        token.projectId,
        { type: 'instance-token', id: token.id },
        { instanceId: token.instanceId, name: token.name },
      ),
    );
    for (const token of instanceTokens) changes.push(['instance-token', token.id], ['instance-tokens', token.instanceId]);

    const { accountTokens, externalTokens } = await this.transactions.run(async (tx) => {
      const accountTokens = await this.serviceAccounts.revokeLeaked(hashes, tx);
      for (const { id, serviceAccount } of accountTokens) {
        const resource = { type: 'service-account-token', id } as const;
        const details = { serviceAccount: serviceAccount.email };
        await this.audit.record(leakedEntry(submitter, 'service-account-token.leaked', serviceAccount.projectId, resource, details), tx);
      }
      const externalTokens = await this.externalTokens.revokeLeaked(hashes, tx);
      for (const { id, name, prefixId, modelId } of externalTokens) {
        await this.audit.record(leakedEntry(submitter, 'external-token.leaked', null, { type: 'external-token', id }, { name, prefixId, modelId }), tx);
      }
      return { accountTokens, externalTokens };
    });
    for (const { id } of accountTokens) changes.push(['service-account-token', id]);
    for (const { id } of externalTokens) changes.push(['external-token', id]);
  }

  /** Refresh tokens are stored by `jti`: only a value with a good signature names one. */
  private async revokeRefreshFamilies(values: string[], submitter: Submitter): Promise<void> {
    for (const value of values) {
      const claims = this.signer.verify(value, 'refresh', CONSOLE_AUDIENCE);
      if (!claims) continue;
      const event = leakedEntry(submitter, 'refresh-token.leaked', null, { type: 'refresh-token', id: claims.jti }, { userId: claims.sub });
      await this.refreshTokens.revokeLeakedFamily(claims.jti, event);
    }
  }

  /**
   * The revocations have committed: a failed notice must not change the answer (it would tell
   * that a value was a token). Other replicas then refuse the token once their cache entry ages out.
   */
  private async announce(changes: [ChangeKind, string][]): Promise<void> {
    for (const [kind, id] of changes) {
      try {
        await this.caches.invalidate(kind, id);
      } catch (error) {
        this.logger.warn(`the revocation of leaked ${kind} ${id} was not announced to other replicas: ${(error as Error).message}`);
      }
    }
  }
}

function leakedEntry(
  submitter: Submitter,
  action: AuditAction,
  projectId: string | null,
  resource: AuditEntry['resource'],
  details: Record<string, unknown>,
): AuditEntry {
  return {
    projectId,
    actor: { type: 'anonymous', id: submitter.address },
    action,
    resource,
    outcome: 'success',
    requestId: submitter.requestId,
    details: { address: submitter.address, ...details },
  };
}
