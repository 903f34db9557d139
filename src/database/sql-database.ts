import { Logger } from '@nestjs/common';
import BetterSqlite3 from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import { Pool, types } from 'pg';
import { DatabaseProvider } from '../config/database-target';
import { Columns, ColumnType, RowOf } from './rows';
import type { Prisma } from './prisma.service';
import { Transaction, transactionClient } from './transactions';
import { isDatabaseUnavailable } from './unavailable';

/**
 * Typed raw statements, on the database (SqlDatabase) or on an open transaction's connection
 * (`SqlDatabase.within(tx)`): a raw-SQL repository writes its queries once for both.
 */
export interface SqlStatements {
  /** A read whose rows come back typed as `columns` declares them. */
  select<C extends Record<string, ColumnType>>(columns: Columns<C>, sql: string, params?: unknown[]): Promise<RowOf<C>[]>;
  /** The first row of `select`, or undefined when there is none. */
  selectOne<C extends Record<string, ColumnType>>(columns: Columns<C>, sql: string, params?: unknown[]): Promise<RowOf<C> | undefined>;
  /** A write; the number of rows it changed. */
  execute(sql: string, params?: unknown[]): Promise<number>;
}

/**
 * Raw SQL for the hot paths (token verification, lastUsedAt) where Prisma's per-query cost matters.
 * Statements are written with PostgreSQL placeholders ($1, $2...) and run on either database.
 */
export abstract class SqlDatabase implements SqlStatements {
  abstract readonly provider: DatabaseProvider;
  abstract query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  abstract execute(sql: string, params?: unknown[]): Promise<number>;
  /** A write that returns rows (`INSERT … RETURNING`, `ON CONFLICT … DO UPDATE … RETURNING`). */
  abstract executeReturning<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Runs the statements in order in one transaction: a whole write in one call, since an
   * interactive transaction holds its lock across event-loop turns and under load every request
   * then waits for all the others. False (and nothing written) when a `required` statement
   * changed no row.
   */
  abstract batch(statements: Statement[]): Promise<boolean>;
  abstract close(): Promise<void>;

  /** PostgreSQL's NOTIFY on `channel` to every listening connection (replicas' invalidation listeners). */
  async notify(channel: string, payload: string): Promise<void> {
    await this.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  /** A read whose rows come back typed as `columns` declares them. */
  async select<C extends Record<string, ColumnType>>(columns: Columns<C>, sql: string, params?: unknown[]): Promise<RowOf<C>[]> {
    return (await this.query<Record<string, unknown>>(sql, params)).map((row) => columns.read(row));
  }

  /** The first row of `select`, or undefined when there is none. */
  async selectOne<C extends Record<string, ColumnType>>(columns: Columns<C>, sql: string, params?: unknown[]): Promise<RowOf<C> | undefined> {
    const [row] = await this.query<Record<string, unknown>>(sql, params);
    return row && columns.read(row);
  }

  /**
   * The same statements on the connection of the caller's transaction (`Transactions.run`), so
   * they commit or roll back with it; on this database itself when there is no transaction.
   */
  within(tx: Transaction | undefined): SqlStatements {
    return tx ? new TransactionStatements(transactionClient(tx), (sql, params) => this.forPrisma(sql, params)) : this;
  }

  /** A statement and its parameters as Prisma's raw calls on this provider take them. */
  protected abstract forPrisma(sql: string, params: unknown[]): [string, ...unknown[]];
}

/**
 * Raw statements through the interactive transaction's client (`$queryRawUnsafe`), the only way
 * onto its connection. Prisma's driver adapters write a Date parameter as SqlDatabase does (ISO
 * text with `+00:00` on SQLite, UTC `TIMESTAMP(3)` text on PostgreSQL) and a boolean as 0/1 on
 * SQLite. Values come back by the column's declared type (Date, boolean, number; COUNT as a
 * bigint; on SQLite an expression's date as text), all of which `columns` reads.
 */
class TransactionStatements implements SqlStatements {
  constructor(
    private readonly client: Prisma.TransactionClient,
    private readonly forPrisma: (sql: string, params: unknown[]) => [string, ...unknown[]],
  ) {}

  async select<C extends Record<string, ColumnType>>(columns: Columns<C>, sql: string, params: unknown[] = []): Promise<RowOf<C>[]> {
    const rows = await this.client.$queryRawUnsafe<Record<string, unknown>[]>(...this.forPrisma(sql, params));
    return rows.map((row) => columns.read(row));
  }

  async selectOne<C extends Record<string, ColumnType>>(columns: Columns<C>, sql: string, params: unknown[] = []): Promise<RowOf<C> | undefined> {
    const [row] = await this.client.$queryRawUnsafe<Record<string, unknown>[]>(...this.forPrisma(sql, params));
    return row && columns.read(row);
  }

  execute(sql: string, params: unknown[] = []): Promise<number> {
    return this.client.$executeRawUnsafe(...this.forPrisma(sql, params));
  }
}

/**
 * `"column" = $n` for each of `columns` whose change is not undefined, numbered from `first`, and
 * their values in the same order: the SET of a partial update.
 */
export function assignments<C extends string>(
  columns: readonly C[],
  changes: Partial<Record<C, unknown>>,
  first: number,
): { sql: string[]; params: unknown[] } {
  const set = columns.filter((column) => changes[column] !== undefined);
  return { sql: set.map((column, index) => `"${column}" = $${first + index}`), params: set.map((column) => changes[column]) };
}

export interface Statement {
  sql: string;
  params: unknown[];
  /** Roll back the whole batch when this statement changes no row. */
  required?: boolean;
}

class RequiredRowMissing extends Error {}

/** A statement with `$n` placeholders as SQLite's positional `?` and, per `?`, the index of its parameter. */
interface Positional {
  text: string;
  order: number[];
}

/** How long a SQLite write waits for Prisma's connection to release the write lock. */
const SQLITE_BUSY_WAIT_MS = 5000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class SqliteDatabase extends SqlDatabase {
  readonly provider = 'sqlite' as const;
  private readonly statements = new Map<string, { statement: BetterSqlite3.Statement; order: number[] }>();
  private readonly translations = new Map<string, Positional>();

  constructor(
    readonly db: BetterSqlite3.Database,
    private readonly checkpointer?: Worker,
  ) {
    super();
  }

  static open(path: string): SqliteDatabase {
    // No synchronous busy wait: the write lock may be held by a Prisma transaction that needs the
    // event loop to finish, so writes retry asynchronously instead (see `write`).
    const db = new BetterSqlite3(path, { timeout: 0 });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Checkpoints copy the WAL into the database file and fsync both. On the committing connection
    // they ran every 1,000 pages (SQLite's default) inside some request, which then paid for it. A
    // worker thread does them; this connection only steps in should the WAL outgrow 10,000 pages
    // (40 MB): under sustained writes the worker's checkpoints never catch up entirely, and only a
    // complete one lets the WAL start over.
    db.pragma(`wal_autocheckpoint = ${WAL_BACKSTOP_PAGES}`);
    const checkpointer = startCheckpointer(path);
    checkpointer?.on('error', (error) => {
      new Logger('SqliteDatabase').warn(`WAL checkpointer stopped (${error.message}); checkpointing on commit again`);
      db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES}`);
    });
    return new SqliteDatabase(db, checkpointer);
  }

  private prepare(sql: string): { statement: BetterSqlite3.Statement; order: number[] } {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      // Filtered lists build their SQL from the filters given, so the texts are many; start over
      // rather than keep every one.
      if (this.statements.size >= MAX_PREPARED_STATEMENTS) this.statements.clear();
      const { text, order } = this.positional(sql);
      prepared = { statement: this.db.prepare(text), order };
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  /** `$n` placeholders become positional `?`; `order` maps each position back to its `$n`. */
  private positional(sql: string): Positional {
    let translated = this.translations.get(sql);
    if (!translated) {
      if (this.translations.size >= MAX_PREPARED_STATEMENTS) this.translations.clear();
      translated = { text: sql.replace(/\$\d+/g, '?'), order: [...sql.matchAll(/\$(\d+)/g)].map((match) => Number(match[1]) - 1) };
      this.translations.set(sql, translated);
    }
    return translated;
  }

  /** Prisma's SQLite adapter binds an array, which SQLite matches to `?` only. */
  protected forPrisma(sql: string, params: unknown[]): [string, ...unknown[]] {
    const { text, order } = this.positional(sql);
    return [text, ...order.map((index) => params[index])];
  }

  private bind(order: number[], params: unknown[]): unknown[] {
    return order.map((index) => toSqlite(params[index]));
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- SQLite answers synchronously; async keeps a failure a rejection, as on PostgreSQL
  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const { statement, order } = this.prepare(sql);
    return statement.all(...this.bind(order, params)) as T[];
  }

  async execute(sql: string, params: unknown[] = []): Promise<number> {
    const { statement, order } = this.prepare(sql);
    return this.write(() => statement.run(...this.bind(order, params)).changes);
  }

  async executeReturning<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const { statement, order } = this.prepare(sql);
    return this.write(() => statement.all(...this.bind(order, params)) as T[]);
  }

  async batch(statements: Statement[]): Promise<boolean> {
    const prepared = statements.map(({ sql, params, required }) => ({ ...this.prepare(sql), params, required }));
    const run = this.db.transaction(() => {
      for (const { statement, order, params, required } of prepared) {
        if (statement.run(...this.bind(order, params)).changes === 0 && required) throw new RequiredRowMissing();
      }
    });
    try {
      await this.write(() => run.immediate());
      return true;
    } catch (error) {
      if (error instanceof RequiredRowMissing) return false;
      throw error;
    }
  }

  /** Runs a synchronous write, retrying on SQLITE_BUSY without blocking the event loop. */
  private async write<T>(attempt: () => T): Promise<T> {
    const deadline = Date.now() + SQLITE_BUSY_WAIT_MS;
    for (;;) {
      try {
        return attempt();
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
        await sleep(2);
      }
    }
  }

  async close(): Promise<void> {
    await this.checkpointer?.terminate();
    this.db.close();
  }
}

const MAX_PREPARED_STATEMENTS = 500;
const WAL_BACKSTOP_PAGES = 10_000;
const SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES = 1_000;
const CHECKPOINT_EVERY_MS = 100;

/**
 * PASSIVE checkpoints on their own connection in a worker thread: they never wait for readers or
 * writers, so requests do not notice them. The driver is passed by path because an eval'd worker
 * resolves modules from the working directory, not from here.
 */
function startCheckpointer(path: string): Worker | undefined {
  if (path === ':memory:') return undefined;
  const source = `
    const { workerData } = require('node:worker_threads');
    const db = new (require(workerData.driver))(workerData.path, { timeout: 0 });
    setInterval(() => {
      try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
    }, workerData.everyMs);`;
  const worker = new Worker(source, { eval: true, workerData: { driver: require.resolve('better-sqlite3'), path, everyMs: CHECKPOINT_EVERY_MS } });
  worker.unref();
  return worker;
}

/** Matches how Prisma's SQLite adapter stores DateTime, so raw writes read back through Prisma. */
function toSqlite(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace('Z', '+00:00');
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/** TIMESTAMP(3) without time zone holds UTC, as Prisma writes it; pg would send local time. */
function toPostgres(value: unknown): unknown {
  return value instanceof Date ? value.toISOString().replace('T', ' ').replace('Z', '') : value;
}

// TIMESTAMP(3) without time zone holds UTC (Prisma writes UTC): read it as UTC, not local time.
// Per query, so Prisma's own parsing on the shared pool is untouched.
const utcTimestamps = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === Number(types.builtins.TIMESTAMP)
      ? (text: string) => new Date(`${text.replace(' ', 'T')}Z`)
      : (types.getTypeParser(oid, format) as (text: string) => unknown)) as typeof types.getTypeParser,
};

/** A new connection that PostgreSQL does not accept within this fails the request (503) instead of queueing it forever. */
const PG_CONNECT_TIMEOUT_MS = 5_000;

export class PostgresDatabase extends SqlDatabase {
  readonly provider = 'postgresql' as const;

  constructor(readonly pool: Pool) {
    super();
  }

  /**
   * One pool for the raw hot path and Prisma. A connection the server drops (restart,
   * pg_terminate_backend) emits `error` on its client; pg-pool listens only while the client is
   * idle, and an `error` nobody listens to ends the process. So every client gets a listener for
   * its whole life: whoever holds it then sees its query fail and answers 503, and the pool
   * discards it on release.
   */
  static open(url: string): PostgresDatabase {
    const logger = new Logger('Database');
    const pool = new Pool({ connectionString: url, max: 10, connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS });
    pool.on('connect', (client) => client.on('error', (error) => logger.warn(`PostgreSQL connection lost: ${error.message}`)));
    pool.on('error', () => undefined); // already logged by the listener above
    return new PostgresDatabase(pool);
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query({ text: sql, values: params.map(toPostgres), types: utcTimestamps })).rows as T[];
  }

  async execute(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.pool.query({ text: sql, values: params.map(toPostgres) })).rowCount ?? 0;
  }

  async executeReturning<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query({ text: sql, values: params.map(toPostgres), types: utcTimestamps })).rows as T[];
  }

  async batch(statements: Statement[]): Promise<boolean> {
    const client = await this.pool.connect();
    let lost: Error | undefined;
    try {
      await client.query('BEGIN');
      for (const { sql, params, required } of statements) {
        const { rowCount } = await client.query({ text: sql, values: params.map(toPostgres) });
        if (!rowCount && required) {
          await client.query('ROLLBACK');
          return false;
        }
      }
      await client.query('COMMIT');
      return true;
    } catch (error) {
      if (isDatabaseUnavailable(error)) lost = error as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      // Given the error, the pool destroys a lost connection instead of handing it to the next query.
      client.release(lost);
    }
  }

  protected forPrisma(sql: string, params: unknown[]): [string, ...unknown[]] {
    return [sql, ...params];
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
