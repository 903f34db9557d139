import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { SqliteDatabase } from './sql-database';

describe('SqliteDatabase checkpoints', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tessera-wal-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies committed pages into the database file from a worker (the committing connection would wait for 10,000 pages)', async () => {
    const path = join(dir, 'wal.db');
    const sql = SqliteDatabase.open(path);
    try {
      await sql.execute('CREATE TABLE "Row" ("id" INTEGER PRIMARY KEY, "data" TEXT)');
      await new Promise((resolve) => setTimeout(resolve, 300)); // the table itself is checkpointed
      const before = statSync(path).size;
      // ~2 MB in 200 commits: far below the connection's own checkpoint threshold (10,000 pages).
      for (let i = 0; i < 200; i++) await sql.batch([{ sql: 'INSERT INTO "Row" ("data") VALUES ($1)', params: ['x'.repeat(10_000)] }]);
      const deadline = Date.now() + 2_000;
      while (statSync(path).size < before + 1_000_000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(statSync(path).size).toBeGreaterThan(before + 1_000_000);
    } finally {
      await sql.close();
    }
  });

  it('checkpoints on commit again should the worker stop', async () => {
    const sql = SqliteDatabase.open(join(dir, 'fallback.db'));
    try {
      expect(sql.db.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
      (sql as unknown as { checkpointer: Worker }).checkpointer.emit('error', new Error('worker died'));
      expect(sql.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000);
    } finally {
      await sql.close();
    }
  });
});
