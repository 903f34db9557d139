import { Inject, Injectable } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { successEntry } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { Caller } from '../audit/caller';
import { AppError } from '../common/app-error';
import { alreadyRotated, graceEnd, refuseUnrotatable, resolveGracePeriod } from '../common/grace-period';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { newId } from '../common/ids';
import { hashSecret } from '../common/secret-hash';
import { Principal } from '../common/principal';
import { CONSOLE_AUDIENCE, TokenSigner } from '../keys/token-signer.service';
import { ProjectAccessService } from '../projects/project-access.service';
import { ProjectRole } from '../projects/project-role';
import { Caches } from '../cache/caches.service';
import { closePage, noParameters, openPage, parseSort, timeFilterOf } from '../common/list-query';
import {
  ACCESS_TOKEN_SORT_FIELDS,
  AccessTokenDto,
  AccessTokenMetadataDto,
  AccessTokenSortField,
  RotateAccessTokenDto,
  ListAccessTokensQuery,
  ListAccessTokensResponse,
} from './dto/access-token.dto';
import { RecordedUses } from '../token-uses/token-use-queue';
import { ServiceAccountDto } from './dto/service-account.dto';
import { AccessTokenFilter, ServiceAccountsRepository } from './service-accounts.repository';

export const SERVICE_ACCOUNT_EMAIL_DOMAIN = 'sa.tessera.local';
const SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const DAY_MS = 86_400_000;
/** CreateAccessTokenDto's upper bound on `ttlDays`. */
const MAX_TTL_DAYS = 180;

type AccountRow = NonNullable<Awaited<ReturnType<ServiceAccountsRepository['findByEmail']>>>;
/** A created or rotated token has no addresses yet. */
type TokenRow = Omit<Awaited<ReturnType<ServiceAccountsRepository['listTokens']>>[number], 'addresses'> & Partial<RecordedUses>;

/** Service accounts of a project and their access tokens. Reading needs reader; changing needs owner. */
@Injectable()
export class ServiceAccountsService {
  constructor(
    private readonly accounts: ServiceAccountsRepository,
    private readonly access: ProjectAccessService,
    private readonly signer: TokenSigner,
    private readonly caches: Caches,
    private readonly audit: AuditService,
    private readonly transactions: Transactions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(caller: Principal, projectId: string, name: string, role: ProjectRole): Promise<ServiceAccountDto> {
    await this.access.require(caller, projectId, 'owner');
    return toAccount(await this.accounts.create(projectId, generateEmail(name), role));
  }

  async list(caller: Principal, projectId: string): Promise<ServiceAccountDto[]> {
    await this.access.require(caller, projectId, 'reader');
    return (await this.accounts.listByProject(projectId)).map(toAccount);
  }

  async delete(caller: Principal, projectId: string, email: string): Promise<void> {
    await this.access.require(caller, projectId, 'owner');
    const account = await this.existing(projectId, email);
    const result = await this.accounts.delete(projectId, account.id);
    if (result === 'last-owner') throw AppError.conflict(`${email} is the last owner of a project; add another owner first`);
    for (const id of result.liveTokenIds) await this.caches.invalidate('service-account-token', id);
  }

  async createToken(caller: Principal, projectId: string, email: string, ttlDays: number): Promise<AccessTokenDto> {
    await this.access.require(caller, projectId, 'owner');
    const account = await this.existing(projectId, email);
    const { id, token, validUntil } = this.issue(account, ttlDays);
    const row = await this.accounts.createToken(account.id, { id, tokenHash: hashSecret(token), validUntil });
    return { ...toTokenMetadata(row), token };
  }

  /**
   * Replaces an access token with a new one; the old one keeps working until the end of
   * `gracePeriod` (never beyond its own validUntil). A token is rotated at most once: a second
   * rotate is a 409 naming the successor.
   */
  async rotateToken(caller: Caller, projectId: string, email: string, tokenId: string, body: RotateAccessTokenDto): Promise<AccessTokenDto> {
    await this.access.require(caller.principal, projectId, 'owner');
    const graceMs = resolveGracePeriod(body.gracePeriod, this.config.rotation.maxGraceMs);
    const account = await this.existing(projectId, email);
    const old = await this.accounts.findToken(projectId, account.id, tokenId);
    if (!old) throw AppError.notFound('access token not found');
    const now = Date.now();
    refuseUnrotatable('access token', { rotatedTo: old.rotatedTo, revokedAt: old.revokedAt, expiresAt: old.validUntil }, now);
    // Like GitLab, the new token lives as long as the old one was issued for, unless told otherwise.
    const ttlDays = body.ttlDays ?? Math.min(Math.max(1, Math.round((old.validUntil.getTime() - old.createdAt.getTime()) / DAY_MS)), MAX_TTL_DAYS);
    const { id, token, validUntil } = this.issue(account, ttlDays);
    const oldValidUntil = graceEnd(old.validUntil, graceMs, now);
    const event = successEntry(
      caller,
      projectId,
      'service-account-token.rotate',
      { type: 'service-account-token', id: tokenId },
      {
        serviceAccountId: account.id,
        rotatedTo: id,
        validUntil: oldValidUntil.toISOString(),
        successorValidUntil: validUntil.toISOString(),
      },
    );
    const row = await this.transactions.run(async (tx) => {
      if (!(await this.accounts.markRotated(projectId, account.id, tokenId, id, oldValidUntil, tx))) return undefined;
      const created = await this.accounts.createToken(account.id, { id, tokenHash: hashSecret(token), validUntil, rotatedFrom: tokenId }, tx);
      await this.audit.record(event, tx);
      return created;
    });
    if (!row) {
      // Lost a race with a revoke, a delete or another rotate.
      const current = await this.accounts.findToken(projectId, account.id, tokenId);
      if (current?.rotatedTo) throw alreadyRotated('access token', current.rotatedTo);
      if (current) throw AppError.conflict('access token is revoked: create a new one instead of rotating it');
      throw AppError.notFound('access token not found');
    }
    // Every replica's principal cache drops the old token and reloads its shortened validUntil.
    await this.caches.invalidate('service-account-token', tokenId);
    return { ...toTokenMetadata(row), token };
  }

  /** Every token by creation; with query parameters, one page of the filtered list. */
  async listTokens(caller: Principal, projectId: string, email: string, query: ListAccessTokensQuery = {}): Promise<ListAccessTokensResponse> {
    await this.access.require(caller, projectId, 'reader');
    const account = await this.existing(projectId, email);
    if (noParameters(query)) return { items: (await this.accounts.listTokens(projectId, account.id)).map(toTokenMetadata) };
    const filter: AccessTokenFilter = {
      states: query.state && [...new Set(query.state)].sort(),
      ...timeFilterOf(query),
    };
    const sort = parseSort<AccessTokenSortField>(query.sort, 'createdAt');
    const page = openPage({ filter, sort, pageSize: query.pageSize, cursor: query.cursor, dateFields: ACCESS_TOKEN_SORT_FIELDS });
    const rows = await this.accounts.listTokensPage(projectId, account.id, filter, page, new Date());
    const shown = closePage(rows, page, (row) => ({ value: row[sort.field], id: row.id }));
    return { items: shown.rows.map(toTokenMetadata), ...(shown.nextCursor ? { nextCursor: shown.nextCursor } : {}) };
  }

  async revokeToken(caller: Principal, projectId: string, email: string, tokenId: string): Promise<void> {
    await this.access.require(caller, projectId, 'owner');
    const account = await this.existing(projectId, email);
    const outcome = await this.accounts.revokeToken(projectId, account.id, tokenId);
    if (outcome === 'not-found') throw AppError.notFound('access token not found');
    if (outcome === 'already-revoked') throw AppError.conflict('access token is already revoked');
    await this.caches.invalidate('service-account-token', tokenId);
  }

  /** A signed access token for the account, with the whole-second instant it expires at. */
  private issue(account: AccountRow, ttlDays: number) {
    const id = newId();
    const { token, expiresAt } = this.signer.issue({
      type: 'sa-access',
      subject: account.id,
      audience: CONSOLE_AUDIENCE,
      id,
      expiresAt: new Date(Date.now() + ttlDays * DAY_MS),
      claims: { email: account.email, project_id: account.projectId },
    });
    // The JWT carries whole seconds; store the same instant so listing and verification agree.
    return { id, token, validUntil: new Date(Math.floor(expiresAt.getTime() / 1000) * 1000) };
  }

  private async existing(projectId: string, email: string): Promise<AccountRow> {
    const account = await this.accounts.findByEmail(projectId, email);
    if (!account) throw AppError.notFound(`service account ${email} not found in this project`);
    return account;
  }
}

/** `<name>-<8 random lowercase alphanumerics>@sa.tessera.local`, as STACKIT derives emails from names. */
function generateEmail(name: string): string {
  const suffix = Array.from({ length: 8 }, () => SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)]).join('');
  return `${name}-${suffix}@${SERVICE_ACCOUNT_EMAIL_DOMAIN}`;
}

function toAccount(row: AccountRow): ServiceAccountDto {
  return { id: row.id, email: row.email, projectId: row.projectId, internal: false };
}

function toTokenMetadata(row: TokenRow): AccessTokenMetadataDto {
  const active = !row.revokedAt && row.validUntil > new Date();
  return {
    id: row.id,
    createdAt: row.createdAt,
    validUntil: row.validUntil,
    active,
    ...(row.rotatedFrom ? { rotatedFrom: row.rotatedFrom } : {}),
    ...(row.rotatedTo ? { rotatedTo: row.rotatedTo } : {}),
    ...(row.lastUsedAt ? { lastUsedAt: row.lastUsedAt } : {}),
    ...(row.addresses?.length ? { lastUsedIps: row.addresses.map((use) => ({ ip: use.address, lastUsedAt: use.lastUsedAt.toISOString() })) } : {}),
  };
}
