import { Injectable } from '@nestjs/common';
import type { DatabaseProvider } from '../config/database-target';
import { SqlDatabase, Statement } from '../database/sql-database';
import type { AddressUse, RecordedUses, UseBatch } from './token-use-queue';

/** How many addresses `lastUsedIps` keeps per token: the most recent ones. */
export const KEPT_ADDRESSES = 5;

/** Each kind of token with its table and the table of its client addresses (`tokenId`, `address`, `lastUsedAt`). */
export const USE_TABLES = {
  'instance-token': { tokens: 'InstanceToken', addresses: 'InstanceTokenAddress' },
  'service-account-token': { tokens: 'ServiceAccountToken', addresses: 'ServiceAccountTokenAddress' },
  'external-token': { tokens: 'ExternalApiToken', addresses: 'ExternalApiTokenAddress' },
} as const;
type UseTables = (typeof USE_TABLES)[keyof typeof USE_TABLES];

/** A token's row joined with its address rows: `address` and `addressUsedAt` are null when it has none. */
export interface AddressJoinRow {
  lastUsedAt: Date | null;
  address: string | null;
  addressUsedAt: Date | null;
}

/** The uses recorded for a token read as a row per address (AddressJoinRow). */
export const recordedUses = (rows: AddressJoinRow[]): RecordedUses => ({
  lastUsedAt: rows[0]?.lastUsedAt ?? null,
  addresses: rows.flatMap((row) => (row.address && row.addressUsedAt ? [{ address: row.address, lastUsedAt: row.addressUsedAt }] : [])),
});

/**
 * Writes the lastUsedAt and client addresses of service-account access tokens and external model
 * tokens (instance tokens: VerificationRepository, which also bumps their lists' revision).
 */
@Injectable()
export class TokenUsesRepository {
  constructor(private readonly sql: SqlDatabase) {}

  async recordUses(kind: 'service-account-token' | 'external-token', batch: UseBatch): Promise<void> {
    if (!batch.uses.size) return;
    await this.sql.batch(useStatements(this.sql.provider, USE_TABLES[kind], batch));
  }
}

/**
 * The statements that write a batch of uses in one transaction: lastUsedAt, never moved backwards
 * (another replica may be ahead), then the addresses, keeping the KEPT_ADDRESSES most recent per
 * token. A token deleted since its use is skipped.
 */
export function useStatements(provider: DatabaseProvider, tables: UseTables, { uses, addresses }: UseBatch): Statement[] {
  const { tokens, addresses: addressTable } = tables;
  if (provider === 'postgresql') {
    return [
      {
        sql: `UPDATE "${tokens}" AS t SET "lastUsedAt" = v.at
              FROM unnest($1::text[], $2::timestamp(3)[]) AS v(id, at)
              WHERE t."id" = v.id AND (t."lastUsedAt" IS NULL OR t."lastUsedAt" < v.at)`,
        params: [[...uses.keys()], [...uses.values()].map(pgTimestamp)],
      },
      ...pgAddressStatements(tables, addresses),
    ];
  }
  // SQLite has a single writer, so the order of the rows does not matter.
  return [
    ...[...uses].map(([id, ms]) => {
      const at = new Date(ms);
      return { sql: `UPDATE "${tokens}" SET "lastUsedAt" = $1 WHERE "id" = $2 AND ("lastUsedAt" IS NULL OR "lastUsedAt" < $3)`, params: [at, id, at] };
    }),
    ...addresses.map(({ tokenId, address, at }) => ({
      // The WHERE skips a token deleted since its use (and lets SQLite parse the upsert).
      sql: `INSERT INTO "${addressTable}" ("tokenId", "address", "lastUsedAt") SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM "${tokens}" WHERE "id" = $1)
            ON CONFLICT ("tokenId", "address") DO UPDATE SET "lastUsedAt" = MAX("lastUsedAt", excluded."lastUsedAt")`,
      params: [tokenId, address, new Date(at)],
    })),
    ...[...new Set(addresses.map((use) => use.tokenId))].map((tokenId) => ({
      sql: `DELETE FROM "${addressTable}" WHERE "tokenId" = $1 AND "address" NOT IN (
              SELECT "address" FROM "${addressTable}" WHERE "tokenId" = $1 ORDER BY "lastUsedAt" DESC, "address" LIMIT ${KEPT_ADDRESSES})`,
      params: [tokenId],
    })),
  ];
}

/**
 * The address upsert and prune for PostgreSQL, one statement each. Rows are written in key
 * order, so two replicas flushing the same tokens lock them in the same order.
 */
function pgAddressStatements({ tokens, addresses: addressTable }: UseTables, addresses: AddressUse[]): Statement[] {
  if (!addresses.length) return [];
  const sorted = [...addresses].sort((a, b) => compare(a.tokenId, b.tokenId) || compare(a.address, b.address));
  return [
    {
      sql: `INSERT INTO "${addressTable}" ("tokenId", "address", "lastUsedAt")
            SELECT v.id, v.address, v.at FROM unnest($1::text[], $2::text[], $3::timestamp(3)[]) WITH ORDINALITY AS v(id, address, at, n)
            WHERE EXISTS (SELECT 1 FROM "${tokens}" t WHERE t."id" = v.id) ORDER BY v.n
            ON CONFLICT ("tokenId", "address") DO UPDATE SET "lastUsedAt" = GREATEST("${addressTable}"."lastUsedAt", EXCLUDED."lastUsedAt")`,
      params: [sorted.map((use) => use.tokenId), sorted.map((use) => use.address), sorted.map((use) => pgTimestamp(use.at))],
    },
    {
      sql: `DELETE FROM "${addressTable}" WHERE ("tokenId", "address") IN (
              SELECT "tokenId", "address" FROM (
                SELECT "tokenId", "address", ROW_NUMBER() OVER (PARTITION BY "tokenId" ORDER BY "lastUsedAt" DESC, "address") AS "rank"
                FROM "${addressTable}" WHERE "tokenId" = ANY($1::text[])) AS ranked
              WHERE "rank" > ${KEPT_ADDRESSES})`,
      params: [[...new Set(sorted.map((use) => use.tokenId))]],
    },
  ];
}

/** TIMESTAMP(3) holds UTC without a zone, as Prisma writes it. */
export const pgTimestamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
