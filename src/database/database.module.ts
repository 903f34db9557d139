import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { PrismaClient as SqlitePrismaClient } from '../generated/prisma-sqlite/client';
import { PrismaClient as PostgresPrismaClient } from '../generated/prisma-postgresql/client';
import { migratePostgres, migrateSqlite } from './migrator';
import { PrismaService } from './prisma.service';
import { PostgresDatabase, SqlDatabase, SqliteDatabase } from './sql-database';
import { Transactions } from './transactions';

/** Opens the configured database, applies pending migrations, then builds Prisma on top of it. */
async function openDatabase(config: AppConfig): Promise<SqlDatabase> {
  const logger = new Logger('Database');
  const { database } = config;
  if (database.provider === 'postgresql') {
    const postgres = PostgresDatabase.open(database.url);
    const applied = await migratePostgres(postgres.pool);
    if (applied.length) logger.log(`applied migrations: ${applied.join(', ')}`);
    return postgres;
  }
  mkdirSync(dirname(database.sqlitePath!), { recursive: true });
  const sqlite = SqliteDatabase.open(database.sqlitePath!);
  const applied = migrateSqlite(sqlite.db);
  if (applied.length) logger.log(`applied migrations: ${applied.join(', ')}`);
  return sqlite;
}

function createPrisma(config: AppConfig, sql: SqlDatabase): PrismaService {
  if (sql instanceof PostgresDatabase) {
    // One pool for Prisma and the raw hot path; Tessera closes it, not Prisma.
    const adapter = new PrismaPg(sql.pool, { disposeExternalPool: false });
    return new PostgresPrismaClient({ adapter }) as unknown as PrismaService;
  }
  const adapter = new PrismaBetterSQLite3({ url: config.database.url, timeout: 5000 });
  return new SqlitePrismaClient({ adapter });
}

@Global()
@Module({
  providers: [
    { provide: SqlDatabase, inject: [APP_CONFIG], useFactory: openDatabase },
    { provide: PrismaService, inject: [APP_CONFIG, SqlDatabase], useFactory: createPrisma },
    Transactions,
  ],
  exports: [SqlDatabase, PrismaService, Transactions],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(SqlDatabase) private readonly sql: SqlDatabase,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
    await this.sql.close();
  }
}
