import { Injectable } from '@nestjs/common';
import { newId } from '../common/ids';
import { PrismaService } from '../database/prisma.service';

/** `statusCode` 0 marks a record whose request is still running: the row is the lock. */
export const PENDING = 0;

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Inserts a pending record; undefined when (scope, key) is already taken. */
  async claim(scope: string, key: string, requestHash: string, lockedUntil: Date): Promise<string | undefined> {
    const id = newId();
    try {
      await this.prisma.idempotencyRecord.create({
        data: { id, scope, key, requestHash, statusCode: PENDING, responseSealed: '', expiresAt: lockedUntil },
      });
      return id;
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') return undefined;
      throw error;
    }
  }

  find(scope: string, key: string) {
    return this.prisma.idempotencyRecord.findUnique({ where: { scope_key: { scope, key } } });
  }

  complete(id: string, statusCode: number, responseSealed: string, expiresAt: Date) {
    return this.prisma.idempotencyRecord.update({ where: { id }, data: { statusCode, responseSealed, expiresAt } });
  }

  /** Drops a pending record so the same key can be retried after a failure. */
  release(id: string) {
    return this.prisma.idempotencyRecord.deleteMany({ where: { id, statusCode: PENDING } });
  }

  /** Deletes one record if it has expired (compare-and-delete, so a fresh claim is never lost). */
  deleteIfExpired(id: string, now: Date) {
    return this.prisma.idempotencyRecord.deleteMany({ where: { id, expiresAt: { lte: now } } });
  }

  purgeExpired(now: Date) {
    return this.prisma.idempotencyRecord.deleteMany({ where: { expiresAt: { lte: now } } });
  }
}
