import { Body, Controller, Get, HttpCode, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiConsoleErrors } from '../../common/api-errors.decorator';
import { GetBodyInterceptor } from '../../common/get-body.interceptor';
import { CurrentPrincipal, Principal } from '../../common/principal';
import { ModelAuthDto, ModelSessionTokenDto } from './dto/model-auth.dto';
import { ModelAuthService } from './model-auth.service';

/**
 * Both methods and every place for `model_id` are in use by published Practicus clients. The body
 * is optional (`model_id` may be in the query), which the Swagger plugin cannot infer: hence @ApiBody.
 */
@ApiTags('model auth')
@ApiBearerAuth()
@ApiConsoleErrors(400, 401, 403, 404)
@Controller('console/api/modelhost/model-auth')
export class ModelAuthController {
  constructor(private readonly modelAuth: ModelAuthService) {}

  /**
   * Get a model API session token for `model_id`. Published Practicus notebooks also send
   * `model_id` in a JSON or form-encoded body with this GET, which the server reads; clients that
   * can, use the query parameter (or POST).
   */
  @Get()
  @UseInterceptors(GetBodyInterceptor)
  @ApiConsoleErrors(413, 415)
  // Explicit because method-level error responses replace the inferred success response.
  @ApiOkResponse({ type: ModelSessionTokenDto })
  get(@CurrentPrincipal() caller: Principal, @Body() body: ModelAuthDto, @Query() query: ModelAuthDto): Promise<ModelSessionTokenDto> {
    return this.modelAuth.issueSessionToken(caller, body.model_id ?? query.model_id);
  }

  /** The same as GET, for clients that cannot send a body with GET. */
  @Post()
  @HttpCode(200)
  @ApiBody({ type: ModelAuthDto, required: false })
  post(@CurrentPrincipal() caller: Principal, @Body() body: ModelAuthDto, @Query() query: ModelAuthDto): Promise<ModelSessionTokenDto> {
    return this.modelAuth.issueSessionToken(caller, body.model_id ?? query.model_id);
  }
}
