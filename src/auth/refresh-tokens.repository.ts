import { Injectable } from '@nestjs/common';
import { AuditEntry } from '../audit/audit-actions';
import { AuditRepository } from '../audit/audit.repository';
import { columns } from '../database/rows';
import { SqlDatabase } from '../database/sql-database';

const REFRESH_TOKEN = columns({ id: 'text', userId: 'text', familyId: 'text', expiresAt: 'date', revokedAt: 'date?', rotatedAt: 'date?' });

/** Raw SQL, as UsersRepository.findByEmail: one or two of these per login and refresh. */
@Injectable()
export class RefreshTokensRepository {
  constructor(
    private readonly sql: SqlDatabase,
    private readonly audit: AuditRepository,
  ) {}

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
    return this.sql.selectOne(REFRESH_TOKEN, 'SELECT "id", "userId", "familyId", "expiresAt", "revokedAt", "rotatedAt" FROM "RefreshToken" WHERE "id" = $1', [
      id,
    ]);
  }

  /** Marks a token as used by rotation; false when another request rotated it first. */
  async markRotated(id: string): Promise<boolean> {
    const changed = await this.sql.execute('UPDATE "RefreshToken" SET "rotatedAt" = $1 WHERE "id" = $2 AND "rotatedAt" IS NULL AND "revokedAt" IS NULL', [
      new Date(),
      id,
    ]);
    return changed === 1;
  }

  revoke(id: string): Promise<void> {
    return this.revokeWhere('id', id);
  }

  revokeFamily(familyId: string): Promise<void> {
    return this.revokeWhere('familyId', familyId);
  }

  revokeAllOfUser(userId: string): Promise<void> {
    return this.revokeWhere('userId', userId);
  }

  /**
   * Revokes the live family of the token `id` with its audit event, in one batch: whoever holds a
   * leaked refresh token may have rotated it already. False when the family was not live.
   */
  revokeLeakedFamily(id: string, event: AuditEntry): Promise<boolean> {
    return this.sql.batch([
      {
        sql: `UPDATE "RefreshToken" SET "revokedAt" = $1
              WHERE "familyId" = (SELECT "familyId" FROM "RefreshToken" WHERE "id" = $2) AND "revokedAt" IS NULL AND "expiresAt" > $1`,
        params: [new Date(), id],
        required: true,
      },
      this.audit.insertStatement(event),
    ]);
  }

  private async revokeWhere(column: 'id' | 'familyId' | 'userId', value: string): Promise<void> {
    await this.sql.execute(`UPDATE "RefreshToken" SET "revokedAt" = $1 WHERE "${column}" = $2 AND "revokedAt" IS NULL`, [new Date(), value]);
  }
}
