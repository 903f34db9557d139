import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import { Caller } from '../../audit/caller';
import { AppError } from '../../common/app-error';
import { alreadyRotated, graceEnd, refuseUnrotatable, resolveGracePeriod } from '../../common/grace-period';
import { Transactions } from '../../database/transactions';
import { newId } from '../../common/ids';
import { hashSecret } from '../../common/secret-hash';
import { Principal } from '../../common/principal';
import { resolveTtl, ttlLimits } from '../../common/ttl';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { TokenSigner } from '../../keys/token-signer.service';
import { Caches } from '../../cache/caches.service';
import { ModelPrefixAccess } from '../registry/model-prefix-access.service';
import { ModelPrefixesRepository } from '../registry/model-prefixes.repository';
import { ModelsRepository } from '../registry/models.repository';
import { modelAudience, prefixAudience } from '../verification/model-token-verifier.service';
import { closePage, noParameters, openPage, parseSort, timestamp } from '../../common/list-query';
import {
  CreatedExternalTokenDto,
  CreateExternalTokenDto,
  ExternalTokenDto,
  ExternalTokenSortField,
  ExtraClaims,
  ListExternalTokensQuery,
  RotateExternalTokenDto,
} from './dto/external-token.dto';
import { RecordedUses } from '../../token-uses/token-use-queue';
import { ExternalTokenFilter, ExternalTokensRepository } from './external-tokens.repository';

/** A created or rotated token has no addresses yet. */
type TokenRow = Omit<NonNullable<Awaited<ReturnType<ExternalTokensRepository['findById']>>>, 'addresses'> & Partial<RecordedUses>;
type PrefixRef = { key: string; prefix: string };

const DAY_MS = 86_400_000;
const SORT_VALUES = { created_at: 'createdAt', expires_at: 'expiresAt', name: 'name' } as const;

/** Long-lived tokens for external API clients of a prefix or a model, managed by prefix admins. */
@Injectable()
export class ExternalTokensService {
  constructor(
    private readonly tokens: ExternalTokensRepository,
    private readonly models: ModelsRepository,
    private readonly prefixes: ModelPrefixesRepository,
    private readonly access: ModelPrefixAccess,
    private readonly signer: TokenSigner,
    private readonly caches: Caches,
    private readonly audit: AuditService,
    private readonly transactions: Transactions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(caller: Principal, dto: CreateExternalTokenDto): Promise<CreatedExternalTokenDto> {
    if ((dto.prefix_key === undefined) === (dto.model_id === undefined))
      throw AppError.badRequest('give either prefix_key (every model of a prefix) or model_id (one model)');
    let modelId: number | null = null;
    let prefixId: number | undefined;
    if (dto.model_id !== undefined) {
      const model = await this.models.findById(dto.model_id);
      if (!model) throw AppError.notFound(`model ${dto.model_id} not found`);
      ({ id: modelId, prefixId } = model);
    }
    const { prefix } = prefixId === undefined ? await this.access.byKey(caller, dto.prefix_key!, 'manage') : await this.access.byId(caller, prefixId, 'manage');
    const expiresAt = this.expiry(dto);
    const { id, token } = this.issue(prefix, modelId, expiresAt, dto.claims);
    const row = await this.tokens.create({
      id,
      prefixId: prefix.id,
      modelId,
      name: dto.name,
      tokenHash: hashSecret(token),
      claims: dto.claims ? JSON.stringify(dto.claims) : null,
      expiresAt,
      createdBy: caller.id,
    });
    return { ...toDto(row, prefix), token };
  }

  /**
   * Replaces a token with a new one of the same name, scope and claims; the old one keeps working
   * until the end of `grace_period` (never beyond its own expiry). A token is rotated at most once:
   * a second rotate is a 409 naming the successor.
   */
  async rotate(caller: Caller, id: string, dto: RotateExternalTokenDto): Promise<CreatedExternalTokenDto> {
    const { row: old, prefix } = await this.existing(caller.principal, id);
    const graceMs = resolveGracePeriod(dto.grace_period, this.config.rotation.maxGraceMs);
    const now = Date.now();
    refuseUnrotatable('the token', old, now);
    const limits = ttlLimits(this.config, 'external-token');
    // Like GitLab, the new token lives as long as the old one was issued for, unless told otherwise.
    const lifetime = Math.min(old.expiresAt.getTime() - old.createdAt.getTime(), limits.max);
    const expiresAt = dto.expires_at === undefined && dto.ttl === undefined ? new Date(now + lifetime) : this.expiry(dto);
    const claims = old.claims ? (JSON.parse(old.claims) as ExtraClaims) : undefined;
    const successor = this.issue(prefix, old.modelId, expiresAt, claims);
    const oldExpiresAt = graceEnd(old.expiresAt, graceMs, now);
    const row = await this.transactions.run(async (tx) => {
      if (!(await this.tokens.markRotated(id, successor.id, oldExpiresAt, tx))) return undefined;
      const created = await this.tokens.create(
        {
          id: successor.id,
          prefixId: old.prefixId,
          modelId: old.modelId,
          name: old.name,
          tokenHash: hashSecret(successor.token),
          claims: old.claims,
          expiresAt,
          createdBy: caller.principal.id,
          rotatedFrom: id,
        },
        tx,
      );
      await this.audit.record(
        {
          projectId: null,
          actor: { type: caller.principal.kind, id: caller.principal.id },
          action: 'external-token.rotate',
          resource: { type: 'external-token', id },
          outcome: 'success',
          requestId: caller.requestId,
          details: { prefixKey: prefix.key, rotatedTo: successor.id, expiresAt: oldExpiresAt.toISOString(), successorExpiresAt: expiresAt.toISOString() },
        },
        tx,
      );
      return created;
    });
    if (!row) {
      // Lost a race with a revoke or another rotate.
      const current = await this.tokens.findById(id);
      if (current?.rotatedTo) throw alreadyRotated('the token', current.rotatedTo);
      if (current) throw AppError.conflict('the token is revoked: create a new one instead of rotating it');
      throw AppError.notFound(`external API token ${id} not found`);
    }
    // Every replica's model directory drops the old token and reloads its shortened expiry.
    await this.caches.invalidate('external-token', id);
    return { ...toDto(row, prefix), token: successor.token };
  }

  /**
   * Tokens of the prefixes the caller administers (every prefix for platform admins). With any
   * list filter, one page of them and, when more follow, the next page's cursor.
   */
  async list(caller: Principal, query: ListExternalTokensQuery): Promise<{ tokens: ExternalTokenDto[]; nextCursor?: string }> {
    if (caller.kind !== 'user') return { tokens: [] };
    let prefixIds = caller.isAdmin ? undefined : await this.prefixes.administeredBy(caller.id);
    if (query.prefix_key !== undefined) prefixIds = [(await this.access.byKey(caller, query.prefix_key, 'manage')).prefix.id];
    const { prefix_key: _prefixKey, model_id: modelId, ...listFilters } = query;
    if (noParameters(listFilters)) return { tokens: await this.withPrefixes(await this.tokens.list({ prefixIds, modelId })) };
    const filter: ExternalTokenFilter = {
      prefixIds,
      modelId,
      states: query.state && [...new Set(query.state)].sort(),
      expiresBefore: timestamp(query.expires_before),
      expiresAfter: timestamp(query.expires_after),
      lastUsedBefore: timestamp(query.last_used_before),
      lastUsedAfter: timestamp(query.last_used_after),
      neverUsed: query.never_used,
      search: query.search,
    };
    const sort = parseSort<ExternalTokenSortField>(query.sort, 'created_at');
    const page = openPage({ filter, sort, pageSize: query.page_size, cursor: query.cursor, dateFields: ['created_at', 'expires_at'] });
    const { rows, matching } = await this.tokens.listPage(filter, page, new Date());
    const shown = closePage(rows, page, (row) => ({ value: row[SORT_VALUES[sort.field]], id: row.id }));
    return { tokens: await this.withPrefixes(shown.rows.filter(matching)), nextCursor: shown.nextCursor };
  }

  async get(caller: Principal, id: string): Promise<ExternalTokenDto> {
    const { row, prefix } = await this.existing(caller, id);
    return toDto(row, prefix);
  }

  /** Revokes the token; model hosts verifying online refuse it from the moment this returns. */
  async revoke(caller: Principal, id: string): Promise<void> {
    await this.existing(caller, id);
    if (await this.tokens.revoke(id)) await this.caches.invalidate('external-token', id);
  }

  private issue(prefix: PrefixRef, modelId: number | null, expiresAt: Date, claims: ExtraClaims | undefined) {
    const id = newId();
    const scope = modelId === null ? 'prefix' : 'model';
    const { token } = this.signer.issue({
      type: 'model-external',
      id,
      subject: id,
      audience: modelId === null ? prefixAudience(prefix.key) : modelAudience(modelId),
      expiresAt,
      claims: { ...claims, scope, prefix: prefix.prefix, prefix_key: prefix.key, ...(modelId === null ? {} : { model_id: modelId }) },
    });
    return { id, token };
  }

  /** The rows as DTOs with their prefixes; a row whose prefix is gone is left out. */
  private async withPrefixes(rows: TokenRow[]): Promise<ExternalTokenDto[]> {
    const prefixes = new Map((await this.prefixes.findManyByIds([...new Set(rows.map((row) => row.prefixId))])).map((prefix) => [prefix.id, prefix]));
    return rows.filter((row) => prefixes.has(row.prefixId)).map((row) => toDto(row, prefixes.get(row.prefixId)!));
  }

  private async existing(caller: Principal, id: string): Promise<{ row: TokenRow; prefix: PrefixRef }> {
    const row = await this.tokens.findById(id);
    if (!row) throw AppError.notFound(`external API token ${id} not found`);
    const { prefix } = await this.access.byId(caller, row.prefixId, 'manage');
    return { row, prefix };
  }

  private expiry(dto: Pick<CreateExternalTokenDto, 'expires_at' | 'ttl'>): Date {
    if (dto.expires_at !== undefined && dto.ttl !== undefined) throw AppError.badRequest('give either expires_at or ttl, not both');
    const limits = ttlLimits(this.config, 'external-token');
    const now = Date.now();
    if (dto.expires_at === undefined) return new Date(now + resolveTtl(dto.ttl, limits));
    const lifetime = Date.parse(dto.expires_at) - now;
    if (!(lifetime > 0)) throw AppError.badRequest('expires_at: must be in the future');
    if (lifetime > limits.max) throw AppError.badRequest(`expires_at: the token may live at most ${Math.floor(limits.max / DAY_MS)} days`);
    return new Date(now + lifetime);
  }
}

function toDto(row: TokenRow, prefix: PrefixRef): ExternalTokenDto {
  const state = row.revokedAt ? 'revoked' : row.expiresAt.getTime() <= Date.now() ? 'expired' : 'active';
  return {
    id: row.id,
    name: row.name,
    scope: row.modelId === null ? 'prefix' : 'model',
    prefix: prefix.prefix,
    prefix_key: prefix.key,
    model_id: row.modelId,
    claims: row.claims ? (JSON.parse(row.claims) as ExtraClaims) : null,
    state,
    expires_at: row.expiresAt,
    revoked_at: row.revokedAt,
    created_by: row.createdBy,
    created_at: row.createdAt,
    ...(row.rotatedFrom ? { rotated_from: row.rotatedFrom } : {}),
    ...(row.rotatedTo ? { rotated_to: row.rotatedTo } : {}),
    ...(row.lastUsedAt ? { last_used_at: row.lastUsedAt } : {}),
    ...(row.addresses?.length ? { last_used_ips: row.addresses.map((use) => ({ ip: use.address, last_used_at: use.lastUsedAt })) } : {}),
  };
}
