import { AuditAction, AuditEntry } from '../../audit/audit-actions';
import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { AuditService } from '../../audit/audit.service';
import { hashSecret } from '../../common/secret-hash';
import { looksLikeJwt, TokenClaims, TokenRefusal, TokenSigner } from '../../keys/token-signer.service';
import type { VerificationResult } from '../../metrics/metrics.service';
import { Cache } from '../../cache/cache';
import { Caches } from '../../cache/caches.service';
import { noUses, TokenUseQueue, TokenUseQueues, UseState, useStateOf } from '../../token-uses/token-use-queue';
import { VerificationRepository } from './verification.repository';

export interface VerifiedToken {
  tokenId: string;
  instanceId: string;
  projectId: string;
  validUntilMs: number;
}

/** Why a token does not open an instance: `missing` (no token sent) or the metrics' result. */
export type Refusal = 'missing' | Exclude<VerificationResult, 'valid'>;
export type Verdict = { ok: true; token: VerifiedToken } | { ok: false; reason: Refusal };

// Prebuilt: refusing a junk token allocates nothing.
const REFUSED = Object.fromEntries(
  (['missing', 'expired', 'revoked', 'unknown', 'bad_signature', 'wrong_audience', 'malformed'] as const).map((reason) => [
    reason,
    Object.freeze({ ok: false, reason }),
  ]),
) as Record<Refusal, Verdict>;

/** What the cache knows about one token hash. `token: null` means "signed by us, but no such token". */
interface Entry {
  token: VerifiedToken | null;
  uses: UseState;
}

const CACHE_ENTRIES = 100_000;
/** After this the database is asked again: a safety net should a change from another replica be missed. */
const RECHECK_MS = 60_000;
const UNKNOWN_TTL_MS = 10_000;

/**
 * Decides whether an instance token opens an instance, at forward-auth rates.
 *
 * A cache keyed by the SHA-256 of the token answers repeat requests without crypto or I/O. On a
 * miss the JWT signature is checked first, so forged tokens never reach the database; then the
 * hash is looked up with one raw query. Deleting the token, its instance or its project drops
 * the entry before the deleting request answers, and a delete that races a lookup makes that
 * lookup read again (see Cache), so a deleted token is refused from the moment its DELETE returns.
 */
@Injectable()
export class TokenVerifier {
  private readonly cache: Cache<Entry>;
  private readonly uses: TokenUseQueue;
  /** The instances of the tokens with queued uses: their lists show lastUsedAt. */
  private pendingInstances = new Set<string>();

  constructor(
    private readonly signer: TokenSigner,
    private readonly records: VerificationRepository,
    private readonly audit: AuditService,
    private readonly caches: Caches,
    queues: TokenUseQueues,
  ) {
    this.cache = caches.define('instance-token-verdicts', {
      maxEntries: CACHE_ENTRIES,
      ttlMs: (entry) => (entry.token ? RECHECK_MS : UNKNOWN_TTL_MS),
      tags: {
        'instance-token': (entry) => entry.token?.tokenId,
        instance: (entry) => entry.token?.instanceId,
        project: (entry) => entry.token?.projectId,
      },
    });
    this.uses = queues.create('instance-token', async (batch) => {
      const instances = this.pendingInstances;
      this.pendingInstances = new Set();
      await this.records.recordUses(batch);
      for (const id of instances) await this.caches.invalidate('instance-tokens', id);
    });
  }

  /** Synchronous when the answer is cached, which is the common case. `clientAddress`: who presented the token. */
  verify(instanceId: string, content: string | undefined, requestId: string, clientAddress: string): Verdict | Promise<Verdict> {
    if (!content) return REFUSED.missing;
    const entry = this.resolve(content);
    if (typeof entry === 'string') return REFUSED[entry];
    return entry instanceof Promise
      ? entry.then((loaded) => this.decide(loaded, instanceId, requestId, clientAddress))
      : this.decide(entry, instanceId, requestId, clientAddress);
  }

  /** The live token behind `content`, for introspection, or why it is not one. */
  async lookup(content: string): Promise<VerifiedToken | Exclude<VerificationResult, 'valid'>> {
    const entry = await this.resolve(content);
    if (typeof entry === 'string') return entry;
    if (!entry.token) return 'unknown';
    return entry.token.validUntilMs > Date.now() ? entry.token : 'expired';
  }

  /** Writes the queued uses of instance tokens now (TokenUseQueues writes them every 10 s and at shutdown). */
  flushUses(): Promise<void> {
    return this.uses.flush();
  }

  private decide(entry: Entry, instanceId: string, requestId: string, clientAddress: string): Verdict {
    const { token } = entry;
    // Signed by us but not stored: deleted (instance tokens are deleted, not flagged revoked).
    if (!token) return REFUSED.unknown;
    const now = Date.now();
    if (token.instanceId !== instanceId) {
      this.recordDenial(token, 'wrong-instance', requestId, isUUID(instanceId) ? instanceId : undefined);
      return REFUSED.wrong_audience;
    }
    if (token.validUntilMs <= now) {
      this.recordDenial(token, 'expired', requestId);
      return REFUSED.expired;
    }
    const note = this.uses.note(entry.uses, token.tokenId, clientAddress, now);
    if (note !== 'quiet') this.pendingInstances.add(token.instanceId);
    if (note === 'new-address') this.auditNewAddress(token, clientAddress, requestId);
    return { ok: true, token };
  }

  /** Folded per token per minute. */
  private auditNewAddress(token: VerifiedToken, address: string, requestId: string): void {
    this.audit.recordFolded(presentedTokenEvent(token, 'instance-token.used-from-new-address', 'success', requestId, { address }), token.tokenId);
  }

  /** The cache entry of `content`, or why its signature alone refuses it. */
  private resolve(content: string): Entry | Promise<Entry> | TokenRefusal {
    if (!looksLikeJwt(content)) return 'malformed';
    const hash = hashSecret(content);
    const cached = this.cache.peek(hash);
    if (cached) return cached;
    // Synchronous, so a forged token costs no promise. Expired tokens pass here so the rejection
    // can name the token in the audit trail.
    const claims = this.signer.check(content, 'instance', undefined, { allowExpired: true });
    if (typeof claims === 'string') return claims;
    return this.cache.get(hash, () => this.load(hash, claims));
  }

  private async load(hash: string, claims: TokenClaims): Promise<Entry> {
    const record = await this.records.findByHash(hash);
    if (!record || record.id !== claims.jti) return { token: null, uses: noUses() };
    return {
      token: { tokenId: record.id, instanceId: record.instanceId, projectId: record.projectId, validUntilMs: record.validUntil.getTime() },
      uses: useStateOf(record),
    };
  }

  private recordDenial(token: VerifiedToken, reason: 'expired' | 'wrong-instance', requestId: string, requestedInstanceId?: string): void {
    this.audit.recordDenial(
      presentedTokenEvent(token, 'instance-token.verify', 'denied', requestId, { reason, ...(requestedInstanceId ? { requestedInstanceId } : {}) }),
    );
  }
}

/** An audit event about a token presented at forward-auth: the token is both actor and resource. */
function presentedTokenEvent(
  token: VerifiedToken,
  action: AuditAction,
  outcome: AuditEntry['outcome'],
  requestId: string,
  details: Record<string, unknown>,
): AuditEntry {
  const self = { type: 'instance-token', id: token.tokenId } as const;
  return { projectId: token.projectId, actor: self, action, resource: self, outcome, requestId, details: { instanceId: token.instanceId, ...details } };
}
