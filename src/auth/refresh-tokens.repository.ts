import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import { SqlDatabase } from '../database/sql-database';

@Injectable()
export class RefreshTokensRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly sql: SqlDatabase,
  ) {}

  /** Raw SQL, as UsersRepository.findByEmail: one of these per login and refresh. */
  async create(token: { id: string; userId: string; familyId: string; expiresAt: Date }): Promise<void> {
    await this.sql.execute('INSERT INTO "RefreshToken" ("id", "userId", "familyId", "expiresAt", "createdAt") VALUES ($1, $2, $3, $4, $5)', [
      token.id,
      token.userId,
      token.familyId,
      token.expiresAt,
      new Date(),
    ]);
  }

  findById(id: string) {
    return this.prisma.refreshToken.findUnique({ where: { id } });
  }

  /** Marks a token as used by rotation; false when another request rotated it first. */
  async markRotated(id: string): Promise<boolean> {
    const { count } = await this.prisma.refreshToken.updateMany({ where: { id, rotatedAt: null, revokedAt: null }, data: { rotatedAt: new Date() } });
    return count === 1;
  }

  revoke(id: string) {
    return this.prisma.refreshToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  }

  revokeFamily(familyId: string) {
    return this.prisma.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: new Date() } });
  }

  revokeAllOfUser(userId: string) {
    return this.prisma.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
  }
}
