import { Injectable } from '@nestjs/common';
import { AuditEntry } from '../audit/audit-actions';
import { AuditRepository } from '../audit/audit.repository';
import { columns } from '../database/rows';
import { assignments, SqlDatabase, Statement } from '../database/sql-database';
import { Transaction } from '../database/transactions';
import { Keyset, ListPage, SortDirection, TimeFilter } from '../common/list-query';
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
  /** Set when the token is made by rotating another. */
  rotatedFrom?: string | null;
}

const LIST_COLUMNS = {
  id: 'text',
  name: 'text',
  description: 'text?',
  labels: 'text?',
  region: 'text',
  validUntil: 'date',
  lastUsedAt: 'date?',
  rotatedFrom: 'text?',
  rotatedTo: 'text?',
} as const;
const TOKEN_LIST_ROW = columns(LIST_COLUMNS);
const FILTERED_ROW = columns({ ...LIST_COLUMNS, createdAt: 'date', nextExpiry: 'date?' });
const LIST_REVISION = columns({ tokensRevision: 'int' });
const TOKEN_ROW = columns({
  ...LIST_COLUMNS,
  instanceId: 'text',
  projectId: 'text',
  tokenHash: 'text',
  createdBy: 'text?',
  createdAt: 'date',
  updatedAt: 'date',
});
const LEAKED_TOKEN = columns({ id: 'text', instanceId: 'text', projectId: 'text', name: 'text' });

/** A live token whose content was reported leaked. */
export type LeakedInstanceToken = ReturnType<typeof LEAKED_TOKEN.read>;
const TOKEN_ADDRESS_ROW = columns({ tokenId: 'text', address: 'text', lastUsedAt: 'date' });

/** What the list and the metadata responses show of a token. */
export interface TokenListRow {
  id: string;
  name: string;
  description: string | null;
  labels: string | null;
  region: string;
  validUntil: Date;
  lastUsedAt: Date | null;
  rotatedFrom: string | null;
  rotatedTo: string | null;
}

/** A rotation: the old token ends at `oldValidUntil` and names `successor`, which is inserted beside it. */
export interface TokenRotation {
  oldId: string;
  oldValidUntil: Date;
  successor: NewInstanceToken;
}

/** A token's whole row. */
export interface InstanceTokenRow extends TokenListRow {
  instanceId: string;
  projectId: string;
  tokenHash: string;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A filtered list's row: the sort value of `createdAt` too, and when the instance's next token expires. */
export interface FilteredTokenRow extends TokenListRow {
  createdAt: Date;
  /** The earliest `validUntil` after `now` among all the instance's tokens: a cached page showing states is stale then. */
  nextExpiry: Date | null;
}

/** What the filters of a token list ask for; undefined fields do not filter. */
export interface TokenListFilter extends TimeFilter {
  states?: TokenState[];
  search?: string;
  labels?: LabelRequirement[];
}

const SORT_COLUMNS: Record<TokenSortField, { column: string; nullable: boolean }> = {
  createdAt: { column: '"createdAt"', nullable: false },
  validUntil: { column: '"validUntil"', nullable: false },
  lastUsedAt: { column: '"lastUsedAt"', nullable: true },
  name: { column: '"name"', nullable: false },
};

/** A client address a token was presented from (lastUsedIps). */
export interface TokenAddressRow {
  tokenId: string;
  address: string;
  lastUsedAt: Date;
}

export interface TokenChanges {
  name?: string;
  description?: string | null;
  labels?: string | null;
}

/** The columns `update` may set, in the order its statement lists them. */
const CHANGEABLE = ['name', 'description', 'labels'] as const;

/**
 * Raw SQL throughout: the create and the list are hot paths, and the writes that share a service's
 * transaction run on that transaction's connection (`sql.within(tx)`).
 */
@Injectable()
export class InstanceTokensRepository {
  constructor(
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
    return this.sql.batch([bumpLiveInstance(scope, now), insertToken(scope, token, now), this.audit.insertStatement(event)]);
  }

  /**
   * Rotates a token in one raw-SQL transaction, as `create` writes one: the instance's list
   * revision, the old token shortened to `oldValidUntil` and pointed at its successor, the
   * successor, and the audit event. The old token's update is conditional on it not being rotated
   * yet, so of two concurrent rotations one writes and the other finds `rotatedTo` set. False,
   * and nothing written, when the instance or an unrotated old token is missing.
   */
  rotate(scope: TokenScope, rotation: TokenRotation, event: AuditEntry): Promise<boolean> {
    const now = new Date();
    return this.sql.batch([
      bumpLiveInstance(scope, now),
      {
        // CASE rather than LEAST/MIN, which the two databases spell differently: never later than before.
        sql: `UPDATE "InstanceToken" SET "rotatedTo" = $1, "updatedAt" = $2,
                "validUntil" = CASE WHEN "validUntil" < $3 THEN "validUntil" ELSE $3 END
              WHERE "id" = $4 AND "instanceId" = $5 AND "projectId" = $6 AND "region" = $7 AND "rotatedTo" IS NULL`,
        params: [rotation.successor.id, now, rotation.oldValidUntil, rotation.oldId, scope.instanceId, scope.projectId, scope.region],
        required: true,
      },
      insertToken(scope, rotation.successor, now),
      this.audit.insertStatement(event),
    ]);
  }

  /**
   * Ends the live tokens whose content hashes to one of `hashes` now (validUntil = now: they turn
   * `inactive` and stay listed), each in one batch with its instance's list revision bump (instance
   * first, as every token writer) and its audit event. The tokens actually ended are returned.
   */
  async revokeLeaked(hashes: string[], eventOf: (token: LeakedInstanceToken) => AuditEntry): Promise<LeakedInstanceToken[]> {
    // Whether a token is still live is left to the UPDATE: its batch binds dates the way both databases store them.
    const found = await this.sql.select(
      LEAKED_TOKEN,
      `SELECT "id", "instanceId", "projectId", "name" FROM "InstanceToken" WHERE "tokenHash" IN (${placeholders(hashes, 1)})`,
      hashes,
    );
    const now = new Date();
    const revoked: LeakedInstanceToken[] = [];
    for (const token of found) {
      const ended = await this.sql.batch([
        { sql: 'UPDATE "Instance" SET "tokensRevision" = "tokensRevision" + 1 WHERE "id" = $1', params: [token.instanceId], required: true },
        {
          sql: 'UPDATE "InstanceToken" SET "validUntil" = $1, "updatedAt" = $1 WHERE "id" = $2 AND "validUntil" > $1',
          params: [now, token.id],
          required: true,
        },
        this.audit.insertStatement(eventOf(token)),
      ]);
      if (ended) revoked.push(token);
    }
    return revoked;
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
    await this.sql
      .within(tx)
      .execute('UPDATE "Instance" SET "updatedAt" = $1, "tokensRevision" = "tokensRevision" + 1 WHERE "id" = $2 AND "projectId" = $3 AND "region" = $4', [
        new Date(),
        ...tokenKey(scope),
      ]);
  }

  /** Raw SQL: a long list through Prisma costs many times the CPU of the driver's rows. */
  async list(scope: TokenScope): Promise<TokenListRow[]> {
    return this.sql.select(
      TOKEN_LIST_ROW,
      `SELECT "id", "name", "description", "labels", "region", "validUntil", "lastUsedAt", "rotatedFrom", "rotatedTo" FROM "InstanceToken"
       WHERE "instanceId" = $1 AND "projectId" = $2 AND "region" = $3 ORDER BY "createdAt", "id"`,
      tokenKey(scope),
    );
  }

  /**
   * The recorded client addresses of the scope's tokens (of the given ones only when `tokenIds` is
   * given), most recent first. A second query rather than a join: the list query stays one row per token.
   */
  addresses(scope: TokenScope, tokenIds?: string[]): Promise<TokenAddressRow[]> {
    return this.sql.select(
      TOKEN_ADDRESS_ROW,
      `SELECT a."tokenId", a."address", a."lastUsedAt" FROM "InstanceTokenAddress" a JOIN "InstanceToken" t ON t."id" = a."tokenId"
       WHERE t."instanceId" = $1 AND t."projectId" = $2 AND t."region" = $3${tokenIds ? ` AND t."id" IN (${placeholders(tokenIds, 4)})` : ''}
       ORDER BY a."lastUsedAt" DESC, a."address"`,
      [...tokenKey(scope), ...(tokenIds ?? [])],
    );
  }

  /**
   * One page of a filtered list in one query: the WHERE and ORDER BY are built from the validated
   * filter with every value a parameter. Keyset pagination (`after` the previous page's last row)
   * stays exact while tokens are created or deleted between pages.
   */
  listFiltered(scope: TokenScope, filter: TokenListFilter, page: ListPage<TokenSortField>, now: Date): Promise<FilteredTokenRow[]> {
    const params: unknown[] = tokenKey(scope);
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
      `SELECT "id", "name", "description", "labels", "region", "validUntil", "lastUsedAt", "rotatedFrom", "rotatedTo", "createdAt",
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

  find(scope: TokenScope, id: string, tx?: Transaction): Promise<InstanceTokenRow | undefined> {
    return this.sql.within(tx).selectOne(
      TOKEN_ROW,
      `SELECT "id", "instanceId", "projectId", "region", "name", "description", "labels", "tokenHash", "validUntil", "lastUsedAt", "createdBy", "createdAt", "updatedAt", "rotatedFrom", "rotatedTo"
         FROM "InstanceToken" WHERE "id" = $1 AND "instanceId" = $2 AND "projectId" = $3 AND "region" = $4`,
      [id, ...tokenKey(scope)],
    );
  }

  /** Takes the row lock inside the caller's transaction (PostgreSQL); false when there is no such token. */
  async lock(scope: TokenScope, id: string, tx: Transaction): Promise<boolean> {
    const changed = await this.sql
      .within(tx)
      .execute('UPDATE "InstanceToken" SET "updatedAt" = $1 WHERE "id" = $2 AND "instanceId" = $3 AND "projectId" = $4 AND "region" = $5', [
        new Date(),
        id,
        ...tokenKey(scope),
      ]);
    return changed === 1;
  }

  /** Sets the changes that are not undefined (and `updatedAt`); `count` is 0 when there is no such token. */
  async update(scope: TokenScope, id: string, changes: TokenChanges, tx: Transaction): Promise<{ count: number }> {
    const set = assignments(CHANGEABLE, changes, 6);
    const count = await this.sql
      .within(tx)
      .execute(
        `UPDATE "InstanceToken" SET ${['"updatedAt" = $1', ...set.sql].join(', ')} WHERE "id" = $2 AND "instanceId" = $3 AND "projectId" = $4 AND "region" = $5`,
        [new Date(), id, ...tokenKey(scope), ...set.params],
      );
    return { count };
  }

  async delete(scope: TokenScope, id: string, tx: Transaction): Promise<boolean> {
    const deleted = await this.sql
      .within(tx)
      .execute('DELETE FROM "InstanceToken" WHERE "id" = $1 AND "instanceId" = $2 AND "projectId" = $3 AND "region" = $4', [id, ...tokenKey(scope)]);
    return deleted === 1;
  }

  async deleteAllOfInstance(scope: TokenScope, tx: Transaction): Promise<{ count: number }> {
    const count = await this.sql
      .within(tx)
      .execute('DELETE FROM "InstanceToken" WHERE "instanceId" = $1 AND "projectId" = $2 AND "region" = $3', tokenKey(scope));
    return { count };
  }
}

/** The scope as the parameters every token query ends with: instance, project, region. */
const tokenKey = (scope: TokenScope) => [scope.instanceId, scope.projectId, scope.region];

/** The live instance's token list changed (required: false when it is gone); first in every token batch, see bumpListRevision. */
const bumpLiveInstance = (scope: TokenScope, now: Date): Statement => ({
  sql: `UPDATE "Instance" SET "updatedAt" = $1, "tokensRevision" = "tokensRevision" + 1
        WHERE "id" = $2 AND "projectId" = $3 AND "region" = $4 AND "deletedAt" IS NULL`,
  params: [now, ...tokenKey(scope)],
  required: true,
});

function insertToken(scope: TokenScope, token: NewInstanceToken, now: Date): Statement {
  return {
    sql: `INSERT INTO "InstanceToken" ("id", "instanceId", "projectId", "region", "name", "description", "labels", "tokenHash", "validUntil", "createdBy", "createdAt", "updatedAt", "rotatedFrom")
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
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
      token.rotatedFrom ?? null,
    ],
  };
}
/** `$first, $first+1, …`: one placeholder per value, for `IN (…)`. */
const placeholders = (values: unknown[], first: number) => values.map((_, i) => `$${first + i}`).join(', ');

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
