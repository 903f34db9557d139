import { Injectable } from '@nestjs/common';
import { columns } from '../database/rows';
import { SqlDatabase } from '../database/sql-database';

/**
 * Starts a window at 1 when the stored one has ended, else adds 1: one statement, so concurrent
 * attempts never lose a count. The table kept its first user's name (login failures): renaming it
 * would rebuild it on SQLite.
 */
const COUNT_ATTEMPT = `
  INSERT INTO "LoginFailureCounter" ("key", "count", "resetAt") VALUES ($1, 1, $3)
  ON CONFLICT ("key") DO UPDATE SET
    "count" = CASE WHEN "LoginFailureCounter"."resetAt" <= $2 THEN 1 ELSE "LoginFailureCounter"."count" + 1 END,
    "resetAt" = CASE WHEN "LoginFailureCounter"."resetAt" <= $2 THEN $3 ELSE "LoginFailureCounter"."resetAt" END
  RETURNING "count", "resetAt"`;
const COUNTER = columns({ count: 'int', resetAt: 'date' });

/** Fixed-window counters shared by every replica (raw SQL: the same upsert on both databases). */
@Injectable()
export class WindowCountersRepository {
  constructor(private readonly sql: SqlDatabase) {}

  /** Counts one attempt in the window of `key`, starting a window ending at `windowEndsAt` if none is running at `now`. */
  async count(key: string, now: Date, windowEndsAt: Date): Promise<{ count: number; resetAt: Date }> {
    const [row] = await this.sql.executeReturning<Record<string, unknown>>(COUNT_ATTEMPT, [key, now, windowEndsAt]);
    return COUNTER.read(row);
  }

  async clear(key: string): Promise<void> {
    await this.sql.execute('DELETE FROM "LoginFailureCounter" WHERE "key" = $1', [key]);
  }

  async deleteExpired(now: Date): Promise<void> {
    await this.sql.execute('DELETE FROM "LoginFailureCounter" WHERE "resetAt" <= $1', [now]);
  }
}
