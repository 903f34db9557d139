import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiConsoleErrors } from '../../common/api-errors.decorator';
import { CurrentPrincipal, Principal } from '../../common/principal';
import { ParseModelIdPipe } from '../model-id.pipe';
import { CreateModelDto, CreateModelVersionDto, ListModelsQuery, ModelDto, ModelVersionDto, UpdateModelDto, UpdateModelVersionDto } from './dto/model.dto';
import { ModelsService } from './models.service';

@ApiTags('model registry')
@ApiBearerAuth()
@ApiConsoleErrors(400, 401, 403, 404, 409)
@Controller('console/api/modelhost/models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  /**
   * Models under the prefixes the caller holds a grant on (all for platform admins), as a plain
   * array ready for `pandas.DataFrame`: `versions` is `null` for models without a deployed version.
   */
  @Get()
  list(@CurrentPrincipal() caller: Principal, @Query() query: ListModelsQuery): Promise<ModelDto[]> {
    return this.models.list(caller, query);
  }

  /** Register a model under a prefix (deploy rights on the prefix). */
  @Post()
  create(@CurrentPrincipal() caller: Principal, @Body() body: CreateModelDto): Promise<ModelDto> {
    return this.models.create(caller, body);
  }

  /** Get a model with its deployed versions (grant holders on its prefix). */
  @Get(':modelId')
  get(@CurrentPrincipal() caller: Principal, @Param('modelId', ParseModelIdPipe) modelId: number): Promise<ModelDto> {
    return this.models.get(caller, modelId);
  }

  /** Rename a model or change its description (deploy rights). */
  @Patch(':modelId')
  update(@CurrentPrincipal() caller: Principal, @Param('modelId', ParseModelIdPipe) modelId: number, @Body() body: UpdateModelDto): Promise<ModelDto> {
    return this.models.update(caller, modelId, body);
  }

  /** Delete a model with its versions and its external API tokens (prefix admins). */
  @Delete(':modelId')
  @HttpCode(204)
  delete(@CurrentPrincipal() caller: Principal, @Param('modelId', ParseModelIdPipe) modelId: number): Promise<void> {
    return this.models.delete(caller, modelId);
  }

  /** Every version of the model, drafts included, highest first. */
  @Get(':modelId/versions')
  listVersions(@CurrentPrincipal() caller: Principal, @Param('modelId', ParseModelIdPipe) modelId: number): Promise<ModelVersionDto[]> {
    return this.models.listVersions(caller, modelId);
  }

  /** Register a version (deploy rights). */
  @Post(':modelId/versions')
  createVersion(
    @CurrentPrincipal() caller: Principal,
    @Param('modelId', ParseModelIdPipe) modelId: number,
    @Body() body: CreateModelVersionDto,
  ): Promise<ModelVersionDto> {
    return this.models.createVersion(caller, modelId, body);
  }

  /** Change a version's stage or draft flag (deploy rights). */
  @Patch(':modelId/versions/:version')
  updateVersion(
    @CurrentPrincipal() caller: Principal,
    @Param('modelId', ParseModelIdPipe) modelId: number,
    @Param('version') version: string,
    @Body() body: UpdateModelVersionDto,
  ): Promise<ModelVersionDto> {
    return this.models.updateVersion(caller, modelId, version, body);
  }

  /** Delete a version (deploy rights); `3` and `v3` name the same version. */
  @Delete(':modelId/versions/:version')
  @HttpCode(204)
  deleteVersion(@CurrentPrincipal() caller: Principal, @Param('modelId', ParseModelIdPipe) modelId: number, @Param('version') version: string): Promise<void> {
    return this.models.deleteVersion(caller, modelId, version);
  }
}
