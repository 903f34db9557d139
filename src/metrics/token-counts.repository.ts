import { Injectable } from '@nestjs/common';
import { columns } from '../database/rows';
import { SqlDatabase } from '../database/sql-database';

/** The stored token kinds and the states each can be in (instance tokens are deleted, never revoked). */
export const TOKEN_STATES = {
  instance: ['active', 'expired'],
  service_account: ['active', 'expired', 'revoked'],
  model_external: ['active', 'expired', 'revoked'],
  refresh: ['active', 'expired', 'revoked'],
} as const;
export type TokenKind = keyof typeof TOKEN_STATES;
export const TOKEN_KINDS = Object.keys(TOKEN_STATES) as TokenKind[];

export type TokenCounts = Record<TokenKind, Partial<Record<string, number>>>;

// One statement, so a scrape costs one round trip. A rotated refresh token can no longer be used: revoked.
const COUNT_TOKENS = `
  SELECT 'instance' AS "kind", CASE WHEN "validUntil" <= $1 THEN 'expired' ELSE 'active' END AS "state", COUNT(*) AS "count"
  FROM "InstanceToken" GROUP BY 2
  UNION ALL
  SELECT 'service_account', CASE WHEN "revokedAt" IS NOT NULL THEN 'revoked' WHEN "validUntil" <= $1 THEN 'expired' ELSE 'active' END, COUNT(*)
  FROM "ServiceAccountToken" GROUP BY 2
  UNION ALL
  SELECT 'model_external', CASE WHEN "revokedAt" IS NOT NULL THEN 'revoked' WHEN "expiresAt" <= $1 THEN 'expired' ELSE 'active' END, COUNT(*)
  FROM "ExternalApiToken" GROUP BY 2
  UNION ALL
  SELECT 'refresh', CASE WHEN "revokedAt" IS NOT NULL OR "rotatedAt" IS NOT NULL THEN 'revoked' WHEN "expiresAt" <= $1 THEN 'expired' ELSE 'active' END, COUNT(*)
  FROM "RefreshToken" GROUP BY 2`;

const COUNT_ROW = columns({ kind: (value) => value as TokenKind, state: 'text', count: 'int' });

/** Counts for the `tessera_tokens` gauge: aggregates only, read at scrape time. */
@Injectable()
export class TokenCountsRepository {
  constructor(private readonly sql: SqlDatabase) {}

  async count(now: Date): Promise<TokenCounts> {
    const rows = await this.sql.select(COUNT_ROW, COUNT_TOKENS, [now]);
    const counts: TokenCounts = { instance: {}, service_account: {}, model_external: {}, refresh: {} };
    for (const row of rows) counts[row.kind][row.state] = row.count;
    return counts;
  }
}
