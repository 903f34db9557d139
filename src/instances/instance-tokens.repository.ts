import { Injectable } from '@nestjs/common';
import { AuditEntry } from '../audit/audit-actions';
import { AuditRepository } from '../audit/audit.repository';
import { PrismaService } from '../database/prisma.service';
import { columns } from '../database/rows';
import { SqlDatabase } from '../database/sql-database';
import { clientOf, Transaction } from '../database/transactions';
import { Keyset, ListPage, SortDirection } from '../common/list-query';
import { InstanceScope } from './instances.repository';
import { TokenSortField, TokenState } from './dto/instance-token.dto';
import { LabelRequirement } from './label-selector';

/** Where a token lives; every query carries all of it, so an id from elsewhere finds nothing. */
export interface TokenScope extends InstanceScope {
  instanceId: string;
}

export interface NewInstanceToken {
  id: string;
  name: string;
  description: string | null;
  labels: string | null;
  tokenHash: string;
  validUntil: Date;
  createdBy: string;
}

const LIST_COLUMNS = {
  id: 'text',
  name: 'text',
  description: 'text?',
  labels: 'text?',
  region: 'text',
  validUntil: 'date',
  lastUsedAt: 'date?',
} as const;
const TOKEN_LIST_ROW = columns(LIST_COLUMNS);
const FILTERED_ROW = columns({ ...LIST_COLUMNS, createdAt: 'date', nextExpiry: 'date?' });
const LIST_REVISION = columns({ tokensRevision: 'int' });

/** What the list and the metadata responses show of a token. */
export interface TokenListRow {
  id: string;
  name: string;
  description: string | null;
  labels: string | null;
  region: string;
  validUntil: Date;
  lastUsedAt: Date | null;
}

/** A filtered list's row: the sort value of `createdAt` too, and when the instance's next token expires. */
export interface FilteredTokenRow extends TokenListRow {
  createdAt: Date;
  /** The earliest `validUntil` after `now` among all the instance's tokens: a cached page showing states is stale then. */
  nextExpiry: Date | null;
}

/** What the filters of a token list ask for; undefined fields do not filter. */
export interface TokenListFilter {
  states?: TokenState[];
  expiresBefore?: Date;
  expiresAfter?: Date;
  lastUsedBefore?: Date;
  lastUsedAfter?: Date;
  neverUsed?: boolean;
  search?: string;
  labels?: LabelRequirement[];
}

const SORT_COLUMNS: Record<TokenSortField, { column: string; nullable: boolean }> = {
  createdAt: { column: '"createdAt"', nullable: false },
  validUntil: { column: '"validUntil"', nullable: false },
  lastUsedAt: { column: '"lastUsedAt"', nullable: true },
  name: { column: '"name"', nullable: false },
};

export interface TokenChanges {
  name?: string;
  description?: string | null;
  labels?: string | null;
}

@Injectable()
export class InstanceTokensRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly sql: SqlDatabase,
    private readonly audit: AuditRepository,
  ) {}

  /**
   * Creates the token in one raw-SQL transaction (the hot write path) together with its audit
   * event. The instance row is written first (its list revision bumped), which locks it
   * on PostgreSQL, so a concurrent instance delete cannot leave this token behind. False, and
   * nothing written, when the instance does not exist (anymore).
   */
  create(scope: TokenScope, token: NewInstanceToken, event: AuditEntry): Promise<boolean> {
    const now = new Date();
    return this.sql.batch([
      {
        sql: `UPDATE "Instance" SET "updatedAt" = $1, "tokensRevision" = "tokensRevision" + 1
              WHERE "id" = $2 AND "projectId" = $3 AND "region" = $4 AND "deletedAt" IS NULL`,
        params: [now, scope.instanceId, scope.projectId, scope.region],
        required: true,
      },
      {
        sql: `INSERT INTO "InstanceToken" ("id", "instanceId", "projectId", "region", "name", "description", "labels", "tokenHash", "validUntil", "createdBy", "createdAt", "updatedAt")
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        params: [
          token.id,
          scope.instanceId,
          scope.projectId,
          scope.region,
          token.name,
          token.description,
          token.labels,
          token.tokenHash,
          token.validUntil,
          token.createdBy,
          now,
          now,
        ],
      },
      this.audit.insertStatement(event),
    ]);
  }

  /**
   * The instance's `tokensRevision`, or undefined when there is no such live instance. Raw SQL by
   * primary key: it is asked on every list request, where Prisma's per-query CPU would dominate.
   */
  async listRevision(scope: TokenScope): Promise<number | undefined> {
    const row = await this.sql.selectOne(
      LIST_REVISION,
      'SELECT "tokensRevision" FROM "Instance" WHERE "id" = $1 AND "projectId" = $2 AND "region" = $3 AND "deletedAt" IS NULL',
      [scope.instanceId, scope.projectId, scope.region],
    );
    return row?.tokensRevision;
  }

  /**
   * Marks the instance's token list changed, so no replica serves its cached copy. Call it first in
   * every transaction that writes tokens: it locks the instance row, and writers that all take the
   * instance before its tokens cannot deadlock one another.
   */
  async bumpListRevision(scope: TokenScope, tx: Transaction): Promise<void> {
    await clientOf(this.prisma, tx).instance.updateMany({
      where: { id: scope.instanceId, projectId: scope.projectId, region: scope.region },
      data: { tokensRevision: { increment: 1 } },
    });
  }

  /** Raw SQL: a long list through Prisma costs many times the CPU of the driver's rows. */
  async list(scope: TokenScope): Promise<TokenListRow[]> {
    return this.sql.select(
      TOKEN_LIST_ROW,
      `SELECT "id", "name", "description", "labels", "region", "validUntil", "lastUsedAt" FROM "InstanceToken"
       WHERE "instanceId" = $1 AND "projectId" = $2 AND "region" = $3 ORDER BY "createdAt", "id"`,
      [scope.instanceId, scope.projectId, scope.region],
    );
  }

  /**
   * One page of a filtered list in one query: the WHERE and ORDER BY are built from the validated
   * filter with every value a parameter. Keyset pagination (`after` the previous page's last row)
   * stays exact while tokens are created or deleted between pages.
   */
  listFiltered(scope: TokenScope, filter: TokenListFilter, page: ListPage<TokenSortField>, now: Date): Promise<FilteredTokenRow[]> {
    const params: unknown[] = [scope.instanceId, scope.projectId, scope.region];
    const param = (value: unknown) => `$${params.push(value)}`;
    const nowParam = param(now);
    const where = ['"instanceId" = $1', '"projectId" = $2', '"region" = $3'];
    const states = new Set(filter.states);
    if (states.size === 1) where.push(`"validUntil" ${states.has('active') ? '>' : '<='} ${nowParam}`);
    if (filter.expiresBefore) where.push(`"validUntil" < ${param(filter.expiresBefore)}`);
    if (filter.expiresAfter) where.push(`"validUntil" > ${param(filter.expiresAfter)}`);
    if (filter.lastUsedBefore) where.push(`"lastUsedAt" < ${param(filter.lastUsedBefore)}`);
    if (filter.lastUsedAfter) where.push(`"lastUsedAt" > ${param(filter.lastUsedAfter)}`);
    if (filter.neverUsed !== undefined) where.push(`"lastUsedAt" IS ${filter.neverUsed ? '' : 'NOT '}NULL`);
    // LOWER on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not (names are ASCII).
    if (filter.search) where.push(`LOWER("name") LIKE ${param(`%${escapeLike(filter.search.toLowerCase())}%`)} ESCAPE '\\'`);
    for (const requirement of filter.labels ?? []) where.push(this.labelCondition(requirement, param));
    const { column, nullable } = SORT_COLUMNS[page.sort.field];
    if (page.after) where.push(keysetCondition(column, nullable, page.sort.direction, page.after, param));
    const direction = page.sort.direction.toUpperCase();
    return this.sql.select(
      FILTERED_ROW,
      `SELECT "id", "name", "description", "labels", "region", "validUntil", "lastUsedAt", "createdAt",
         (SELECT MIN("validUntil") FROM "InstanceToken" WHERE "instanceId" = $1 AND "projectId" = $2 AND "region" = $3 AND "validUntil" > ${nowParam}) AS "nextExpiry"
       FROM "InstanceToken" WHERE ${where.join(' AND ')}
       ORDER BY ${column} ${direction}${nullable ? ' NULLS LAST' : ''}, "id" ${direction} LIMIT ${param(page.limit)}`,
      params,
    );
  }

  /** A label requirement on the JSON text column; each database reads JSON its own way. */
  private labelCondition({ key, operator, values }: LabelRequirement, param: (value: unknown) => string): string {
    // Keys are validated (alphanumerics, "-", "_", "."), so quoting them in a JSON path is safe.
    const label = this.sql.provider === 'postgresql' ? `("labels"::jsonb ->> ${param(key)}::text)` : `json_extract("labels", ${param(`$."${key}"`)})`;
    switch (operator) {
      case 'exists':
        return `${label} IS NOT NULL`;
      case 'absent':
        return `${label} IS NULL`;
      case 'in':
        return `${label} IN (${values.map(param).join(', ')})`;
      case 'notin':
        return `(${label} IS NULL OR ${label} NOT IN (${values.map(param).join(', ')}))`;
    }
  }

  find(scope: TokenScope, id: string, tx?: Transaction) {
    return clientOf(this.prisma, tx).instanceToken.findFirst({ where: { ...scope, id } });
  }

  /** Takes the row lock inside the caller's transaction (PostgreSQL); false when there is no such token. */
  async lock(scope: TokenScope, id: string, tx: Transaction): Promise<boolean> {
    const { count } = await clientOf(this.prisma, tx).instanceToken.updateMany({ where: { ...scope, id }, data: { updatedAt: new Date() } });
    return count === 1;
  }

  update(scope: TokenScope, id: string, changes: TokenChanges, tx: Transaction) {
    return clientOf(this.prisma, tx).instanceToken.updateMany({ where: { ...scope, id }, data: changes });
  }

  async delete(scope: TokenScope, id: string, tx: Transaction): Promise<boolean> {
    const { count } = await clientOf(this.prisma, tx).instanceToken.deleteMany({ where: { ...scope, id } });
    return count === 1;
  }

  deleteAllOfInstance(scope: TokenScope, tx: Transaction) {
    return clientOf(this.prisma, tx).instanceToken.deleteMany({ where: scope });
  }
}

/** `%`, `_` and the escape character itself, matched literally by LIKE with a backslash as its escape. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`);

/**
 * Rows after `after` in the order `column direction NULLS LAST, id direction`: later values, or
 * the same value and a later id; empty values come after every value and among themselves by id.
 */
function keysetCondition(column: string, nullable: boolean, direction: SortDirection, after: Keyset, param: (value: unknown) => string): string {
  const beyond = direction === 'asc' ? '>' : '<';
  const id = param(after.id);
  if (after.value === null) return `(${column} IS NULL AND "id" ${beyond} ${id})`;
  const value = param(after.value);
  const later = `${column} ${beyond} ${value} OR (${column} = ${value} AND "id" ${beyond} ${id})`;
  return nullable ? `(${later} OR ${column} IS NULL)` : `(${later})`;
}
