import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Pool } from 'pg';
import { DatabaseProvider } from '../config/database-target';

/** The same lock id `prisma migrate deploy` takes, so the CLI and Tessera never migrate at once. */
const PRISMA_ADVISORY_LOCK = 72707369;

export const migrationsDir = (provider: DatabaseProvider) => join(__dirname, '..', '..', 'prisma', provider, 'migrations');

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

function readMigrations(dir: string): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(dir, name, 'migration.sql'));
      return { name, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') };
    });
}

/**
 * Applies pending migrations with `prisma migrate deploy` semantics: the `_prisma_migrations`
 * table, the same checksums and the same advisory lock, so operators can use the stock Prisma CLI
 * (`migrate status`, `migrate deploy`, `migrate resolve`) on a database Tessera migrated.
 * Returns the names it applied.
 */
export function migrateSqlite(db: BetterSqlite3.Database, dir = migrationsDir('sqlite')): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" TEXT PRIMARY KEY NOT NULL,
    "checksum" TEXT NOT NULL,
    "finished_at" DATETIME,
    "migration_name" TEXT NOT NULL,
    "logs" TEXT,
    "rolled_back_at" DATETIME,
    "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0
  )`);
  const rows = db.prepare('SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations').all() as AppliedRow[];
  const pending = pendingMigrations(readMigrations(dir), rows);
  for (const migration of pending) {
    const id = randomUUID();
    const now = () => new Date().toISOString().replace('Z', '+00:00');
    db.prepare('INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, ?, 0)').run(
      id,
      migration.checksum,
      migration.name,
      now(),
    );
    // Prisma's SQLite migrations rebuild a changed table (CREATE new, copy, DROP old, rename)
    // behind `PRAGMA foreign_keys=OFF`, which SQLite ignores inside a transaction: the DROP would
    // cascade to every child row. So foreign keys are switched off before BEGIN and checked before
    // COMMIT, as SQLite's own ALTER TABLE procedure prescribes.
    const foreignKeys = db.pragma('foreign_keys', { simple: true });
    db.pragma('foreign_keys = OFF');
    try {
      db.exec('BEGIN');
      db.exec(migration.sql);
      const violations = db.pragma('foreign_key_check') as { table: string; parent: string }[];
      if (violations.length) throw new Error(`it leaves ${violations.length} rows of ${violations[0].table} without their ${violations[0].parent}`);
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.prepare('UPDATE _prisma_migrations SET logs = ? WHERE id = ?').run(String(error), id);
      throw new Error(`Migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
    } finally {
      db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
    }
    db.prepare('UPDATE _prisma_migrations SET finished_at = ?, applied_steps_count = 1 WHERE id = ?').run(now(), id);
  }
  return pending.map((m) => m.name);
}

export async function migratePostgres(pool: Pool): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
    const { rows } = await client.query<AppliedRow>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations');
    const pending = pendingMigrations(readMigrations(migrationsDir('postgresql')), rows);
    for (const migration of pending) {
      const id = randomUUID();
      await client.query('INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())', [
        id,
        migration.checksum,
        migration.name,
      ]);
      try {
        await client.query('BEGIN');
        await client.query(migration.sql);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        await client.query('UPDATE _prisma_migrations SET logs = $1 WHERE id = $2', [String(error), id]);
        throw new Error(`Migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      await client.query('UPDATE _prisma_migrations SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
    }
    return pending.map((m) => m.name);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK]).catch(() => undefined);
    client.release();
  }
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

/** Refuses to start over a failed or edited migration, as `prisma migrate deploy` does. */
function pendingMigrations(migrations: Migration[], applied: AppliedRow[]): Migration[] {
  const failed = applied.find((row) => row.finished_at === null && row.rolled_back_at === null);
  if (failed) {
    throw new Error(`Migration ${failed.migration_name} failed earlier; fix the database, then run \`npx prisma migrate resolve\` before starting Tessera`);
  }
  const done = new Map(applied.filter((row) => row.finished_at !== null).map((row) => [row.migration_name, row.checksum]));
  for (const migration of migrations) {
    const checksum = done.get(migration.name);
    if (checksum && checksum !== migration.checksum) {
      throw new Error(`Migration ${migration.name} was edited after it was applied (checksum mismatch)`);
    }
  }
  return migrations.filter((migration) => !done.has(migration.name));
}
