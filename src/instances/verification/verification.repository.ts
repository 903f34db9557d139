import { Injectable } from '@nestjs/common';
import { columns } from '../../database/rows';
import { SqlDatabase, Statement } from '../../database/sql-database';
import type { RecordedUses, UseBatch } from '../../token-uses/token-use-queue';
import { pgTimestamp, recordedUses, USE_TABLES, useStatements } from '../../token-uses/token-uses.repository';

export interface TokenRecord extends RecordedUses {
  id: string;
  instanceId: string;
  projectId: string;
  validUntil: Date;
}

const TOKEN_WITH_ADDRESS = columns({
  id: 'text',
  instanceId: 'text',
  projectId: 'text',
  validUntil: 'date',
  lastUsedAt: 'date?',
  address: 'text?',
  addressUsedAt: 'date?',
});

/**
 * The verification hot path's only queries, in raw SQL: a prepared statement costs a small
 * fraction of a Prisma query's CPU.
 */
@Injectable()
export class VerificationRepository {
  constructor(private readonly sql: SqlDatabase) {}

  /** The token and its recorded addresses in one round trip: a row per address (one row when it has none). */
  async findByHash(tokenHash: string): Promise<TokenRecord | undefined> {
    const rows = await this.sql.select(
      TOKEN_WITH_ADDRESS,
      `SELECT t."id", t."instanceId", t."projectId", t."validUntil", t."lastUsedAt", a."address", a."lastUsedAt" AS "addressUsedAt"
       FROM "InstanceToken" t LEFT JOIN "InstanceTokenAddress" a ON a."tokenId" = t."id" WHERE t."tokenHash" = $1`,
      [tokenHash],
    );
    if (!rows.length) return undefined;
    const { id, instanceId, projectId, validUntil } = rows[0];
    return { id, instanceId, projectId, validUntil, ...recordedUses(rows) };
  }

  /**
   * Writes lastUsedAt and client addresses for a batch of tokens (useStatements). Token lists show
   * both, so each instance whose tokens change gets its list revision bumped in the same
   * transaction; instance rows are locked first and in id order, as every token writer takes the
   * instance before its tokens.
   */
  async recordUses(batch: UseBatch): Promise<void> {
    const { uses } = batch;
    if (!uses.size) return;
    const revisions: Statement[] =
      this.sql.provider === 'postgresql'
        ? [
            {
              sql: `UPDATE "Instance" SET "tokensRevision" = "tokensRevision" + 1 WHERE "id" IN (
                      SELECT i."id" FROM "Instance" i WHERE i."id" IN (
                        SELECT t."instanceId" FROM "InstanceToken" t JOIN unnest($1::text[], $2::timestamp(3)[]) AS v(id, at) ON t."id" = v.id
                        WHERE t."lastUsedAt" IS NULL OR t."lastUsedAt" < v.at)
                      ORDER BY i."id" FOR UPDATE)`,
              params: [[...uses.keys()], [...uses.values()].map(pgTimestamp)],
            },
          ]
        : // SQLite has a single writer, so the order of the rows does not matter.
          [...uses].map(([id, ms]) => ({
            sql: `UPDATE "Instance" SET "tokensRevision" = "tokensRevision" + 1
                  WHERE "id" = (SELECT "instanceId" FROM "InstanceToken" WHERE "id" = $1 AND ("lastUsedAt" IS NULL OR "lastUsedAt" < $2))`,
            params: [id, new Date(ms)],
          }));
    await this.sql.batch([...revisions, ...useStatements(this.sql.provider, USE_TABLES['instance-token'], batch)]);
  }
}
