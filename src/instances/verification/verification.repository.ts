import { Injectable } from '@nestjs/common';
import { columns } from '../../database/rows';
import { SqlDatabase } from '../../database/sql-database';

export interface TokenRecord {
  id: string;
  instanceId: string;
  projectId: string;
  validUntil: Date;
  lastUsedAt: Date | null;
}

const TOKEN_RECORD = columns({ id: 'text', instanceId: 'text', projectId: 'text', validUntil: 'date', lastUsedAt: 'date?' });

/**
 * The verification hot path's only queries, in raw SQL: a prepared statement costs a small
 * fraction of a Prisma query's CPU.
 */
@Injectable()
export class VerificationRepository {
  constructor(private readonly sql: SqlDatabase) {}

  findByHash(tokenHash: string): Promise<TokenRecord | undefined> {
    return this.sql.selectOne(TOKEN_RECORD, 'SELECT "id", "instanceId", "projectId", "validUntil", "lastUsedAt" FROM "InstanceToken" WHERE "tokenHash" = $1', [
      tokenHash,
    ]);
  }

  /**
   * Writes lastUsedAt for a batch of tokens, never moving it backwards (another replica may be
   * ahead). Token lists show lastUsedAt, so each instance whose tokens change gets its list
   * revision bumped in the same transaction; instance rows are locked first and in id order, as
   * every token writer takes the instance before its tokens.
   */
  async recordUses(uses: Map<string, number>): Promise<void> {
    if (!uses.size) return;
    if (this.sql.provider === 'postgresql') {
      // TIMESTAMP(3) holds UTC without a zone, as Prisma writes it.
      const params = [[...uses.keys()], [...uses.values()].map((ms) => new Date(ms).toISOString().replace('T', ' ').replace('Z', ''))];
      await this.sql.batch([
        {
          sql: `UPDATE "Instance" SET "tokensRevision" = "tokensRevision" + 1 WHERE "id" IN (
                  SELECT i."id" FROM "Instance" i WHERE i."id" IN (
                    SELECT t."instanceId" FROM "InstanceToken" t JOIN unnest($1::text[], $2::timestamp(3)[]) AS v(id, at) ON t."id" = v.id
                    WHERE t."lastUsedAt" IS NULL OR t."lastUsedAt" < v.at)
                  ORDER BY i."id" FOR UPDATE)`,
          params,
        },
        {
          sql: `UPDATE "InstanceToken" AS t SET "lastUsedAt" = v.at
                FROM unnest($1::text[], $2::timestamp(3)[]) AS v(id, at)
                WHERE t."id" = v.id AND (t."lastUsedAt" IS NULL OR t."lastUsedAt" < v.at)`,
          params,
        },
      ]);
      return;
    }
    // One transaction; SQLite has a single writer, so the order of the rows does not matter.
    await this.sql.batch(
      [...uses].flatMap(([id, ms]) => {
        const at = new Date(ms);
        return [
          {
            sql: `UPDATE "Instance" SET "tokensRevision" = "tokensRevision" + 1
                  WHERE "id" = (SELECT "instanceId" FROM "InstanceToken" WHERE "id" = $1 AND ("lastUsedAt" IS NULL OR "lastUsedAt" < $2))`,
            params: [id, at],
          },
          { sql: 'UPDATE "InstanceToken" SET "lastUsedAt" = $1 WHERE "id" = $2 AND ("lastUsedAt" IS NULL OR "lastUsedAt" < $3)', params: [at, id, at] },
        ];
      }),
    );
  }
}
