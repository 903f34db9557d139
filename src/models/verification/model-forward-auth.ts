import { Injectable } from '@nestjs/common';
import { presentedToken } from '../../common/presented-token';
import { ForwardAuthAnswer, ForwardAuthCheck } from '../../forward-auth/forward-auth-lane';
import { refusals } from '../../forward-auth/refusals';
import { parseModelId } from '../model-id.pipe';
import { ModelDirectory } from './model-directory';
import { ModelAccess, ModelTokenVerifier } from './model-token-verifier.service';

const REFUSED = refusals('model');

/**
 * `/v1/auth/models/{modelId}/verify` for model hosts: checks a model session token or an external
 * API token (Bearer, or the password of Basic auth) against the model, revocations included. 204
 * with `x-prt-model-id`, `x-tessera-token-id`, `x-tessera-token-type` and `x-tessera-subject`, or
 * 401 (refusals.ts), a model id that is not a positive integer included: no token opens it; 503
 * with Retry-After when the database cannot be asked.
 */
@Injectable()
export class ModelForwardAuth implements ForwardAuthCheck {
  readonly verificationKind = 'model';

  constructor(
    private readonly directory: ModelDirectory,
    private readonly verifier: ModelTokenVerifier,
  ) {}

  check(rawModelId: string, authorization: string | undefined, requestId: string, clientAddress: string): ForwardAuthAnswer | Promise<ForwardAuthAnswer> {
    const token = presentedToken(authorization);
    if (!token) return REFUSED.missing;
    const claims = this.verifier.claims(token, ['model-session', 'model-external']);
    if (typeof claims === 'string') return REFUSED[claims];
    const modelId = parseModelId(rawModelId);
    if (modelId === undefined) return REFUSED.unknown;
    const client = { address: clientAddress, requestId };
    return this.directory
      .model(modelId)
      .then(async (model) => (model ? answer(modelId, await this.verifier.check(token, claims, model, client)) : REFUSED.unknown));
  }
}

function answer(modelId: number, access: ModelAccess): ForwardAuthAnswer {
  // `forbidden` only answers console access tokens, which this check does not accept.
  if (!access.ok) return REFUSED[access.reason === 'forbidden' ? 'wrong_audience' : access.reason];
  return {
    status: 204,
    headers: {
      'x-prt-model-id': String(modelId),
      'x-tessera-token-id': access.tokenId,
      'x-tessera-token-type': access.type,
      'x-tessera-subject': access.subject,
    },
    result: 'valid',
  };
}
