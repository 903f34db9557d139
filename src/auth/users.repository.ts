import { Injectable } from '@nestjs/common';
import { newId } from '../common/ids';
import { PrismaService } from '../database/prisma.service';
import { columns } from '../database/rows';
import { SqlDatabase } from '../database/sql-database';

/** What a login needs of a user. */
export interface UserCredentials {
  id: string;
  email: string;
  passwordHash: string;
  isAdmin: boolean;
  disabledAt: Date | null;
}

const CREDENTIALS = columns({ id: 'text', email: 'text', passwordHash: 'text', isAdmin: 'bool', disabledAt: 'date?' });

export interface NewUser {
  email: string;
  passwordHash: string;
  isAdmin: boolean;
}

@Injectable()
export class UsersRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly sql: SqlDatabase,
  ) {}

  count() {
    return this.prisma.user.count();
  }

  /** Creates the user, who takes over the memberships added for their email before the account existed. */
  async create(user: NewUser) {
    const id = newId();
    const [created] = await this.prisma.$transaction([
      this.prisma.user.create({ data: { id, ...user } }),
      this.prisma.projectMember.updateMany({ where: { pendingEmail: user.email }, data: { userId: id, pendingEmail: null } }),
    ]);
    return created;
  }

  findById(id: string) {
    return this.prisma.user.findUnique({ where: { id } });
  }

  /**
   * Raw SQL: every login asks this, and through Prisma its query compiler takes event-loop time
   * from token verification while logins run.
   */
  findByEmail(email: string): Promise<UserCredentials | undefined> {
    return this.sql.selectOne(CREDENTIALS, 'SELECT "id", "email", "passwordHash", "isAdmin", "disabledAt" FROM "User" WHERE "email" = $1', [email]);
  }

  list() {
    return this.prisma.user.findMany({ orderBy: { createdAt: 'asc' } });
  }

  update(id: string, data: { isAdmin?: boolean; disabledAt?: Date | null; passwordHash?: string; tokensValidAfter?: Date }) {
    return this.prisma.user.update({ where: { id }, data });
  }
}
