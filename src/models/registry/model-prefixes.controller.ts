import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe } from '../../common/parse-id.pipe';
import { ApiConsoleErrors } from '../../common/api-errors.decorator';
import { CurrentPrincipal, Principal } from '../../common/principal';
import { CreateGrantDto, CreateModelPrefixDto, GrantDto, ModelPrefixDto, UpdateGrantDto, UpdateModelPrefixDto } from './dto/model-prefix.dto';
import { ModelPrefixesService } from './model-prefixes.service';

@ApiTags('model registry')
@ApiBearerAuth()
@ApiConsoleErrors(400, 401, 403, 404, 409)
@Controller('console/api/modelhost/model-prefixes')
export class ModelPrefixesController {
  constructor(private readonly prefixes: ModelPrefixesService) {}

  /** Prefixes the caller holds a grant on (all of them for platform admins), as a plain array. */
  @Get()
  list(@CurrentPrincipal() caller: Principal): Promise<ModelPrefixDto[]> {
    return this.prefixes.list(caller);
  }

  /** Create a model prefix (platform admins). */
  @Post()
  create(@CurrentPrincipal() caller: Principal, @Body() body: CreateModelPrefixDto): Promise<ModelPrefixDto> {
    return this.prefixes.create(caller, body);
  }

  /** Get a model prefix (grant holders). */
  @Get(':key')
  get(@CurrentPrincipal() caller: Principal, @Param('key') key: string): Promise<ModelPrefixDto> {
    return this.prefixes.get(caller, key);
  }

  /** Change the description (platform admins and prefix admins) or the path (platform admins). */
  @Patch(':key')
  update(@CurrentPrincipal() caller: Principal, @Param('key') key: string, @Body() body: UpdateModelPrefixDto): Promise<ModelPrefixDto> {
    return this.prefixes.update(caller, key, body);
  }

  /** Delete the prefix with its grants, models, versions and external API tokens (platform admins and prefix admins). */
  @Delete(':key')
  @HttpCode(204)
  delete(@CurrentPrincipal() caller: Principal, @Param('key') key: string): Promise<void> {
    return this.prefixes.delete(caller, key);
  }

  /** Users holding a grant on the prefix (platform admins and prefix admins). */
  @Get(':key/grants')
  listGrants(@CurrentPrincipal() caller: Principal, @Param('key') key: string): Promise<GrantDto[]> {
    return this.prefixes.listGrants(caller, key);
  }

  /** Grant a user access to the prefix (platform admins and prefix admins). */
  @Post(':key/grants')
  addGrant(@CurrentPrincipal() caller: Principal, @Param('key') key: string, @Body() body: CreateGrantDto): Promise<GrantDto> {
    return this.prefixes.addGrant(caller, key, body);
  }

  /** Change a user's rights on a prefix (prefix admins). */
  @Patch(':key/grants/:userId')
  updateGrant(
    @CurrentPrincipal() caller: Principal,
    @Param('key') key: string,
    @Param('userId', ParseIdPipe) userId: string,
    @Body() body: UpdateGrantDto,
  ): Promise<GrantDto> {
    return this.prefixes.updateGrant(caller, key, userId, body);
  }

  /** Revoke a user's grant; their model session tokens for the prefix stop working at once. */
  @Delete(':key/grants/:userId')
  @HttpCode(204)
  removeGrant(@CurrentPrincipal() caller: Principal, @Param('key') key: string, @Param('userId', ParseIdPipe) userId: string): Promise<void> {
    return this.prefixes.removeGrant(caller, key, userId);
  }
}
