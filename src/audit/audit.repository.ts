import { Injectable } from '@nestjs/common';
import { newId } from '../common/ids';
import { PrismaService } from '../database/prisma.service';
import { Statement } from '../database/sql-database';
import { clientOf, Transaction } from '../database/transactions';
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

  /** Pass the transaction so the event commits (or not) with the change it describes. */
  insert(entry: AuditEntry, tx?: Transaction) {
    return clientOf(this.prisma, tx).auditEvent.create({ data: toRow(entry) });
  }

  /** The insert as a statement for another repository's SqlDatabase batch that writes the change it describes. */
  insertStatement(entry: AuditEntry): Statement {
    const row = toRow(entry);
    return {
      sql: `INSERT INTO "AuditEvent" ("id", "projectId", "actorType", "actorId", "action", "resourceType", "resourceId", "outcome", "requestId", "details", "createdAt")
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      params: [
        row.id,
        row.projectId,
        row.actorType,
        row.actorId,
        row.action,
        row.resourceType,
        row.resourceId,
        row.outcome,
        row.requestId,
        row.details,
        row.createdAt,
      ],
    };
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

function toRow(entry: AuditEntry) {
  return {
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
  };
}
