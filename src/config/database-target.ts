import { isAbsolute, resolve } from 'node:path';

export type DatabaseProvider = 'sqlite' | 'postgresql';

export interface DatabaseTarget {
  provider: DatabaseProvider;
  /** For SQLite, an absolute `file:` URL; for PostgreSQL, the connection string as given. */
  url: string;
  /** Absolute path of the SQLite file. */
  sqlitePath?: string;
}

/**
 * Maps DATABASE_URL to a provider. Shared by the app and prisma.config.ts so the stock Prisma CLI
 * and Tessera always open the same database.
 */
export function resolveDatabaseTarget(databaseUrl: string | undefined, dataDir: string): DatabaseTarget {
  const url = databaseUrl?.trim();
  if (!url) return sqliteTarget(resolve(dataDir, 'tessera.db'));
  if (/^postgres(ql)?:\/\//i.test(url)) return { provider: 'postgresql', url };
  if (url.startsWith('file:')) {
    const path = url.slice('file:'.length).split('?')[0];
    if (!path) throw new Error('DATABASE_URL: a file: URL needs a path, e.g. file:./data/tessera.db');
    return sqliteTarget(isAbsolute(path) ? path : resolve(path));
  }
  throw new Error('DATABASE_URL: expected file:<path> (SQLite) or postgres(ql)://... (PostgreSQL)');
}

function sqliteTarget(path: string): DatabaseTarget {
  return { provider: 'sqlite', url: `file:${path}`, sqlitePath: path };
}
