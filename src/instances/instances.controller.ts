import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../audit/caller';
import { ApiStackitErrors } from '../common/api-errors.decorator';
import { Idempotent } from '../idempotency/idempotent.decorator';
import {
  CreateInstancePayload,
  CreateInstanceResponse,
  DeleteInstanceResponse,
  GetInstanceResponse,
  ListInstancesResponse,
  PartialUpdateInstancePayload,
  PartialUpdateInstanceResponse,
} from './dto/instance.dto';
import { InstancesService } from './instances.service';
import { ApiRegionParam, ApiUuidParams, StackitItemRoute } from './api-params';
import { InstancePath, InstanceScope, RegionPath } from './instance-scope.decorator';

@ApiTags('instances')
@ApiBearerAuth()
@ApiStackitErrors(400, 401, 403, 404)
@ApiUuidParams('projectId')
@ApiRegionParam()
@Controller(['v1/projects/:projectId/regions/:regionId/instances', 'v1alpha/projects/:projectId/regions/:regionId/instances'])
export class InstancesController {
  constructor(private readonly instances: InstancesService) {}

  @Get()
  @ApiOperation({ operationId: 'ListInstances', summary: 'List the instances of a project in a region (project readers).' })
  async list(@CurrentCaller() caller: Caller, @InstanceScope() scope: RegionPath): Promise<ListInstancesResponse> {
    return { message: 'successfully fetched instances', instances: await this.instances.list(caller, scope) };
  }

  @Post()
  @HttpCode(202)
  @Idempotent()
  // Explicit because method-level error responses replace the inferred success response.
  @ApiAcceptedResponse({ type: CreateInstanceResponse })
  @ApiOperation({ operationId: 'CreateInstance', summary: 'Create an instance (project editors); it is `active` at once.' })
  async create(@CurrentCaller() caller: Caller, @InstanceScope() scope: RegionPath, @Body() body: CreateInstancePayload): Promise<CreateInstanceResponse> {
    return { message: 'successfully created instance', instance: await this.instances.create(caller, scope, body) };
  }

  @StackitItemRoute('GET', 'instanceId', { operationId: 'GetInstance', summary: 'Get an instance (project readers).' })
  async get(@CurrentCaller() caller: Caller, @InstanceScope() scope: InstancePath): Promise<GetInstanceResponse> {
    return { message: 'successfully fetched instance', instance: await this.instances.get(caller, scope, scope.instanceId) };
  }

  @StackitItemRoute('PATCH', 'instanceId', {
    operationId: 'PartialUpdateInstance',
    summary: 'Change name, description, labels (`null` removes a label) or retention (project editors).',
  })
  async update(
    @CurrentCaller() caller: Caller,
    @InstanceScope() scope: InstancePath,
    @Body() body: PartialUpdateInstancePayload,
  ): Promise<PartialUpdateInstanceResponse> {
    return { message: 'successfully updated instance', instance: await this.instances.update(caller, scope, scope.instanceId, body) };
  }

  @StackitItemRoute('DELETE', 'instanceId', {
    operationId: 'DeleteInstance',
    summary: 'Delete an instance and all its tokens (project editors); a later GET answers 404.',
  })
  async delete(@CurrentCaller() caller: Caller, @InstanceScope() scope: InstancePath): Promise<DeleteInstanceResponse> {
    return { message: 'successfully deleted instance', instance: await this.instances.delete(caller, scope, scope.instanceId) };
  }
}
