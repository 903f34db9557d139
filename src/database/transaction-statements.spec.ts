import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as SqlitePrismaClient } from '../generated/prisma-sqlite/client';
import { PrismaClient as PostgresPrismaClient } from '../generated/prisma-postgresql/client';
import { migratePostgres, migrateSqlite } from './migrator';
import { PrismaService } from './prisma.service';
import { columns } from './rows';
import { PostgresDatabase, SqlDatabase, SqliteDatabase } from './sql-database';
import { transactionClient, Transactions } from './transactions';

interface Opened {
  sql: SqlDatabase;
  prisma: PrismaService;
  close: () => Promise<void>;
}

/** Closes Prisma, then the raw connection it may share, then whatever holds the database. */
const opened = (sql: SqlDatabase, prisma: PrismaService, release: () => Promise<void> | void): Opened => ({
  sql,
  prisma,
  close: async () => {
    await prisma.$disconnect();
    await sql.close();
    await release();
  },
});

/** A migrated SQLite file with Prisma on its own connection, as DatabaseModule builds them. */
function openSqlite(): Opened {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-tx-sql-'));
  const path = join(dir, 'tessera.db');
  const sql = SqliteDatabase.open(path);
  migrateSqlite(sql.db);
  const prisma = new SqlitePrismaClient({ adapter: new PrismaBetterSQLite3({ url: `file:${path}`, timeout: 5000 }) });
  return opened(sql, prisma, () => rmSync(dir, { recursive: true, force: true }));
}

/** A fresh, migrated PostgreSQL database with Prisma on the raw path's pool, as DatabaseModule builds them. */
async function openPostgres(adminUrl: string): Promise<Opened> {
  const name = `tessera_tx_sql_${process.pid}_${Date.now()}`;
  const admin = async (statement: string) => {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(statement);
    await client.end();
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const sql = PostgresDatabase.open(url.toString());
  await migratePostgres(sql.pool);
  const prisma = new PostgresPrismaClient({ adapter: new PrismaPg(sql.pool, { disposeExternalPool: false }) }) as unknown as PrismaService;
  return opened(sql, prisma, () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

const USER = columns({ id: 'text', email: 'text', isAdmin: 'bool', disabledAt: 'date?', tokensValidAfter: 'date?', createdAt: 'date' });
const COUNT = columns({ users: 'int', admins: 'int' });
const at = new Date('2026-01-02T03:04:05.678Z');

const adminUrl = process.env.TEST_DATABASE_URL;
// Every run covers SQLite; the PostgreSQL suite (TEST_DATABASE_URL, as CI runs it) covers PostgreSQL too.
const providers: [string, () => Promise<Opened>][] = [
  ['SQLite', () => Promise.resolve(openSqlite())],
  ...(adminUrl ? [['PostgreSQL', () => openPostgres(adminUrl)] as [string, () => Promise<Opened>]] : []),
];

describe.each(providers)('SqlDatabase.within(tx) on %s', (_provider, open) => {
  let db: Opened;
  let transactions: Transactions;
  beforeEach(async () => {
    db = await open();
    transactions = new Transactions(db.prisma);
  });
  afterEach(() => db.close());

  const insertUser = `INSERT INTO "User" ("id", "email", "passwordHash", "isAdmin", "disabledAt", "createdAt", "updatedAt") VALUES ($1, $2, 'x', $3, $4, $5, $5)`;

  it('writes and reads typed rows on the transaction connection, in the format Prisma and SqlDatabase read', async () => {
    const inside = await transactions.run(async (tx) => {
      const statements = db.sql.within(tx);
      expect(await statements.execute(insertUser, ['u1', 'one@example.test', true, null, at])).toBe(1);
      return statements.selectOne(USER, 'SELECT "id", "email", "isAdmin", "disabledAt", "tokensValidAfter", "createdAt" FROM "User" WHERE "id" = $1', ['u1']);
    });
    const expected = { id: 'u1', email: 'one@example.test', isAdmin: true, disabledAt: null, tokensValidAfter: null, createdAt: at };
    expect(inside).toEqual(expected);
    expect(
      await db.sql.selectOne(USER, 'SELECT "id", "email", "isAdmin", "disabledAt", "tokensValidAfter", "createdAt" FROM "User" WHERE "id" = $1', ['u1']),
    ).toEqual(expected);
    expect(await db.prisma.user.findUnique({ where: { id: 'u1' } })).toMatchObject({ isAdmin: true, disabledAt: null, createdAt: at });
  });

  it('sees the transaction’s Prisma writes and commits or rolls back with them', async () => {
    await expect(
      transactions.run(async (tx) => {
        await transactionClient(tx).user.create({ data: { id: 'p1', email: 'prisma@example.test', passwordHash: 'x', disabledAt: at } });
        await db.sql.within(tx).execute(insertUser, ['r1', 'raw@example.test', false, at, at]);
        expect(await db.sql.within(tx).selectOne(COUNT, 'SELECT COUNT(*) AS "users", COUNT(CASE WHEN "isAdmin" THEN 1 END) AS "admins" FROM "User"')).toEqual({
          users: 2,
          admins: 0,
        });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await db.sql.selectOne(COUNT, 'SELECT COUNT(*) AS "users", 0 AS "admins" FROM "User"')).toEqual({ users: 0, admins: 0 });

    await transactions.run(async (tx) => {
      await transactionClient(tx).user.create({ data: { id: 'p1', email: 'prisma@example.test', passwordHash: 'x', disabledAt: at } });
      await db.sql.within(tx).execute(insertUser, ['r1', 'raw@example.test', false, at, at]);
    });
    const rows = await db.sql.select(USER, 'SELECT "id", "email", "isAdmin", "disabledAt", "tokensValidAfter", "createdAt" FROM "User" ORDER BY "id"');
    expect(rows.map(({ id, disabledAt }) => ({ id, disabledAt }))).toEqual([
      { id: 'p1', disabledAt: at },
      { id: 'r1', disabledAt: at },
    ]);
  });

  it('binds $n placeholders by number: repeated and out of order', async () => {
    const found = await transactions.run(async (tx) => {
      await db.sql.within(tx).execute(insertUser, ['u2', 'two@example.test', false, null, at]);
      return db.sql
        .within(tx)
        .select(
          USER,
          'SELECT "id", "email", "isAdmin", "disabledAt", "tokensValidAfter", "createdAt" FROM "User" WHERE "email" = $2 AND ("id" = $1 OR "id" = $1 || $3)',
          ['u2', 'two@example.test', 'never'],
        );
    });
    expect(found.map((row) => row.id)).toEqual(['u2']);
  });

  it('sends a Date parameter as the text Prisma stores for it, in and out of a transaction (pg alone would send local time with an offset)', async () => {
    const STORED = columns({ stored: 'text', sent: 'text' });
    const read = 'SELECT CAST("createdAt" AS TEXT) AS "stored", CAST($1 AS TEXT) AS "sent" FROM "User" WHERE "id" = $2';
    const inside = await transactions.run(async (tx) => {
      await transactionClient(tx).user.create({ data: { id: 'u3', email: 'three@example.test', passwordHash: 'x', createdAt: at } });
      return db.sql.within(tx).selectOne(STORED, read, [at, 'u3']);
    });
    const outside = await db.sql.selectOne(STORED, read, [at, 'u3']);
    expect(inside!.sent).toBe(inside!.stored);
    expect(outside!.sent).toBe(outside!.stored);
  });

  it('is the database itself without a transaction', () => {
    expect(db.sql.within(undefined)).toBe(db.sql);
  });
});
