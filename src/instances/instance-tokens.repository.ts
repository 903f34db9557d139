import { Injectable } from '@nestjs/common';
import { AuditEntry } from '../audit/audit-actions';
import { AuditRepository } from '../audit/audit.repository';
import { PrismaService } from '../database/prisma.service';
import { columns } from '../database/rows';
import { SqlDatabase } from '../database/sql-database';
import { clientOf, Transaction } from '../database/transactions';
import { InstanceScope } from './instances.repository';

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

const TOKEN_LIST_ROW = columns({
  id: 'text',
  name: 'text',
  description: 'text?',
  labels: 'text?',
  region: 'text',
  validUntil: 'date',
  lastUsedAt: 'date?',
});
const LIST_REVISION = columns({ tokensRevision: 'int' });
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
}

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
   * The recorded client addresses of the scope's tokens (of one token when `tokenId` is given),
   * most recent first. A second query rather than a join: the list query stays one row per token.
   */
  addresses(scope: TokenScope, tokenId?: string): Promise<TokenAddressRow[]> {
    return this.sql.select(
      TOKEN_ADDRESS_ROW,
      `SELECT a."tokenId", a."address", a."lastUsedAt" FROM "InstanceTokenAddress" a JOIN "InstanceToken" t ON t."id" = a."tokenId"
       WHERE t."instanceId" = $1 AND t."projectId" = $2 AND t."region" = $3${tokenId ? ' AND t."id" = $4' : ''}
       ORDER BY a."lastUsedAt" DESC, a."address"`,
      tokenId ? [scope.instanceId, scope.projectId, scope.region, tokenId] : [scope.instanceId, scope.projectId, scope.region],
    );
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
