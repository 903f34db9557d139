import BetterSqlite3 from 'better-sqlite3';
import { Pool, types } from 'pg';
import { DatabaseProvider } from '../config/database-target';

/**
 * Raw SQL for the hot paths (token verification, lastUsedAt) where Prisma's per-query cost matters.
 * Statements are written with PostgreSQL placeholders ($1, $2...) and run on either database.
 */
export abstract class SqlDatabase {
  abstract readonly provider: DatabaseProvider;
  abstract query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  abstract execute(sql: string, params?: unknown[]): Promise<number>;
  abstract close(): Promise<void>;
}

export class SqliteDatabase extends SqlDatabase {
  readonly provider = 'sqlite' as const;
  private readonly statements = new Map<string, { statement: BetterSqlite3.Statement; order: number[] }>();

  constructor(readonly db: BetterSqlite3.Database) {
    super();
  }

  static open(path: string): SqliteDatabase {
    const db = new BetterSqlite3(path, { timeout: 5000 });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    return new SqliteDatabase(db);
  }

  /** `$n` placeholders become positional `?`; `order` maps each position back to its `$n`. */
  private prepare(sql: string): { statement: BetterSqlite3.Statement; order: number[] } {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      const order = [...sql.matchAll(/\$(\d+)/g)].map((match) => Number(match[1]) - 1);
      prepared = { statement: this.db.prepare(sql.replace(/\$\d+/g, '?')), order };
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  private bind(order: number[], params: unknown[]): unknown[] {
    return order.map((index) => toSqlite(params[index]));
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const { statement, order } = this.prepare(sql);
    return statement.all(...this.bind(order, params)) as T[];
  }

  async execute(sql: string, params: unknown[] = []): Promise<number> {
    const { statement, order } = this.prepare(sql);
    return statement.run(...this.bind(order, params)).changes;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** Matches how Prisma's SQLite adapter stores DateTime, so raw writes read back through Prisma. */
function toSqlite(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace('Z', '+00:00');
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

// TIMESTAMP(3) without time zone holds UTC (Prisma writes UTC): read it as UTC, not local time.
// Per query, so Prisma's own parsing on the shared pool is untouched.
const utcTimestamps = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === types.builtins.TIMESTAMP
      ? (text: string) => new Date(`${text.replace(' ', 'T')}Z`)
      : types.getTypeParser(oid, format as 'text')) as typeof types.getTypeParser,
};

export class PostgresDatabase extends SqlDatabase {
  readonly provider = 'postgresql' as const;

  constructor(readonly pool: Pool) {
    super();
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query({ text: sql, values: params, types: utcTimestamps })).rows as T[];
  }

  async execute(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.pool.query({ text: sql, values: params })).rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Reads a DateTime column from either driver (SQLite gives text, PostgreSQL a Date). */
export function readDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(value as string);
}
