import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiStackitErrors } from '../common/api-errors.decorator';
import { BodyLimit } from '../common/body-limit';
import { ErrorResponse } from '../common/dto/error-response.dto';
import { Public } from '../common/public.decorator';
import { MAX_REPORTED_TOKEN_LENGTH, MAX_REPORTED_TOKENS, RevokeLeakedTokensPayload, TokenRevocationAccepted } from './dto/token-revocation.dto';
import { TokenRevocationRateLimit } from './token-revocation-rate-limit.guard';
import { TokenRevocationsService } from './token-revocations.service';

/** Room for the largest valid body: every value at its longest, quoted, with separators and some whitespace. */
const BODY_LIMIT_BYTES = MAX_REPORTED_TOKENS * (MAX_REPORTED_TOKEN_LENGTH + 16) + 1024;

@ApiTags('token revocations')
@ApiStackitErrors(400)
@Public()
@UseGuards(TokenRevocationRateLimit)
@Controller('v1/token-revocations')
export class TokenRevocationsController {
  constructor(private readonly revocations: TokenRevocationsService) {}

  @Post()
  @HttpCode(202)
  @BodyLimit(BODY_LIMIT_BYTES)
  @ApiOperation({
    operationId: 'RevokeLeakedTokens',
    summary:
      'Revoke leaked tokens: no authentication, whoever holds a token may end it (an Authorization header is ignored). ' +
      'Each value that is a live token Tessera issued (instance token, service-account access token, external model token, console refresh token) is revoked at once, on every replica, and audited with the address of the caller. ' +
      'The answer is always 202 with the same body, so it tells nothing about which values were tokens. Limited per client address (429 with `Retry-After`).',
  })
  @ApiResponse({ status: 202, type: TokenRevocationAccepted, description: 'accepted; the same whether or not any value was a token' })
  @ApiResponse({
    status: 429,
    description: 'too many requests from this address (TESSERA_TOKEN_REVOCATION_RATE)',
    headers: {
      'Retry-After': { description: 'Seconds until this address may report again.', schema: { type: 'string', pattern: '^[1-9][0-9]*$' }, required: true },
    },
    schema: { $ref: getSchemaPath(ErrorResponse) },
  })
  async revoke(@Body() body: RevokeLeakedTokensPayload, @Req() request: FastifyRequest): Promise<TokenRevocationAccepted> {
    await this.revocations.revoke(body.tokens, { address: request.ip, requestId: request.id });
    return { message: 'received: every value that is a live Tessera token is revoked' };
  }
}
