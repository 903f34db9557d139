import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../database/prisma.service';
import { clientOf, Transaction } from '../../database/transactions';

export interface NewExternalToken {
  id: string;
  prefixId: number;
  modelId: number | null;
  name: string;
  tokenHash: string;
  claims: string | null;
  expiresAt: Date;
  createdBy: string;
  /** Set when the token is made by rotating another. */
  rotatedFrom?: string;
}

@Injectable()
export class ExternalTokensRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(token: NewExternalToken, tx?: Transaction) {
    return clientOf(this.prisma, tx).externalApiToken.create({ data: token });
  }

  /**
   * Points a live token at its successor and shortens it to `expiresAt`, unless it was revoked or
   * rotated meanwhile (false then): of two concurrent rotations only one writes.
   */
  async markRotated(id: string, successorId: string, expiresAt: Date, tx: Transaction): Promise<boolean> {
    const { count } = await clientOf(this.prisma, tx).externalApiToken.updateMany({
      where: { id, rotatedTo: null, revokedAt: null },
      data: { rotatedTo: successorId, expiresAt },
    });
    return count === 1;
  }

  /** Tokens of the given prefixes (undefined: every prefix), optionally of one model. */
  list(filter: { prefixIds?: number[]; modelId?: number }) {
    return this.prisma.externalApiToken.findMany({
      where: { prefixId: filter.prefixIds ? { in: filter.prefixIds } : undefined, modelId: filter.modelId },
      orderBy: { createdAt: 'asc' },
    });
  }

  findById(id: string) {
    return this.prisma.externalApiToken.findUnique({ where: { id } });
  }

  /** Marks the token revoked unless it already is; false when it was. */
  async revoke(id: string): Promise<boolean> {
    const { count } = await this.prisma.externalApiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
    return count === 1;
  }

  /** Revokes the live tokens whose content hashes to one of `hashes`, in the caller's transaction; returns those it revoked. */
  async revokeLeaked(hashes: string[], tx: Transaction) {
    const db = clientOf(this.prisma, tx);
    const now = new Date();
    const live = await db.externalApiToken.findMany({
      where: { tokenHash: { in: hashes }, revokedAt: null, expiresAt: { gt: now } },
      select: { id: true, name: true, prefixId: true, modelId: true },
    });
    const revoked: typeof live = [];
    for (const token of live) {
      const { count } = await db.externalApiToken.updateMany({ where: { id: token.id, revokedAt: null }, data: { revokedAt: now } });
      if (count === 1) revoked.push(token);
    }
    return revoked;
  }
}
