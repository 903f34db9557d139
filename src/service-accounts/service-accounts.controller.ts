import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../audit/caller';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { ApiStackitErrors } from '../common/api-errors.decorator';
import { ParseEmailPipe } from '../common/parse-email.pipe';
import { CurrentPrincipal, Principal } from '../common/principal';
import { AccessTokenDto, CreateAccessTokenDto, ListAccessTokensQuery, ListAccessTokensResponse, RotateAccessTokenDto } from './dto/access-token.dto';
import { CreateServiceAccountDto, ListServiceAccountsResponse, ServiceAccountDto } from './dto/service-account.dto';
import { ServiceAccountsService } from './service-accounts.service';

/** Shaped after STACKIT Service Account API v2; also served under `/v1` and `/v1alpha` beside projects. */
@ApiTags('service accounts')
@ApiBearerAuth()
@ApiStackitErrors(400, 401, 403, 404)
@Controller(['v2/projects/:projectId/service-accounts', 'v1/projects/:projectId/service-accounts', 'v1alpha/projects/:projectId/service-accounts'])
export class ServiceAccountsController {
  constructor(private readonly accounts: ServiceAccountsService) {}

  /** Create a service account; it becomes a project member with the given role (owners). */
  @Post()
  create(
    @CurrentPrincipal() caller: Principal,
    @Param('projectId', ParseIdPipe) projectId: string,
    @Body() body: CreateServiceAccountDto,
  ): Promise<ServiceAccountDto> {
    return this.accounts.create(caller, projectId, body.name, body.role ?? 'reader');
  }

  /** Service accounts of the project (readers). */
  @Get()
  async list(@CurrentPrincipal() caller: Principal, @Param('projectId', ParseIdPipe) projectId: string): Promise<ListServiceAccountsResponse> {
    return { items: await this.accounts.list(caller, projectId) };
  }

  /** Delete a service account; its access tokens stop working at once (owners). */
  @Delete(':serviceAccountEmail')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The account, its memberships and its tokens are deleted.' })
  @ApiStackitErrors(409)
  delete(
    @CurrentPrincipal() caller: Principal,
    @Param('projectId', ParseIdPipe) projectId: string,
    @Param('serviceAccountEmail', ParseEmailPipe) email: string,
  ): Promise<void> {
    return this.accounts.delete(caller, projectId, email);
  }

  /** Create an access token (JWT) for the account; the token is shown only in this response (owners). */
  @Post(':serviceAccountEmail/access-tokens')
  createToken(
    @CurrentPrincipal() caller: Principal,
    @Param('projectId', ParseIdPipe) projectId: string,
    @Param('serviceAccountEmail', ParseEmailPipe) email: string,
    @Body() body: CreateAccessTokenDto,
  ): Promise<AccessTokenDto> {
    return this.accounts.createToken(caller, projectId, email, body.ttlDays);
  }

  /** Metadata of the account's access tokens, revoked and expired ones included (readers); Tessera extensions filter, sort and page them. */
  @Get(':serviceAccountEmail/access-tokens')
  listTokens(
    @CurrentPrincipal() caller: Principal,
    @Param('projectId', ParseIdPipe) projectId: string,
    @Param('serviceAccountEmail', ParseEmailPipe) email: string,
    @Query() query: ListAccessTokensQuery,
  ): Promise<ListAccessTokensResponse> {
    return this.accounts.listTokens(caller, projectId, email, query);
  }

  /**
   * Replace an access token with a new one (owners; a Tessera extension). The old token keeps working
   * until `gracePeriod` has passed (default 0: it stops at once), never beyond its own `validUntil`;
   * a token is rotated once, a second rotate is a 409 naming its successor. The new token is shown
   * only in this response.
   */
  @Post(':serviceAccountEmail/access-tokens/:accessTokenId/rotate')
  @Header('cache-control', 'no-store')
  @Idempotent()
  // Explicit because method-level error responses replace the inferred success response.
  @ApiCreatedResponse({ type: AccessTokenDto })
  @ApiStackitErrors(409)
  rotateToken(
    @CurrentCaller() caller: Caller,
    @Param('projectId', ParseIdPipe) projectId: string,
    @Param('serviceAccountEmail', ParseEmailPipe) email: string,
    @Param('accessTokenId', ParseIdPipe) tokenId: string,
    @Body() body: RotateAccessTokenDto,
  ): Promise<AccessTokenDto> {
    return this.accounts.rotateToken(caller, projectId, email, tokenId, body);
  }

  /** Revoke an access token; the next call with it is unauthorized (owners). */
  @Delete(':serviceAccountEmail/access-tokens/:accessTokenId')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The token is revoked.' })
  @ApiStackitErrors(409)
  revokeToken(
    @CurrentPrincipal() caller: Principal,
    @Param('projectId', ParseIdPipe) projectId: string,
    @Param('serviceAccountEmail', ParseEmailPipe) email: string,
    @Param('accessTokenId', ParseIdPipe) tokenId: string,
  ): Promise<void> {
    return this.accounts.revokeToken(caller, projectId, email, tokenId);
  }
}
