import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditAction, successEntry } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { Caller } from '../audit/caller';
import { AppError } from '../common/app-error';
import { newId } from '../common/ids';
import { hashSecret } from '../common/secret-hash';
import { principalLabel } from '../common/principal';
import { resolveTtl, ttlLimits } from '../common/ttl';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { TokenSigner } from '../keys/token-signer.service';
import { ProjectAccessService } from '../projects/project-access.service';
import {
  CreateInstanceTokenPayload,
  LastUsedIp,
  ListInstanceTokensResponse,
  PartialUpdateInstanceTokenPayload,
  Token,
  TokenMetadata,
  TokenState,
} from './dto/instance-token.dto';
import { TokenAddressRow, TokenChanges, InstanceTokensRepository, TokenListRow, TokenScope } from './instance-tokens.repository';
import { changedFields, decodeLabels, encodeLabels, patchLabels, rfc3339 } from './representation';
import { descriptionChange, storedDescription } from '../common/description';
import { Caches } from '../cache/caches.service';
import { Rendered, RevisionedCache } from '../cache/revisioned-cache';

type TokenRow = TokenListRow;

/** The audience of an instance token: it opens that instance and no other. */
export const instanceAudience = (instanceId: string) => `instance:${instanceId}`;

/**
 * Instance tracking tokens. `content` is a JWT signed with the service key (`jti` = token id,
 * `aud` = the instance, `exp` = validUntil); only its SHA-256 is stored, and it is returned once.
 */
@Injectable()
export class InstanceTokensService {
  private readonly logger = new Logger('InstanceTokens');
  /** Serialized list responses by instance; every token write bumps the instance's tokensRevision. */
  private readonly lists: RevisionedCache<TokenScope>;

  constructor(
    private readonly tokens: InstanceTokensRepository,
    private readonly access: ProjectAccessService,
    private readonly signer: TokenSigner,
    private readonly audit: AuditService,
    private readonly caches: Caches,
    private readonly transactions: Transactions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.lists = caches.defineRevisioned('instance-token-lists', {
      // About 30 lists of 1,000 tokens.
      budgetBytes: 8 * 1024 * 1024,
      ttlMs: 30_000,
      tags: { 'instance-tokens': (scope) => scope.instanceId, instance: (scope) => scope.instanceId, project: (scope) => scope.projectId },
    });
  }

  /**
   * The whole ListInstanceTokensResponse, serialized and cached per instance: building a long
   * list is CPU-bound, a cache hit costs at most one indexed query for the revision (see
   * RevisionedCache).
   */
  async list(caller: Caller, scope: TokenScope): Promise<Buffer> {
    await this.access.require(caller.principal, scope.projectId, 'reader');
    return this.lists.get(
      `${scope.projectId}/${scope.region}/${scope.instanceId}`,
      scope,
      () => this.listRevision(scope),
      () => this.renderList(scope),
    );
  }

  async get(caller: Caller, scope: TokenScope, id: string): Promise<TokenMetadata> {
    await this.access.require(caller.principal, scope.projectId, 'reader');
    const row = await this.tokens.find(scope, id);
    if (!row) throw AppError.notFound('token not found');
    const addresses = row.lastUsedAt ? await this.tokens.addresses(scope, id) : [];
    return toMetadata(row, undefined, lastUsedIps(addresses));
  }

  async create(caller: Caller, scope: TokenScope, body: CreateInstanceTokenPayload): Promise<Token> {
    await this.access.require(caller.principal, scope.projectId, 'editor');
    const ttlMs = resolveTtl(body.ttlDuration, ttlLimits(this.config, 'instance-token'));
    const id = newId();
    // Whole seconds, rounded up: `exp` of the JWT and `validUntil` are the same instant, and in the future.
    const validUntil = new Date(Math.ceil((Date.now() + ttlMs) / 1000) * 1000);
    const { token: content } = this.signer.issue({
      type: 'instance',
      subject: caller.principal.id,
      audience: instanceAudience(scope.instanceId),
      id,
      expiresAt: validUntil,
    });
    const row = {
      id,
      name: body.name,
      description: storedDescription(body.description),
      labels: encodeLabels(body.labels),
      region: scope.region,
      validUntil,
      lastUsedAt: null,
    };
    const event = this.event(caller, scope, 'instance-token.create', id, { name: body.name, validUntil: rfc3339(validUntil) });
    const created = await this.tokens.create(scope, { ...row, tokenHash: hashSecret(content), createdBy: principalLabel(caller.principal) }, event);
    if (!created) throw AppError.notFound('instance not found');
    await this.listChanged(scope);
    return { ...toMetadata(row), content };
  }

  async update(caller: Caller, scope: TokenScope, id: string, body: PartialUpdateInstanceTokenPayload): Promise<TokenMetadata> {
    await this.access.require(caller.principal, scope.projectId, 'editor');
    // PartialUpdateInstanceTokenPayload allows a 200-character name and a 2000-character
    // description, but Token/TokenMetadata (what every later GET returns, and what the SDKs
    // validate) allow 64 and 160. Storing more would break those clients, so it is refused.
    if (body.name !== undefined && body.name.length > 64) {
      throw AppError.badRequest('name: at most 64 characters (a token name is returned with maxLength 64)', 'invalid');
    }
    if (body.description && body.description.length > 160) {
      throw AppError.badRequest('description: at most 160 characters (a token description is returned with maxLength 160)', 'invalid');
    }
    const row = await this.transactions.run(async (tx) => {
      await this.tokens.bumpListRevision(scope, tx);
      // Lock first: two concurrent label patches must not both start from the same labels.
      if (!(await this.tokens.lock(scope, id, tx))) throw AppError.notFound('token not found');
      const current = (await this.tokens.find(scope, id, tx))!;
      const changes: TokenChanges = {
        name: body.name,
        description: descriptionChange(body.description),
        labels: body.labels ? patchLabels(current.labels, body.labels) : undefined,
      };
      await this.tokens.update(scope, id, changes, tx);
      await this.audit.record(this.event(caller, scope, 'instance-token.update', id, { fields: changedFields(changes) }), tx);
      return (await this.tokens.find(scope, id, tx))!;
    });
    await this.listChanged(scope);
    return toMetadata(row);
  }

  /** Deletes the token; it stops opening the instance before this returns. */
  async delete(caller: Caller, scope: TokenScope, id: string): Promise<TokenMetadata> {
    await this.access.require(caller.principal, scope.projectId, 'editor');
    const row = await this.transactions.run(async (tx) => {
      await this.tokens.bumpListRevision(scope, tx);
      const current = await this.tokens.find(scope, id, tx);
      if (!current || !(await this.tokens.delete(scope, id, tx))) throw AppError.notFound('token not found');
      await this.audit.record(this.event(caller, scope, 'instance-token.delete', id, { name: current.name }), tx);
      return current;
    });
    await this.caches.invalidate('instance-token', id);
    await this.listChanged(scope);
    return toMetadata(row, 'deleting');
  }

  private async listRevision(scope: TokenScope): Promise<number> {
    const revision = await this.tokens.listRevision(scope);
    if (revision === undefined) throw AppError.notFound('instance not found');
    return revision;
  }

  /**
   * Every token write announces itself, so cached lists drop at once here and on other replicas.
   * The write has committed by then: should the notice fail, the request still succeeds (a retry
   * would create a second token) and other replicas pick the change up within the cache's 30 s.
   */
  private async listChanged(scope: TokenScope): Promise<void> {
    try {
      await this.caches.invalidate('instance-tokens', scope.instanceId);
    } catch (error) {
      this.logger.warn(`the token list change of instance ${scope.instanceId} was not announced to other replicas: ${(error as Error).message}`);
    }
  }

  private async renderList(scope: TokenScope): Promise<Rendered> {
    const [rows, addresses] = await Promise.all([this.tokens.list(scope), this.tokens.addresses(scope)]);
    const ipsByToken = new Map<string, LastUsedIp[]>();
    for (const address of addresses) {
      const ips = ipsByToken.get(address.tokenId);
      const ip = { ip: address.address, lastUsedAt: rfc3339(address.lastUsedAt) };
      if (ips) ips.push(ip);
      else ipsByToken.set(address.tokenId, [ip]);
    }
    const now = Date.now();
    let staleAt = Infinity;
    const tokens = rows.map((row) => {
      const validUntil = row.validUntil.getTime();
      if (validUntil > now && validUntil < staleAt) staleAt = validUntil;
      return toMetadata(row, tokenState(row.validUntil, now), ipsByToken.get(row.id));
    });
    const response: ListInstanceTokensResponse = { message: 'successfully fetched instance tokens', tokens };
    return { body: Buffer.from(JSON.stringify(response)), staleAt };
  }

  private event(caller: Caller, scope: TokenScope, action: AuditAction, id: string, details: Record<string, unknown>) {
    return successEntry(caller, scope.projectId, action, { type: 'instance-token', id }, { instanceId: scope.instanceId, ...details });
  }
}

/** `active` until validUntil, then `inactive`: expired tokens stay listed until deleted. */
export const tokenState = (validUntil: Date, now = Date.now()): TokenState => (validUntil.getTime() > now ? 'active' : 'inactive');

/** Most recent first, as `addresses` returns them. */
const lastUsedIps = (addresses: TokenAddressRow[]): LastUsedIp[] => addresses.map((row) => ({ ip: row.address, lastUsedAt: rfc3339(row.lastUsedAt) }));

function toMetadata(row: TokenRow, state: TokenState = tokenState(row.validUntil), ips?: LastUsedIp[]): TokenMetadata {
  return {
    id: row.id,
    name: row.name,
    ...(row.description ? { description: row.description } : {}),
    ...(row.labels ? { labels: decodeLabels(row.labels) } : {}),
    region: row.region,
    state,
    validUntil: rfc3339(row.validUntil),
    ...(row.lastUsedAt ? { lastUsedAt: rfc3339(row.lastUsedAt) } : {}),
    ...(ips?.length ? { lastUsedIps: ips } : {}),
  };
}
