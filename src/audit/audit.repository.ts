import { Injectable } from '@nestjs/common';
import { newId } from '../common/ids';
import { Db } from '../database/db';
import { PrismaService } from '../database/prisma.service';
import { AuditAction, AuditEntry } from './audit-actions';

export interface AuditFilter {
  projectId: string;
  action?: AuditAction;
  resourceId?: string;
  since?: Date;
  until?: Date;
  /** Keyset position: events strictly older than this one. */
  after?: { createdAt: Date; id: string };
  limit: number;
}

@Injectable()
export class AuditRepository {
  constructor(private readonly prisma: PrismaService) {}

  insert(entry: AuditEntry, db: Db = this.prisma) {
    return db.auditEvent.create({
      data: {
        id: newId(),
        projectId: entry.projectId,
        actorType: entry.actor.type,
        actorId: entry.actor.id,
        action: entry.action,
        resourceType: entry.resource.type,
        resourceId: entry.resource.id,
        outcome: entry.outcome,
        requestId: entry.requestId ?? null,
        details: entry.details ? JSON.stringify(entry.details) : null,
        createdAt: new Date(),
      },
    });
  }

  /** Newest first; ties on the timestamp are ordered by id so pages never overlap or skip. */
  list(filter: AuditFilter) {
    const { after } = filter;
    return this.prisma.auditEvent.findMany({
      where: {
        projectId: filter.projectId,
        action: filter.action,
        resourceId: filter.resourceId,
        createdAt: { gte: filter.since, lt: filter.until },
        ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: filter.limit,
    });
  }
}
