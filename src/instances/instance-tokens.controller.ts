import { Body, Controller, Get, Header, HttpCode, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../audit/caller';
import { ApiStackitErrors } from '../common/api-errors.decorator';
import { Idempotent } from '../idempotency/idempotent.decorator';
import {
  CreateInstanceTokenPayload,
  CreateInstanceTokenResponse,
  DeleteInstanceTokenResponse,
  GetInstanceTokenResponse,
  ListInstanceTokensQuery,
  ListInstanceTokensResponse,
  PartialUpdateInstanceTokenPayload,
  PartialUpdateInstanceTokenResponse,
  RotateInstanceTokenPayload,
  RotateInstanceTokenResponse,
} from './dto/instance-token.dto';
import { InstanceTokensService } from './instance-tokens.service';
import { ApiRegionParam, ApiUuidParams, StackitItemRoute } from './api-params';
import { InstancePath, InstanceScope, TokenPath } from './instance-scope.decorator';

@ApiTags('instance tokens')
@ApiBearerAuth()
@ApiStackitErrors(400, 401, 403, 404)
@ApiUuidParams('projectId', 'instanceId')
@ApiRegionParam()
@Controller([
  'v1/projects/:projectId/regions/:regionId/instances/:instanceId/tokens',
  'v1alpha/projects/:projectId/regions/:regionId/instances/:instanceId/tokens',
])
export class InstanceTokensController {
  constructor(private readonly tokens: InstanceTokensService) {}

  @Get()
  // The service answers with the serialized body (cached per instance); Fastify sends a Buffer as it is.
  @Header('content-type', 'application/json; charset=utf-8')
  @ApiOkResponse({ type: ListInstanceTokensResponse })
  @ApiOperation({
    operationId: 'ListInstanceTokens',
    summary:
      'List the tokens of an instance, expired ones included as `inactive` (project readers). Tessera extensions: filters, `sort`, `pageSize` and `cursor`; with any of them the answer is one page and `nextCursor`.',
  })
  list(@CurrentCaller() caller: Caller, @InstanceScope() scope: InstancePath, @Query() query: ListInstanceTokensQuery): Promise<Buffer> {
    return this.tokens.list(caller, scope, query);
  }

  @Post()
  @HttpCode(202)
  @Header('cache-control', 'no-store')
  @Idempotent()
  // Explicit because method-level error responses replace the inferred success response.
  @ApiAcceptedResponse({ type: CreateInstanceTokenResponse })
  @ApiOperation({ operationId: 'CreateInstanceToken', summary: 'Create a token (project editors). Its `content` is the secret and is returned only here.' })
  async create(
    @CurrentCaller() caller: Caller,
    @InstanceScope() scope: InstancePath,
    @Body() body: CreateInstanceTokenPayload,
  ): Promise<CreateInstanceTokenResponse> {
    return { message: 'successfully created instance token', token: await this.tokens.create(caller, scope, body) };
  }

  @StackitItemRoute('GET', 'tokenId', { operationId: 'GetInstanceToken', summary: 'Get the metadata of a token (project readers).' })
  async get(@CurrentCaller() caller: Caller, @InstanceScope() scope: TokenPath): Promise<GetInstanceTokenResponse> {
    return { message: 'successfully fetched instance token', token: await this.tokens.get(caller, scope, scope.tokenId) };
  }

  @StackitItemRoute('PATCH', 'tokenId', {
    operationId: 'PartialUpdateInstanceToken',
    summary: 'Change name, description or labels (`null` removes a label) (project editors).',
  })
  async update(
    @CurrentCaller() caller: Caller,
    @InstanceScope() scope: TokenPath,
    @Body() body: PartialUpdateInstanceTokenPayload,
  ): Promise<PartialUpdateInstanceTokenResponse> {
    return { message: 'successfully updated instance token', token: await this.tokens.update(caller, scope, scope.tokenId, body) };
  }

  @Post(':tokenId/rotate')
  @HttpCode(202)
  @Header('cache-control', 'no-store')
  @Idempotent()
  @ApiUuidParams('tokenId')
  @ApiAcceptedResponse({ type: RotateInstanceTokenResponse })
  @ApiOperation({
    operationId: 'RotateInstanceToken',
    summary:
      'Tessera extension: replace a token with a new one of the same name, description and labels (project editors). ' +
      'The old token keeps working until `gracePeriod` has passed (default 0: it stops at once), never beyond its own `validUntil`; ' +
      'a token is rotated once, a second rotate is a 409 naming its successor.',
  })
  async rotate(
    @CurrentCaller() caller: Caller,
    @InstanceScope() scope: TokenPath,
    @Body() body: RotateInstanceTokenPayload,
  ): Promise<RotateInstanceTokenResponse> {
    return { message: 'successfully rotated instance token', token: await this.tokens.rotate(caller, scope, scope.tokenId, body) };
  }

  @StackitItemRoute('DELETE', 'tokenId', {
    operationId: 'DeleteInstanceToken',
    summary: 'Delete a token (project editors): it stops opening the instance before this response is sent.',
  })
  async delete(@CurrentCaller() caller: Caller, @InstanceScope() scope: TokenPath): Promise<DeleteInstanceTokenResponse> {
    return { message: 'successfully deleted instance token', token: await this.tokens.delete(caller, scope, scope.tokenId) };
  }
}
