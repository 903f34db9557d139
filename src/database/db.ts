import { Prisma, PrismaService } from './prisma.service';

/** The Prisma client, or the client of an interactive transaction: repositories accept either. */
export type Db = PrismaService | Prisma.TransactionClient;
