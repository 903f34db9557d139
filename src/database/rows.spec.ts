import { columns } from './rows';
import { PostgresDatabase, SqlDatabase, SqliteDatabase } from './sql-database';

const ROW = columns({
  name: 'text',
  note: 'text?',
  count: 'int',
  missing: 'int?',
  flag: 'bool',
  at: 'date',
  never: 'date?',
  kind: (value) => value as 'a' | 'b',
});
const at = new Date('2026-01-02T03:04:05.678Z');

async function readBack(sql: SqlDatabase) {
  await sql.execute('CREATE TABLE "Typed" ("name" TEXT, "note" TEXT, "flag" BOOLEAN, "at" TIMESTAMP(3), "kind" TEXT)');
  await sql.execute('INSERT INTO "Typed" VALUES ($1, NULL, $2, $3, $4)', ['x', true, at, 'b']);
  return sql.selectOne(
    ROW,
    `SELECT "name", "note", COUNT(*) AS "count", NULL AS "missing", "flag", "at", NULL AS "never", "kind" FROM "Typed" GROUP BY "name", "note", "flag", "at", "kind"`,
  );
}

const expected = { name: 'x', note: null, count: 1, missing: null, flag: true, at, never: null, kind: 'b' };

describe('columns', () => {
  it('reads SQLite rows (text dates, 0/1 booleans) as typed values', async () => {
    const sql = SqliteDatabase.open(':memory:');
    try {
      expect(await readBack(sql)).toEqual(expected);
      expect(await sql.selectOne(ROW, 'SELECT * FROM "Typed" WHERE "name" = $1', ['nobody'])).toBeUndefined();
    } finally {
      await sql.close();
    }
  });

  const url = process.env.TEST_DATABASE_URL;
  (url ? it : it.skip)('reads PostgreSQL rows (bigint counts as strings, timestamps without zone) as typed values', async () => {
    const sql = PostgresDatabase.open(url!);
    try {
      // Literals only: nothing is written to the shared server.
      const row = await sql.selectOne(
        ROW,
        `SELECT 'x' AS "name", NULL AS "note", COUNT(*) AS "count", NULL AS "missing", true AS "flag", $1::timestamp(3) AS "at", NULL AS "never", 'b' AS "kind"`,
        ['2026-01-02 03:04:05.678'],
      );
      expect(row).toEqual(expected);
    } finally {
      await sql.close();
    }
  });
});
