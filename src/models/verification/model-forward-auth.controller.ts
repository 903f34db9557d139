import { All, Controller, Headers, HttpCode, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AppError } from '../../common/app-error';
import { Public } from '../../common/public.decorator';
import { ParseModelIdPipe } from '../model-id.pipe';
import { ModelDirectory } from './model-directory';
import { ModelTokenVerifier, presentedToken } from './model-token-verifier.service';

/**
 * Forward-auth for model hosts (nginx `auth_request`, Envoy `ext_authz`, Traefik ForwardAuth):
 * the proxy passes the client's `Authorization` header; 204 lets the request through. Proxies,
 * not generated clients, call it, and every method on two paths would be 16 OpenAPI operations:
 * the README documents it instead.
 */
@ApiExcludeController()
@Public()
@Controller('v1/auth/models')
export class ModelForwardAuthController {
  constructor(
    private readonly directory: ModelDirectory,
    private readonly verifier: ModelTokenVerifier,
  ) {}

  /**
   * Checks a model session token or an external API token (as `Bearer`, or as the password of
   * Basic auth) against the model, revocations included. Any method and any sub-path, so Envoy can
   * append the original path. 204 with `x-prt-model-id`, `x-tessera-token-id`,
   * `x-tessera-token-type` and `x-tessera-subject`, or 401 with `WWW-Authenticate`.
   */
  @All([':modelId/verify', ':modelId/verify/*'])
  @HttpCode(204)
  async verify(
    @Param('modelId', ParseModelIdPipe) modelId: number,
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const token = presentedToken(authorization);
    if (!token) throw AppError.unauthorized();
    const claims = this.verifier.claims(token, ['model-session', 'model-external']);
    const model = claims && (await this.directory.model(modelId));
    const access = model && (await this.verifier.check(token, claims, model));
    if (!access || !access.ok) throw AppError.invalidToken();
    reply.headers({
      'x-prt-model-id': String(modelId),
      'x-tessera-token-id': access.tokenId,
      'x-tessera-token-type': access.type,
      'x-tessera-subject': access.subject,
    });
  }
}
