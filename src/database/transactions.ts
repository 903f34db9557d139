import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from './prisma.service';

declare const open: unique symbol;

/**
 * An open transaction as services see it: a handle to pass to repository methods, nothing to query
 * with. Prisma repositories turn it back into a client with `clientOf`, raw-SQL ones into
 * statements with `SqlDatabase.within`.
 */
export interface Transaction {
  readonly [open]: true;
}

/** The Prisma client, or the client of an interactive transaction: what a repository queries. */
export type Db = PrismaService | Prisma.TransactionClient;

/** The caller's transaction when there is one, else the shared client. */
export function clientOf(prisma: PrismaService, tx?: Transaction): Db {
  return tx ? transactionClient(tx) : prisma;
}

/** The interactive transaction's client behind the handle. */
export function transactionClient(tx: Transaction): Prisma.TransactionClient {
  return tx as unknown as Prisma.TransactionClient;
}

/** Generous: on SQLite every transaction queues behind the one connection. */
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 20_000 };

/**
 * The unit of work: services run a change and its audit event in one transaction by handing `tx`
 * to each repository call, without seeing the database client.
 */
@Injectable()
export class Transactions {
  constructor(private readonly prisma: PrismaService) {}

  run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.prisma.$transaction((client) => work(client as unknown as Transaction), TRANSACTION_OPTIONS);
  }
}
