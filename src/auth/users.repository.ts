import { Injectable } from '@nestjs/common';
import { newId } from '../common/ids';
import { columns } from '../database/rows';
import { assignments, SqlDatabase } from '../database/sql-database';

/** What a login needs of a user. */
export interface UserCredentials {
  id: string;
  email: string;
  passwordHash: string;
  isAdmin: boolean;
  disabledAt: Date | null;
}

/** A user's whole row. */
export interface UserRow extends UserCredentials {
  createdAt: Date;
  updatedAt: Date;
  tokensValidAfter: Date | null;
}

const CREDENTIALS = columns({ id: 'text', email: 'text', passwordHash: 'text', isAdmin: 'bool', disabledAt: 'date?' });
const USER_ROW = columns({
  id: 'text',
  email: 'text',
  passwordHash: 'text',
  isAdmin: 'bool',
  disabledAt: 'date?',
  createdAt: 'date',
  updatedAt: 'date',
  tokensValidAfter: 'date?',
});
const SELECT_USER = 'SELECT "id", "email", "passwordHash", "isAdmin", "disabledAt", "createdAt", "updatedAt", "tokensValidAfter" FROM "User"';
const COUNT = columns({ count: 'int' });

export interface NewUser {
  email: string;
  passwordHash: string;
  isAdmin: boolean;
}

export interface UserChanges {
  isAdmin?: boolean;
  disabledAt?: Date | null;
  passwordHash?: string;
  tokensValidAfter?: Date;
}

/** The columns `update` may set, in the order its statement lists them. */
const CHANGEABLE = ['isAdmin', 'disabledAt', 'passwordHash', 'tokensValidAfter'] as const;

/**
 * Raw SQL throughout: every login reads a user by email, and through Prisma its query compiler
 * takes event-loop time from token verification while logins run.
 */
@Injectable()
export class UsersRepository {
  constructor(private readonly sql: SqlDatabase) {}

  async count(): Promise<number> {
    return (await this.sql.selectOne(COUNT, 'SELECT COUNT(*) AS "count" FROM "User"'))!.count;
  }

  /**
   * Creates the user, who takes over the memberships added for their email before the account
   * existed. Undefined, and nothing written, when a user has that email already.
   */
  async create(user: NewUser): Promise<UserRow | undefined> {
    const now = new Date();
    const created: UserRow = { id: newId(), ...user, disabledAt: null, createdAt: now, updatedAt: now, tokensValidAfter: null };
    const written = await this.sql.batch([
      {
        sql: `INSERT INTO "User" ("id", "email", "passwordHash", "isAdmin", "createdAt", "updatedAt") VALUES ($1, $2, $3, $4, $5, $5)
              ON CONFLICT ("email") DO NOTHING`,
        params: [created.id, user.email, user.passwordHash, user.isAdmin, now],
        required: true,
      },
      { sql: 'UPDATE "ProjectMember" SET "userId" = $1, "pendingEmail" = NULL WHERE "pendingEmail" = $2', params: [created.id, user.email] },
    ]);
    return written ? created : undefined;
  }

  findById(id: string): Promise<UserRow | undefined> {
    return this.sql.selectOne(USER_ROW, `${SELECT_USER} WHERE "id" = $1`, [id]);
  }

  findByEmail(email: string): Promise<UserCredentials | undefined> {
    return this.sql.selectOne(CREDENTIALS, 'SELECT "id", "email", "passwordHash", "isAdmin", "disabledAt" FROM "User" WHERE "email" = $1', [email]);
  }

  list(): Promise<UserRow[]> {
    return this.sql.select(USER_ROW, `${SELECT_USER} ORDER BY "createdAt", "id"`);
  }

  /** Sets the changes that are not undefined; the user as it is then, or undefined when there is none. */
  async update(id: string, changes: UserChanges): Promise<UserRow | undefined> {
    const set = assignments(CHANGEABLE, changes, 3);
    await this.sql.execute(`UPDATE "User" SET ${['"updatedAt" = $2', ...set.sql].join(', ')} WHERE "id" = $1`, [id, new Date(), ...set.params]);
    return this.findById(id);
  }
}
