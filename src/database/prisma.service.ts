import { PrismaClient as SqlitePrismaClient } from '../generated/prisma-sqlite/client';

/**
 * The Prisma client of this process (one per process). Both generated clients (SQLite and
 * PostgreSQL) expose the same model API; the SQLite one names the type, and DatabaseModule
 * constructs whichever the configured provider needs. Repositories are its only users.
 */
export abstract class PrismaService extends SqlitePrismaClient {}

export type { Prisma } from '../generated/prisma-sqlite/client';
