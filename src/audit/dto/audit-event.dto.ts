import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AUDIT_ACTIONS, type AuditAction } from '../audit-actions';

export class ListAuditEventsQuery {
  @ApiProperty({ enum: AUDIT_ACTIONS, required: false })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: AuditAction;

  /** Only events about this resource (an instance or token id). */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  resourceId?: string;

  /** Only events at or after this time (RFC 3339). */
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  /** Only events before this time (RFC 3339). */
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

  /** Events per page, 1 to 100 (default 50). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;

  /** `nextCursor` of the previous page. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class AuditActor {
  /**
   * `user`, `service-account`, `instance-token` (a token presented at verification), or
   * `anonymous` (whoever reported a leaked token; `id` is their address).
   */
  type: string;
  id: string;
}

export class AuditResource {
  /** `instance`, `instance-token`, `service-account-token`, `external-token` or `refresh-token`. */
  type: string;
  id?: string;
}

export class AuditEvent {
  id: string;
  /** When it happened. */
  time: Date;
  actor: AuditActor;
  @ApiProperty({ enum: AUDIT_ACTIONS })
  action: string;
  resource: AuditResource;
  /** `success`, or `denied` for a rejected use of a token. */
  outcome: string;
  /** The `X-Request-Id` of the request that caused it. */
  requestId?: string;
  /** E.g. `{"reason": "expired"}` for a rejected verification. */
  details?: Record<string, unknown>;
}

export class ListAuditEventsResponse {
  /** Newest first. */
  events: AuditEvent[];
  /** Pass as `cursor` to get the next page; absent on the last page. */
  nextCursor?: string;
}
