import { Body, Controller, Header, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiStackitErrors } from '../../common/api-errors.decorator';
import { CurrentPrincipal, Principal } from '../../common/principal';
import { IntrospectionRequest, IntrospectionResponse } from './introspection.dto';
import { IntrospectionService } from './introspection.service';

@ApiTags('instance tokens')
@ApiBearerAuth()
@ApiStackitErrors(400, 401)
@Controller('v1/introspect')
export class IntrospectionController {
  constructor(private readonly introspection: IntrospectionService) {}

  @Post()
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiOperation({
    operationId: 'IntrospectToken',
    summary: 'RFC 7662 token introspection of instance tokens. `active` is true only for a live token in a project the caller may read.',
  })
  introspect(@CurrentPrincipal() caller: Principal, @Body() body: IntrospectionRequest): Promise<IntrospectionResponse> {
    return this.introspection.introspect(caller, body.token);
  }
}
