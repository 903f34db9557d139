import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';

@Injectable()
export class ServiceAccountsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** A token that is neither revoked nor expired, with its account. */
  findLiveToken(id: string) {
    return this.prisma.serviceAccountToken.findFirst({
      where: { id, revokedAt: null, validUntil: { gt: new Date() } },
      include: { serviceAccount: true },
    });
  }
}
