import { Injectable } from '@nestjs/common';
import { columns } from '../../database/rows';
import { SqlDatabase, Statement } from '../../database/sql-database';

export interface TokenRecord {
  id: string;
  instanceId: string;
  projectId: string;
  validUntil: Date;
  lastUsedAt: Date | null;
  /** The recorded client addresses (lastUsedIps), in no particular order. */
  addresses: { address: string; lastUsedAt: Date }[];
}

/** A client address a token was presented from, to be recorded. */
export interface AddressUse {
  tokenId: string;
  address: string;
  at: number;
}

/** How many addresses `lastUsedIps` keeps per token: the most recent ones. */
export const KEPT_ADDRESSES = 5;

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
    const { id, instanceId, projectId, validUntil, lastUsedAt } = rows[0];
    const addresses = rows.flatMap((row) => (row.address && row.addressUsedAt ? [{ address: row.address, lastUsedAt: row.addressUsedAt }] : []));
    return { id, instanceId, projectId, validUntil, lastUsedAt, addresses };
  }

  /**
   * Writes lastUsedAt for a batch of tokens, never moving it backwards (another replica may be
   * ahead), and their client addresses, keeping the KEPT_ADDRESSES most recent per token. Token
   * lists show both, so each instance whose tokens change gets its list revision bumped in the
   * same transaction; instance rows are locked first and in id order, as every token writer takes
   * the instance before its tokens. A token in `addresses` is also in `uses`, with the same time.
   */
  async recordUses(uses: Map<string, number>, addresses: AddressUse[] = []): Promise<void> {
    if (!uses.size) return;
    if (this.sql.provider === 'postgresql') {
      const params = [[...uses.keys()], [...uses.values()].map(pgTimestamp)];
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
        ...this.pgAddressStatements(addresses),
      ]);
      return;
    }
    // One transaction; SQLite has a single writer, so the order of the rows does not matter.
    await this.sql.batch([
      ...[...uses].flatMap(([id, ms]) => {
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
      ...addresses.map(({ tokenId, address, at }) => ({
        // The WHERE skips a token deleted since its use (and lets SQLite parse the upsert).
        sql: `INSERT INTO "InstanceTokenAddress" ("tokenId", "address", "lastUsedAt") SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM "InstanceToken" WHERE "id" = $1)
              ON CONFLICT ("tokenId", "address") DO UPDATE SET "lastUsedAt" = MAX("lastUsedAt", excluded."lastUsedAt")`,
        params: [tokenId, address, new Date(at)],
      })),
      ...[...new Set(addresses.map((use) => use.tokenId))].map((tokenId) => ({
        sql: `DELETE FROM "InstanceTokenAddress" WHERE "tokenId" = $1 AND "address" NOT IN (
                SELECT "address" FROM "InstanceTokenAddress" WHERE "tokenId" = $1 ORDER BY "lastUsedAt" DESC, "address" LIMIT ${KEPT_ADDRESSES})`,
        params: [tokenId],
      })),
    ]);
  }

  /**
   * The address upsert and prune for PostgreSQL, one statement each. Rows are written in key
   * order, so two replicas flushing the same tokens lock them in the same order.
   */
  private pgAddressStatements(addresses: AddressUse[]): Statement[] {
    if (!addresses.length) return [];
    const sorted = [...addresses].sort((a, b) => compare(a.tokenId, b.tokenId) || compare(a.address, b.address));
    return [
      {
        sql: `INSERT INTO "InstanceTokenAddress" ("tokenId", "address", "lastUsedAt")
              SELECT v.id, v.address, v.at FROM unnest($1::text[], $2::text[], $3::timestamp(3)[]) WITH ORDINALITY AS v(id, address, at, n)
              WHERE EXISTS (SELECT 1 FROM "InstanceToken" t WHERE t."id" = v.id) ORDER BY v.n
              ON CONFLICT ("tokenId", "address") DO UPDATE SET "lastUsedAt" = GREATEST("InstanceTokenAddress"."lastUsedAt", EXCLUDED."lastUsedAt")`,
        params: [sorted.map((use) => use.tokenId), sorted.map((use) => use.address), sorted.map((use) => pgTimestamp(use.at))],
      },
      {
        sql: `DELETE FROM "InstanceTokenAddress" WHERE ("tokenId", "address") IN (
                SELECT "tokenId", "address" FROM (
                  SELECT "tokenId", "address", ROW_NUMBER() OVER (PARTITION BY "tokenId" ORDER BY "lastUsedAt" DESC, "address") AS "rank"
                  FROM "InstanceTokenAddress" WHERE "tokenId" = ANY($1::text[])) AS ranked
                WHERE "rank" > ${KEPT_ADDRESSES})`,
        params: [[...new Set(sorted.map((use) => use.tokenId))]],
      },
    ];
  }
}

/** TIMESTAMP(3) holds UTC without a zone, as Prisma writes it. */
const pgTimestamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
