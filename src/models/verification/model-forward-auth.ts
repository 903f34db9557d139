import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error';
import { presentedToken } from '../../common/presented-token';
import { errorAnswer, ForwardAuthAnswer, ForwardAuthCheck } from '../../forward-auth/forward-auth-lane';
import { ParseModelIdPipe } from '../model-id.pipe';
import { ModelDirectory } from './model-directory';
import type { VerificationResult } from '../../metrics/metrics.service';
import { ModelAccess, ModelTokenVerifier } from './model-token-verifier.service';

const ROUTE = '/v1/auth/models/';
const MISSING: ForwardAuthAnswer = { ...errorAnswer(AppError.unauthorized(), ROUTE), result: 'malformed' };
const INVALID = errorAnswer(AppError.invalidToken(), ROUTE);
// One prebuilt answer per refusal: the same response, told apart only in the metrics.
const REFUSED = Object.fromEntries(
  (['expired', 'revoked', 'unknown', 'bad_signature', 'wrong_audience', 'malformed'] as const).map((result) => [result, { ...INVALID, result }]),
) as Record<Exclude<VerificationResult, 'valid'>, ForwardAuthAnswer>;
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
  readonly verificationKind = 'model';

  constructor(
    private readonly directory: ModelDirectory,
    private readonly verifier: ModelTokenVerifier,
  ) {}

  check(rawModelId: string, authorization: string | undefined): ForwardAuthAnswer | Promise<ForwardAuthAnswer> {
    const modelId = parseModelId.transform(rawModelId);
    const token = presentedToken(authorization);
    if (!token) return MISSING;
    const claims = this.verifier.claims(token, ['model-session', 'model-external']);
    if (typeof claims === 'string') return REFUSED[claims];
    return this.directory.model(modelId).then(async (model) => (model ? answer(modelId, await this.verifier.check(token, claims, model)) : REFUSED.unknown));
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
