import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditAction, successEntry } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { Caller } from '../audit/caller';
import { AppError } from '../common/app-error';
import { newId } from '../common/ids';
import { hashSecret } from '../common/secret-hash';
import { principalLabel } from '../common/principal';
import { alreadyRotated, graceEnd, refuseUnrotatable, resolveGracePeriod } from '../common/grace-period';
import { resolveTtl, ttlLimits } from '../common/ttl';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { TokenSigner } from '../keys/token-signer.service';
import { ProjectAccessService } from '../projects/project-access.service';
import { closePage, ListPage, noParameters, openPage, parseSort, timeFilterOf } from '../common/list-query';
import {
  CreateInstanceTokenPayload,
  ListInstanceTokensQuery,
  ListInstanceTokensResponse,
  PartialUpdateInstanceTokenPayload,
  RotateInstanceTokenPayload,
  Token,
  TokenMetadata,
  TokenSortField,
  TokenState,
} from './dto/instance-token.dto';
import { TokenAddressRow, TokenChanges, InstanceTokensRepository, TokenListFilter, TokenListRow, TokenScope } from './instance-tokens.repository';
import { parseLabelSelector } from './label-selector';
import { changedFields, decodeLabels, encodeLabels, patchLabels, rfc3339 } from './representation';
import { descriptionChange, storedDescription } from '../common/description';
import { LastUsedIp } from '../common/dto/last-used-ip.dto';
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
      // Weighed in serialized bytes, as a list's size follows its instance's token count.
      budgetBytes: 8 * 1024 * 1024,
      ttlMs: 30_000,
      tags: { 'instance-tokens': (scope) => scope.instanceId, instance: (scope) => scope.instanceId, project: (scope) => scope.projectId },
    });
  }

  /**
   * The whole ListInstanceTokensResponse, serialized and cached per instance: building a long
   * list is CPU-bound, a cache hit costs at most one indexed query for the revision (see
   * RevisionedCache). With query parameters, one page of the filtered list, cached the same way
   * under the instance's revision and the parameters.
   */
  async list(caller: Caller, scope: TokenScope, query: ListInstanceTokensQuery = {}): Promise<Buffer> {
    await this.access.require(caller.principal, scope.projectId, 'reader');
    let key = `${scope.projectId}/${scope.region}/${scope.instanceId}`;
    let render = () => this.renderList(scope);
    if (!noParameters(query)) {
      const filter = tokenListFilter(query);
      const page = openPage({ filter, sort: parseSort(query.sort, 'createdAt'), pageSize: query.pageSize, cursor: query.cursor, dateFields: DATE_SORT_FIELDS });
      key += `?${page.fingerprint}/${page.limit}/${query.cursor ?? ''}`;
      render = () => this.renderPage(scope, filter, page);
    }
    return this.lists.get(key, scope, () => this.listRevision(scope), render);
  }

  async get(caller: Caller, scope: TokenScope, id: string): Promise<TokenMetadata> {
    await this.access.require(caller.principal, scope.projectId, 'reader');
    const row = await this.tokens.find(scope, id);
    if (!row) throw AppError.notFound('token not found');
    const addresses = row.lastUsedAt ? await this.tokens.addresses(scope, [id]) : [];
    return toMetadata(row, undefined, lastUsedIpsByToken(addresses).get(id));
  }

  async create(caller: Caller, scope: TokenScope, body: CreateInstanceTokenPayload): Promise<Token> {
    await this.access.require(caller.principal, scope.projectId, 'editor');
    const ttlMs = resolveTtl(body.ttlDuration, ttlLimits(this.config, 'instance-token'));
    const id = newId();
    const { validUntil, content } = this.sign(caller, scope, id, ttlMs);
    const row = {
      id,
      name: body.name,
      description: storedDescription(body.description),
      labels: encodeLabels(body.labels),
      region: scope.region,
      validUntil,
      lastUsedAt: null,
      rotatedFrom: null,
      rotatedTo: null,
    };
    const event = this.event(caller, scope, 'instance-token.create', id, { name: body.name, validUntil: rfc3339(validUntil) });
    const created = await this.tokens.create(scope, { ...row, tokenHash: hashSecret(content), createdBy: principalLabel(caller.principal) }, event);
    if (!created) throw AppError.notFound('instance not found');
    await this.listChanged(scope);
    return { ...toMetadata(row), content };
  }

  /**
   * Replaces a token with a new one of the same name, description and labels; the old one keeps
   * working until the end of `gracePeriod` (never beyond its own validUntil). A token is rotated
   * at most once: a second rotate is a 409 naming the successor, so a retry without its
   * Idempotency-Key cannot mint a second successor.
   */
  async rotate(caller: Caller, scope: TokenScope, id: string, body: RotateInstanceTokenPayload): Promise<Token> {
    await this.access.require(caller.principal, scope.projectId, 'editor');
    const graceMs = resolveGracePeriod(body.gracePeriod, this.config.rotation.maxGraceMs);
    const old = await this.tokens.find(scope, id);
    if (!old) throw AppError.notFound('token not found');
    const now = Date.now();
    refuseUnrotatable('token', { rotatedTo: old.rotatedTo, expiresAt: old.validUntil }, now);
    const limits = ttlLimits(this.config, 'instance-token');
    // Like GitLab, the new token lives as long as the old one was issued for, unless told otherwise.
    const ttlMs =
      body.ttlDuration === undefined ? Math.min(old.validUntil.getTime() - old.createdAt.getTime(), limits.max) : resolveTtl(body.ttlDuration, limits);
    const successorId = newId();
    const { validUntil, content } = this.sign(caller, scope, successorId, ttlMs, now);
    const oldValidUntil = graceEnd(old.validUntil, graceMs, now);
    const row = {
      id: successorId,
      name: old.name,
      description: old.description,
      labels: old.labels,
      region: scope.region,
      validUntil,
      lastUsedAt: null,
      rotatedFrom: id,
      rotatedTo: null,
    };
    const event = this.event(caller, scope, 'instance-token.rotate', id, {
      rotatedTo: successorId,
      validUntil: rfc3339(oldValidUntil),
      successorValidUntil: rfc3339(validUntil),
    });
    const successor = { ...row, tokenHash: hashSecret(content), createdBy: principalLabel(caller.principal) };
    if (!(await this.tokens.rotate(scope, { oldId: id, oldValidUntil, successor }, event))) {
      // Lost a race: the instance or the token went away, or a concurrent rotate won.
      const current = await this.tokens.find(scope, id);
      if (current?.rotatedTo) throw alreadyRotated('token', current.rotatedTo);
      throw AppError.notFound(current ? 'instance not found' : 'token not found');
    }
    // The verdict caches of every replica drop the old token and reload its shortened validUntil.
    await this.caches.invalidate('instance-token', id);
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
    const ipsByToken = lastUsedIpsByToken(addresses);
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

  private async renderPage(scope: TokenScope, filter: TokenListFilter, page: ListPage<TokenSortField>): Promise<Rendered> {
    const now = Date.now();
    const rows = await this.tokens.listFiltered(scope, filter, page, new Date(now));
    const shown = closePage(rows, page, (row) => ({ value: row[page.sort.field], id: row.id }));
    const used = shown.rows.filter((row) => row.lastUsedAt).map((row) => row.id);
    const ipsByToken = lastUsedIpsByToken(used.length ? await this.tokens.addresses(scope, used) : []);
    const response: ListInstanceTokensResponse = {
      message: 'successfully fetched instance tokens',
      tokens: shown.rows.map((row) => toMetadata(row, tokenState(row.validUntil, now), ipsByToken.get(row.id))),
      ...(shown.nextCursor ? { nextCursor: shown.nextCursor } : {}),
    };
    // Any token of the instance that expires changes a state filter's answer, listed on this page
    // or not. An empty page does not carry that instant and is not kept (it is cheap to build).
    const staleAt = rows.length ? (rows[0].nextExpiry?.getTime() ?? Infinity) : now;
    return { body: Buffer.from(JSON.stringify(response)), staleAt };
  }

  /** The token's JWT (`content`) and its validUntil: whole seconds, rounded up, so `exp` and validUntil are the same instant, in the future. */
  private sign(caller: Caller, scope: TokenScope, id: string, ttlMs: number, now = Date.now()): { validUntil: Date; content: string } {
    const validUntil = new Date(Math.ceil((now + ttlMs) / 1000) * 1000);
    const { token } = this.signer.issue({
      type: 'instance',
      subject: caller.principal.id,
      audience: instanceAudience(scope.instanceId),
      id,
      expiresAt: validUntil,
    });
    return { validUntil, content: token };
  }

  private event(caller: Caller, scope: TokenScope, action: AuditAction, id: string, details: Record<string, unknown>) {
    return successEntry(caller, scope.projectId, action, { type: 'instance-token', id }, { instanceId: scope.instanceId, ...details });
  }
}

const DATE_SORT_FIELDS: TokenSortField[] = ['createdAt', 'validUntil', 'lastUsedAt'];

/** The query's filters, normalized (the same filters give the same cursor fingerprint and cache key). */
function tokenListFilter(query: ListInstanceTokensQuery): TokenListFilter {
  return {
    states: query.state && [...new Set(query.state)].sort(),
    ...timeFilterOf(query),
    search: query.search,
    labels: query.labelSelector === undefined ? undefined : parseLabelSelector(query.labelSelector),
  };
}

/** `active` until validUntil, then `inactive`: expired tokens stay listed until deleted. */
export const tokenState = (validUntil: Date, now = Date.now()): TokenState => (validUntil.getTime() > now ? 'active' : 'inactive');

/** Each token's addresses, most recent first, as `addresses` returns them. */
function lastUsedIpsByToken(addresses: TokenAddressRow[]): Map<string, LastUsedIp[]> {
  const byToken = new Map<string, LastUsedIp[]>();
  for (const address of addresses) {
    const ip = { ip: address.address, lastUsedAt: rfc3339(address.lastUsedAt) };
    const ips = byToken.get(address.tokenId);
    if (ips) ips.push(ip);
    else byToken.set(address.tokenId, [ip]);
  }
  return byToken;
}

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
    ...(row.rotatedFrom ? { rotatedFrom: row.rotatedFrom } : {}),
    ...(row.rotatedTo ? { rotatedTo: row.rotatedTo } : {}),
    ...(ips?.length ? { lastUsedIps: ips } : {}),
  };
}
