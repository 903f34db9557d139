import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import { constantTimeEqual, hashSecret } from '../../common/secret-hash';
import { CONSOLE_AUDIENCE, issuedAtMs, TokenClaims, TokenRefusal, TokenSigner, TokenType } from '../../keys/token-signer.service';
import type { VerificationResult } from '../../metrics/metrics.service';
import { TokenUseQueue, TokenUseQueues } from '../../token-uses/token-use-queue';
import { TokenUsesRepository } from '../../token-uses/token-uses.repository';
import { ExternalTokenEntry, ModelDirectory, ModelEntry } from './model-directory';

/** The audience of tokens for one model: session tokens and model-scoped external tokens. */
export const modelAudience = (modelId: number) => `model:${modelId}`;
/** The audience of external tokens valid for every model of a prefix (keys never change). */
export const prefixAudience = (prefixKey: string) => `model-prefix:${prefixKey}`;

export type ModelTokenType = Extract<TokenType, 'model-session' | 'model-external'>;

/** `forbidden`: a valid console user without access to the model, 403; any other refusal is a 401. */
/** Who presented a token at model forward-auth: recorded for external tokens (last_used_ips) and in the audit. */
export interface ModelClient {
  address: string;
  requestId: string;
}

export type ModelAccess =
  { ok: true; type: TokenType; tokenId: string; subject: string } | { ok: false; reason: 'forbidden' | Exclude<VerificationResult, 'valid'> };

/**
 * Decides whether a token opens a model. Session tokens are not stored, so they stay valid only
 * while their user is active and keeps access to the model's prefix; external tokens are checked
 * against their stored hash, revocation and scope. Both checks go through ModelDirectory's caches.
 * An external token's accepted use is queued for its last_used_at and last_used_ips (TokenUseQueue).
 */
@Injectable()
export class ModelTokenVerifier {
  private readonly uses: TokenUseQueue;

  constructor(
    private readonly signer: TokenSigner,
    private readonly directory: ModelDirectory,
    private readonly audit: AuditService,
    tokenUses: TokenUsesRepository,
    queues: TokenUseQueues,
  ) {
    this.uses = queues.create('external-token', (batch) => tokenUses.recordUses('external-token', batch));
  }

  /** Signature, issuer, expiry and type (else why not); the audience is checked against a model later. */
  claims(token: string, types: TokenType[]): TokenClaims | TokenRefusal {
    return this.signer.check(token, types);
  }

  /** `client`: who presented the token, when its use is to be recorded (forward-auth). */
  async check(token: string, claims: TokenClaims, model: ModelEntry, client?: ModelClient): Promise<ModelAccess> {
    const granted = { ok: true as const, type: claims.token_type, tokenId: claims.jti, subject: claims.sub };
    switch (claims.token_type) {
      case 'access': {
        if (claims.aud !== CONSOLE_AUDIENCE) return refused.wrong_audience;
        const access = await this.directory.userAccess(claims.sub, model.prefixId, issuedAtMs(claims));
        return access === 'allowed' ? granted : access === 'denied' ? refused.forbidden : refused.revoked;
      }
      case 'model-session':
        if (claims.aud !== modelAudience(model.id)) return refused.wrong_audience;
        // Session tokens are not stored: a user who lost the grant (or was disabled) lost them too.
        return (await this.directory.userAccess(claims.sub, model.prefixId, issuedAtMs(claims))) === 'allowed' ? granted : refused.revoked;
      case 'model-external': {
        if (claims.aud !== modelAudience(model.id) && claims.aud !== prefixAudience(model.prefixKey)) return refused.wrong_audience;
        const row = await this.directory.externalToken(claims.jti);
        if (!row || !constantTimeEqual(row.tokenHash, hashSecret(token))) return refused.unknown;
        if (row.revokedAt) return refused.revoked;
        if (row.expiresAt.getTime() <= Date.now()) return refused.expired;
        const inScope = row.modelId === null ? row.prefixId === model.prefixId : row.modelId === model.id;
        if (!inScope) return refused.wrong_audience;
        if (client && this.uses.note(row.uses, row.id, client.address) === 'new-address') this.auditNewAddress(row, client);
        return granted;
      }
      default:
        return refused.wrong_audience;
    }
  }

  /** Folded per token per minute. External tokens belong to no project: the event is kept, not listed by the project API. */
  private auditNewAddress(token: ExternalTokenEntry, client: ModelClient): void {
    this.audit.recordFolded(
      {
        projectId: null,
        actor: { type: 'external-token', id: token.id },
        action: 'external-token.used-from-new-address',
        resource: { type: 'external-token', id: token.id },
        outcome: 'success',
        requestId: client.requestId,
        details: { prefixId: token.prefixId, ...(token.modelId === null ? {} : { modelId: token.modelId }), address: client.address },
      },
      token.id,
    );
  }
}

const refused = Object.fromEntries(
  (['forbidden', 'expired', 'revoked', 'unknown', 'wrong_audience'] as const).map((reason) => [reason, Object.freeze({ ok: false, reason })]),
) as Record<'forbidden' | 'expired' | 'revoked' | 'unknown' | 'wrong_audience', ModelAccess>;
