import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import { clientOf, Transaction } from '../database/transactions';

/** Where an instance lives; every query carries all of it. */
export interface InstanceScope {
  projectId: string;
  region: string;
}

export interface NewInstance {
  id: string;
  name: string;
  description: string | null;
  labels: string | null;
  deletedExperimentRetention: string | null;
}

export interface InstanceChanges {
  name?: string;
  description?: string | null;
  labels?: string | null;
  deletedExperimentRetention?: string;
}

const live = (scope: InstanceScope, id: string) => ({ id, projectId: scope.projectId, region: scope.region, deletedAt: null });

@Injectable()
export class InstancesRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(scope: InstanceScope, instance: NewInstance, tx: Transaction) {
    return clientOf(this.prisma, tx).instance.create({ data: { ...instance, ...scope, state: 'active' } });
  }

  list(scope: InstanceScope) {
    return this.prisma.instance.findMany({ where: { ...scope, deletedAt: null }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  find(scope: InstanceScope, id: string, tx?: Transaction) {
    return clientOf(this.prisma, tx).instance.findFirst({ where: live(scope, id) });
  }

  /**
   * Writes to the instance row inside the caller's transaction, which locks it on PostgreSQL: a
   * token created under this lock cannot slip past a concurrent delete of the instance. False
   * when the instance does not exist (anymore).
   */
  async lockLive(scope: InstanceScope, id: string, tx: Transaction): Promise<boolean> {
    const { count } = await clientOf(this.prisma, tx).instance.updateMany({ where: live(scope, id), data: { updatedAt: new Date() } });
    return count === 1;
  }

  update(scope: InstanceScope, id: string, changes: InstanceChanges, tx: Transaction) {
    return clientOf(this.prisma, tx).instance.updateMany({ where: live(scope, id), data: changes });
  }

  /** Soft delete: the row stays for the audit trail, but every read treats it as gone. */
  async markDeleted(scope: InstanceScope, id: string, tx: Transaction): Promise<boolean> {
    const { count } = await clientOf(this.prisma, tx).instance.updateMany({ where: live(scope, id), data: { deletedAt: new Date(), state: 'deleting' } });
    return count === 1;
  }
}
