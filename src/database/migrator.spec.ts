import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateSqlite } from './migrator';

/** A table rebuild as `prisma migrate diff` writes it for SQLite when a column changes. */
const PRISMA_REBUILD = `
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Parent" ("id" TEXT NOT NULL PRIMARY KEY, "name" TEXT NOT NULL, "revision" INTEGER NOT NULL DEFAULT 0);
INSERT INTO "new_Parent" ("id", "name") SELECT "id", "name" FROM "Parent";
DROP TABLE "Parent";
ALTER TABLE "new_Parent" RENAME TO "Parent";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
`;

describe('migrateSqlite', () => {
  let dir: string;
  let db: Database.Database;

  const addMigration = (name: string, sql: string) => {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  };
  const children = () => db.prepare('SELECT "id" FROM "Child" ORDER BY "id"').all();

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-migrations-'));
    db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    addMigration(
      '20260101000000_init',
      `CREATE TABLE "Parent" ("id" TEXT NOT NULL PRIMARY KEY, "name" TEXT NOT NULL);
       CREATE TABLE "Child" ("id" TEXT NOT NULL PRIMARY KEY, "parentId" TEXT NOT NULL REFERENCES "Parent" ("id") ON DELETE CASCADE);`,
    );
    expect(migrateSqlite(db, dir)).toEqual(['20260101000000_init']);
    db.exec(`INSERT INTO "Parent" VALUES ('p', 'kept'); INSERT INTO "Child" VALUES ('c1', 'p'), ('c2', 'p');`);
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("rebuilds a parent table the way Prisma's migrations do without cascading to its children", async () => {
    addMigration('20260102000000_rebuild', PRISMA_REBUILD);
    expect(migrateSqlite(db, dir)).toEqual(['20260102000000_rebuild']);
    expect(children()).toEqual([{ id: 'c1' }, { id: 'c2' }]);
    expect(db.prepare('SELECT "revision" FROM "Parent"').all()).toEqual([{ revision: 0 }]);
    // Foreign keys are enforced again afterwards.
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.exec(`DELETE FROM "Parent"`);
    expect(children()).toEqual([]);
  });

  it('refuses a migration that leaves rows without their parent, and keeps the database as it was', async () => {
    addMigration('20260102000000_orphans', `DELETE FROM "Parent";`);
    expect(() => migrateSqlite(db, dir)).toThrow(/20260102000000_orphans failed: it leaves 2 rows of Child without their Parent/);
    expect(children()).toEqual([{ id: 'c1' }, { id: 'c2' }]);
    expect(db.prepare('SELECT "name" FROM "Parent"').all()).toEqual([{ name: 'kept' }]);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });
});
