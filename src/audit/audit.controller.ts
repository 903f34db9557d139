import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiStackitErrors } from '../common/api-errors.decorator';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { CurrentPrincipal, Principal } from '../common/principal';
import { AuditService } from './audit.service';
import { ListAuditEventsQuery, ListAuditEventsResponse } from './dto/audit-event.dto';

@ApiTags('audit')
@ApiBearerAuth()
@ApiStackitErrors(400, 401, 403, 404)
@Controller(['v1/projects/:projectId/audit-events', 'v1alpha/projects/:projectId/audit-events'])
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiParam({ name: 'projectId', type: String, format: 'uuid' })
  @ApiOperation({
    operationId: 'ListAuditEvents',
    summary: 'Who created, changed or deleted instances and tokens, and rejected uses of tokens (project readers).',
  })
  list(
    @CurrentPrincipal() principal: Principal,
    @Param('projectId', ParseIdPipe) projectId: string,
    @Query() query: ListAuditEventsQuery,
  ): Promise<ListAuditEventsResponse> {
    return this.audit.list(principal, projectId, query);
  }
}
