import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Caller, CurrentCaller } from '../../audit/caller';
import { Idempotent } from '../../idempotency/idempotent.decorator';
import { ParseIdPipe } from '../../common/parse-id.pipe';
import { ApiConsoleErrors } from '../../common/api-errors.decorator';
import { CurrentPrincipal, Principal } from '../../common/principal';
import {
  CreatedExternalTokenDto,
  CreateExternalTokenDto,
  ExternalTokenDto,
  ListExternalTokensQuery,
  NEXT_CURSOR_HEADER,
  RotateExternalTokenDto,
} from './dto/external-token.dto';
import { ExternalTokensService } from './external-tokens.service';

@ApiTags('model auth')
@ApiBearerAuth()
@ApiConsoleErrors(400, 401, 403, 404)
@Controller('console/api/modelhost/external-api-tokens')
export class ExternalTokensController {
  constructor(private readonly tokens: ExternalTokensService) {}

  /**
   * Create a long-lived external API token for every model of a prefix or for one model (prefix
   * admins). The token is in this response only; Tessera keeps its SHA-256.
   */
  @Post()
  create(@CurrentPrincipal() caller: Principal, @Body() body: CreateExternalTokenDto): Promise<CreatedExternalTokenDto> {
    return this.tokens.create(caller, body);
  }

  /**
   * Tokens of the prefixes the caller administers, revoked and expired ones included, without
   * secrets. Tessera's list filters page the answer (next page's cursor in `X-Next-Cursor`).
   */
  @Get()
  @ApiOkResponse({
    type: [ExternalTokenDto],
    headers: {
      [NEXT_CURSOR_HEADER]: { description: 'With list filters, when more tokens follow: the `cursor` of the next page.', schema: { type: 'string' } },
    },
  })
  async list(
    @CurrentPrincipal() caller: Principal,
    @Query() query: ListExternalTokensQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ExternalTokenDto[]> {
    const { tokens, nextCursor } = await this.tokens.list(caller, query);
    if (nextCursor) void reply.header(NEXT_CURSOR_HEADER, nextCursor);
    return tokens;
  }

  /** Get an external API token's metadata, never the token itself (prefix admins). */
  @Get(':tokenId')
  get(@CurrentPrincipal() caller: Principal, @Param('tokenId', ParseIdPipe) tokenId: string): Promise<ExternalTokenDto> {
    return this.tokens.get(caller, tokenId);
  }

  /**
   * Replace a token with a new one of the same name, scope and claims (prefix admins; a Tessera
   * extension). The old token keeps working until `grace_period` has passed (default 0: it stops at
   * once), never beyond its own `expires_at`; a token is rotated once, a second rotate is a 409
   * naming its successor. The new token is in this response only.
   */
  @Post(':tokenId/rotate')
  @Header('cache-control', 'no-store')
  @Idempotent(ApiConsoleErrors)
  // Explicit because method-level error responses replace the inferred success response.
  @ApiCreatedResponse({ type: CreatedExternalTokenDto })
  rotate(
    @CurrentCaller() caller: Caller,
    @Param('tokenId', ParseIdPipe) tokenId: string,
    @Body() body: RotateExternalTokenDto,
  ): Promise<CreatedExternalTokenDto> {
    return this.tokens.rotate(caller, tokenId, body);
  }

  /** Revoke the token; it stays listed as `revoked`. */
  @Delete(':tokenId')
  @HttpCode(204)
  revoke(@CurrentPrincipal() caller: Principal, @Param('tokenId', ParseIdPipe) tokenId: string): Promise<void> {
    return this.tokens.revoke(caller, tokenId);
  }
}
