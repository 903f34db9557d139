import { Injectable } from '@nestjs/common';
import { newId } from '../common/ids';
import { columns } from '../database/rows';
import { SqlDatabase, Statement } from '../database/sql-database';
import { Transaction } from '../database/transactions';
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

const EVENT_ROW = columns({
  id: 'text',
  projectId: 'text?',
  actorType: 'text',
  actorId: 'text',
  action: 'text',
  resourceType: 'text',
  resourceId: 'text?',
  outcome: 'text',
  requestId: 'text?',
  details: 'text?',
  createdAt: 'date',
});

/**
 * Raw SQL throughout: an event is written in other repositories' raw batches (`insertStatement`,
 * the token create) as well as in service transactions, so one statement serves every writer.
 */
@Injectable()
export class AuditRepository {
  constructor(private readonly sql: SqlDatabase) {}

  /** Pass the transaction so the event commits (or not) with the change it describes. */
  async insert(entry: AuditEntry, tx?: Transaction): Promise<void> {
    const { sql, params } = this.insertStatement(entry);
    await this.sql.within(tx).execute(sql, params);
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
    const conditions = ['"projectId" = $1'];
    const params: unknown[] = [filter.projectId];
    const where = (condition: (next: string) => string, value: unknown) => {
      params.push(value);
      conditions.push(condition(`$${params.length}`));
    };
    if (filter.action !== undefined) where((p) => `"action" = ${p}`, filter.action);
    if (filter.resourceId !== undefined) where((p) => `"resourceId" = ${p}`, filter.resourceId);
    if (filter.since !== undefined) where((p) => `"createdAt" >= ${p}`, filter.since);
    if (filter.until !== undefined) where((p) => `"createdAt" < ${p}`, filter.until);
    if (filter.after) {
      params.push(filter.after.createdAt, filter.after.id);
      const [at, id] = [`$${params.length - 1}`, `$${params.length}`];
      conditions.push(`("createdAt" < ${at} OR ("createdAt" = ${at} AND "id" < ${id}))`);
    }
    params.push(filter.limit);
    return this.sql.select(
      EVENT_ROW,
      `SELECT "id", "projectId", "actorType", "actorId", "action", "resourceType", "resourceId", "outcome", "requestId", "details", "createdAt"
       FROM "AuditEvent" WHERE ${conditions.join(' AND ')} ORDER BY "createdAt" DESC, "id" DESC LIMIT $${params.length}`,
      params,
    );
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
