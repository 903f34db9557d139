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

    await this.transactions.run(async (tx) => {
      for (const token of await this.serviceAccounts.revokeLeaked(hashes, tx)) {
        const { serviceAccount } = token;
        const resource = { type: 'service-account-token', id: token.id } as const;
        await this.audit.record(
          leakedEntry(submitter, 'service-account-token.leaked', serviceAccount.projectId, resource, { serviceAccount: serviceAccount.email }),
          tx,
        );
        changes.push(['service-account-token', token.id]);
      }
      for (const token of await this.externalTokens.revokeLeaked(hashes, tx)) {
        const details = { name: token.name, prefixId: token.prefixId, modelId: token.modelId };
        await this.audit.record(leakedEntry(submitter, 'external-token.leaked', null, { type: 'external-token', id: token.id }, details), tx);
        changes.push(['external-token', token.id]);
      }
    });

    for (const value of reported) {
      const claims = this.signer.verify(value, 'refresh', CONSOLE_AUDIENCE);
      if (!claims) continue;
      const event = leakedEntry(submitter, 'refresh-token.leaked', null, { type: 'refresh-token', id: claims.jti }, { userId: claims.sub });
      await this.refreshTokens.revokeLeakedFamily(claims.jti, event);
    }

    await this.announce(changes);
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
