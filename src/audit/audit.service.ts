import { Injectable, Logger } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { AppError } from '../common/app-error';
import { Principal } from '../common/principal';
import { ProjectAccessService } from '../projects/project-access.service';
import { AuditEntry } from './audit-actions';
import { Transaction } from '../database/transactions';
import { AuditRepository } from './audit.repository';
import { AuditEvent, ListAuditEventsQuery, ListAuditEventsResponse } from './dto/audit-event.dto';

type EventRow = Awaited<ReturnType<AuditRepository['list']>>[number];

/** A folded event (e.g. a denial of the same token for the same reason) is recorded at most once per window. */
const FOLD_WINDOW_MS = 60_000;
const FOLD_MEMORY = 10_000;

@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');
  private readonly recentlyFolded = new Map<string, number>();

  constructor(
    private readonly events: AuditRepository,
    private readonly access: ProjectAccessService,
  ) {}

  /** Records an event; pass the transaction so the event commits (or not) with the change it describes. */
  async record(entry: AuditEntry, tx?: Transaction): Promise<void> {
    await this.events.insert(entry, tx);
  }

  /**
   * Records a rejected use of a token off the request path. Repeats (a client retrying an expired
   * token in a loop) are folded so they cannot flood the table.
   */
  recordDenial(entry: AuditEntry): void {
    this.recordFolded(entry, `${entry.actor.id}|${String(entry.details?.reason)}`);
  }

  /**
   * Records an event off the request path, at most once per `key` (and action) per window: for
   * events a request may cause at gateway rates (a denial, a token seen from a new address).
   */
  recordFolded(entry: AuditEntry, foldKey: string): void {
    const key = `${entry.action}|${foldKey}`;
    const now = Date.now();
    const last = this.recentlyFolded.get(key);
    if (last !== undefined && now - last < FOLD_WINDOW_MS) return;
    if (this.recentlyFolded.size >= FOLD_MEMORY) this.recentlyFolded.clear();
    this.recentlyFolded.set(key, now);
    this.events.insert(entry).catch((error: Error) => this.logger.error(`could not record ${entry.action}: ${error.message}`));
  }

  async list(principal: Principal, projectId: string, query: ListAuditEventsQuery): Promise<ListAuditEventsResponse> {
    await this.access.require(principal, projectId, 'reader');
    const pageSize = query.pageSize ?? 50;
    const rows = await this.events.list({
      projectId,
      action: query.action,
      resourceId: query.resourceId,
      since: query.since ? new Date(query.since) : undefined,
      until: query.until ? new Date(query.until) : undefined,
      after: query.cursor ? decodeCursor(query.cursor) : undefined,
      limit: pageSize + 1,
    });
    const page = rows.slice(0, pageSize);
    const last = page[page.length - 1];
    return { events: page.map(toEvent), ...(rows.length > pageSize ? { nextCursor: encodeCursor(last) } : {}) };
  }
}

function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.getTime()}.${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [ms, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('.');
  const time = Number(ms);
  if (!Number.isSafeInteger(time) || !isUUID(id ?? '')) throw AppError.badRequest('cursor: not a cursor returned by this endpoint', 'invalid');
  return { createdAt: new Date(time), id };
}

function toEvent(row: EventRow): AuditEvent {
  return {
    id: row.id,
    time: row.createdAt,
    actor: { type: row.actorType, id: row.actorId },
    action: row.action,
    resource: { type: row.resourceType, ...(row.resourceId ? { id: row.resourceId } : {}) },
    outcome: row.outcome,
    ...(row.requestId ? { requestId: row.requestId } : {}),
    ...(row.details ? { details: JSON.parse(row.details) as Record<string, unknown> } : {}),
  };
}
