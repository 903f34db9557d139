import { join } from 'node:path';
import { defineConfig } from 'prisma/config';
import { resolveDatabaseTarget } from './src/config/database-target';

// With the JS engine nothing native is needed, yet the CLI still checks that engine files exist
// and would try to download them (offline and air-gapped sites cannot). Point both variables at
// a file that exists; the JS engine never loads them.
const present = join(__dirname, 'package.json');
process.env.PRISMA_QUERY_ENGINE_LIBRARY ??= present;
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= present;

const target = resolveDatabaseTarget(process.env.DATABASE_URL, process.env.TESSERA_DATA_DIR ?? './data');
// The schema's datasource reads DATABASE_URL; unset means the embedded SQLite default.
process.env.DATABASE_URL = target.url;

export default defineConfig({
  schema: join('prisma', target.provider, 'schema.prisma'),
  migrations: { path: join('prisma', target.provider, 'migrations') },
  engine: 'js',
  experimental: { adapter: true },
  async adapter() {
    if (target.provider === 'postgresql') {
      const { PrismaPg } = await import('@prisma/adapter-pg');
      return new PrismaPg(await catalogReadablePool(target.url));
    }
    const { PrismaBetterSQLite3 } = await import('@prisma/adapter-better-sqlite3');
    return new PrismaBetterSQLite3({ url: target.url });
  },
});

/**
 * The schema engine reads PostgreSQL catalogs whose columns have type `name`, which
 * @prisma/adapter-pg 6.19 cannot map, so `migrate deploy` fails on a fresh database
 * (prisma/prisma#27403). `name` is text of at most 63 bytes: report it as `text`.
 */
async function catalogReadablePool(connectionString: string) {
  const { Pool } = await import('pg');
  const NAME = 19;
  const TEXT = 25;
  const asText = <T>(result: T): T => {
    for (const field of (result as { fields?: { dataTypeID: number }[] })?.fields ?? []) {
      if (field.dataTypeID === NAME) field.dataTypeID = TEXT;
    }
    return result;
  };
  // The adapter uses the promise forms; the pool itself uses the callback form of connect().
  class CatalogReadablePool extends Pool {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pg's Pool overloads query(); an override must answer all of them
    query(...args: unknown[]): any {
      return (super.query as (...a: unknown[]) => Promise<unknown>)(...args).then(asText);
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- likewise connect(), callback and promise forms
    connect(...args: unknown[]): any {
      if (args.length) return (super.connect as (...a: unknown[]) => void)(...args);
      return super.connect().then((client) => {
        const query = client.query.bind(client) as (...a: unknown[]) => Promise<unknown>;
        client.query = ((...a: unknown[]) => query(...a).then(asText)) as typeof client.query;
        return client;
      });
    }
  }
  return new CatalogReadablePool({ connectionString });
}
