import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error';
import { presentedToken } from '../../common/presented-token';
import { errorAnswer, ForwardAuthAnswer, ForwardAuthCheck } from '../../forward-auth/forward-auth-lane';
import { ParseModelIdPipe } from '../model-id.pipe';
import { ModelDirectory } from './model-directory';
import { ModelAccess, ModelTokenVerifier } from './model-token-verifier.service';

const ROUTE = '/v1/auth/models/';
const MISSING = errorAnswer(AppError.unauthorized(), ROUTE);
const INVALID = errorAnswer(AppError.invalidToken(), ROUTE);
const parseModelId = new ParseModelIdPipe();

/**
 * `/v1/auth/models/{modelId}/verify` for model hosts: checks a model session token or an external
 * API token (Bearer, or the password of Basic auth) against the model, revocations included. 204
 * with `x-prt-model-id`, `x-tessera-token-id`, `x-tessera-token-type` and `x-tessera-subject`, or
 * 401 with `WWW-Authenticate`; a model id that is not a positive integer is a 400; 503 with
 * Retry-After when the database cannot be asked.
 */
@Injectable()
export class ModelForwardAuth implements ForwardAuthCheck {
  constructor(
    private readonly directory: ModelDirectory,
    private readonly verifier: ModelTokenVerifier,
  ) {}

  check(rawModelId: string, authorization: string | undefined): ForwardAuthAnswer | Promise<ForwardAuthAnswer> {
    const modelId = parseModelId.transform(rawModelId);
    const token = presentedToken(authorization);
    if (!token) return MISSING;
    const claims = this.verifier.claims(token, ['model-session', 'model-external']);
    if (!claims) return INVALID;
    return this.directory.model(modelId).then(async (model) => answer(modelId, model && (await this.verifier.check(token, claims, model))));
  }
}

function answer(modelId: number, access: ModelAccess | undefined): ForwardAuthAnswer {
  if (!access?.ok) return INVALID;
  return {
    status: 204,
    headers: {
      'x-prt-model-id': String(modelId),
      'x-tessera-token-id': access.tokenId,
      'x-tessera-token-type': access.type,
      'x-tessera-subject': access.subject,
    },
  };
}
