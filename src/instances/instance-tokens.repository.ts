import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { PrismaService } from '../database/prisma.service';
import { InstanceScope } from './instances.repository';

/** Where a token lives; every query carries all of it, so an id from elsewhere finds nothing. */
export interface TokenScope extends InstanceScope {
  instanceId: string;
}

export interface NewInstanceToken {
  id: string;
  name: string;
  description: string | null;
  labels: string | null;
  tokenHash: string;
  validUntil: Date;
  createdBy: string;
}

export interface TokenChanges {
  name?: string;
  description?: string | null;
  labels?: string | null;
}

@Injectable()
export class InstanceTokensRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(scope: TokenScope, token: NewInstanceToken, db: Db) {
    return db.instanceToken.create({ data: { ...token, ...scope } });
  }

  list(scope: TokenScope) {
    return this.prisma.instanceToken.findMany({ where: scope, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  find(scope: TokenScope, id: string, db: Db = this.prisma) {
    return db.instanceToken.findFirst({ where: { ...scope, id } });
  }

  /** Takes the row lock inside the caller's transaction (PostgreSQL); false when there is no such token. */
  async lock(scope: TokenScope, id: string, db: Db): Promise<boolean> {
    const { count } = await db.instanceToken.updateMany({ where: { ...scope, id }, data: { updatedAt: new Date() } });
    return count === 1;
  }

  update(scope: TokenScope, id: string, changes: TokenChanges, db: Db) {
    return db.instanceToken.updateMany({ where: { ...scope, id }, data: changes });
  }

  async delete(scope: TokenScope, id: string, db: Db): Promise<boolean> {
    const { count } = await db.instanceToken.deleteMany({ where: { ...scope, id } });
    return count === 1;
  }

  deleteAllOfInstance(scope: TokenScope, db: Db) {
    return db.instanceToken.deleteMany({ where: scope });
  }
}
