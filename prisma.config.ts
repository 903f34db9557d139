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
      return new PrismaPg({ connectionString: target.url });
    }
    const { PrismaBetterSQLite3 } = await import('@prisma/adapter-better-sqlite3');
    return new PrismaBetterSQLite3({ url: target.url });
  },
});
