import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../audit/caller';
import { ApiStackitErrors } from '../common/api-errors.decorator';
import { ParseIdPipe } from '../common/parse-id.pipe';
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
import { ApiRegionParam, ApiUuidParams } from './api-params';
import { RegionPipe } from './region.pipe';

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
  async list(
    @CurrentCaller() caller: Caller,
    @Param('projectId', ParseIdPipe) projectId: string,
    @Param('regionId', RegionPipe) region: string,
  ): Promise<ListInstancesResponse> {
    return { message: 'successfully fetched instances', instances: await this.instances.list(caller, { projectId, region }) };
  }

  @Post()
  @HttpCode(202)
  @Idempotent()
  // Explicit because method-level error responses replace the inferred success response.
  @ApiAcceptedResponse({ type: CreateInstanceResponse })
  @ApiOperation({ operationId: 'CreateInstance', summary: 'Create an instance (project editors); it is `active` at once.' })
  async create(
    @CurrentCaller() caller: Caller,
    @Param('projectId', ParseIdPipe) projectId: string,
    @Param('regionId', RegionPipe) region: string,
    @Body() body: CreateInstancePayload,
  ): Promise<CreateInstanceResponse> {
    return { message: 'successfully created instance', instance: await this.instances.create(caller, { projectId, region }, body) };
  }

  @Get(':instanceId')
  @ApiUuidParams('instanceId')
  @ApiOperation({ operationId: 'GetInstance', summary: 'Get an instance (project readers).' })
  async get(
    @CurrentCaller() caller: Caller,
    @Param('projectId', ParseIdPipe) projectId: string,
    @Param('regionId', RegionPipe) region: string,
    @Param('instanceId', ParseIdPipe) instanceId: string,
  ): Promise<GetInstanceResponse> {
    return { message: 'successfully fetched instance', instance: await this.instances.get(caller, { projectId, region }, instanceId) };
  }

  @Patch(':instanceId')
  @HttpCode(202)
  @ApiUuidParams('instanceId')
  @ApiOperation({ operationId: 'PartialUpdateInstance', summary: 'Change name, description, labels (`null` removes a label) or retention (project editors).' })
  async update(
    @CurrentCaller() caller: Caller,
    @Param('projectId', ParseIdPipe) projectId: string,
    @Param('regionId', RegionPipe) region: string,
    @Param('instanceId', ParseIdPipe) instanceId: string,
    @Body() body: PartialUpdateInstancePayload,
  ): Promise<PartialUpdateInstanceResponse> {
    return { message: 'successfully updated instance', instance: await this.instances.update(caller, { projectId, region }, instanceId, body) };
  }

  @Delete(':instanceId')
  @HttpCode(202)
  @ApiUuidParams('instanceId')
  @ApiOperation({ operationId: 'DeleteInstance', summary: 'Delete an instance and all its tokens (project editors); a later GET answers 404.' })
  async delete(
    @CurrentCaller() caller: Caller,
    @Param('projectId', ParseIdPipe) projectId: string,
    @Param('regionId', RegionPipe) region: string,
    @Param('instanceId', ParseIdPipe) instanceId: string,
  ): Promise<DeleteInstanceResponse> {
    return { message: 'successfully deleted instance', instance: await this.instances.delete(caller, { projectId, region }, instanceId) };
  }
}
