import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error';
import { presentedToken } from '../../common/presented-token';
import { errorAnswer, ForwardAuthAnswer, ForwardAuthCheck } from '../../forward-auth/forward-auth-lane';
import { Refusal, TokenVerifier, Verdict } from './token-verifier.service';

// RFC 6750 §3.1: no error code when no credentials were sent.
const CHALLENGE_MISSING = 'Bearer realm="tessera", Basic realm="tessera"';
const CHALLENGE_INVALID = 'Bearer realm="tessera", error="invalid_token", Basic realm="tessera"';
const ROUTE = '/v1/auth/instances/';
const MISSING: ForwardAuthAnswer = {
  ...errorAnswer(
    new AppError(401, 'not_authenticated', 'no token: send it as Authorization: Bearer <token>', { 'www-authenticate': CHALLENGE_MISSING }),
    ROUTE,
  ),
  result: 'malformed',
};
const EXPIRED = errorAnswer(
  new AppError(401, 'token_not_valid', 'the instance token has expired; create a new one for this instance', {
    'www-authenticate': 'Bearer realm="tessera", error="invalid_token", error_description="The instance token has expired", Basic realm="tessera"',
  }),
  ROUTE,
);
const INVALID = errorAnswer(new AppError(401, 'token_not_valid', 'token is not valid for this instance', { 'www-authenticate': CHALLENGE_INVALID }), ROUTE);
// One prebuilt answer per refusal: an expired token is told so, the others get the same response
// and are told apart only in the metrics.
const REFUSED = Object.fromEntries(
  (['expired', 'revoked', 'unknown', 'bad_signature', 'wrong_audience', 'malformed'] as const).map((result) => [
    result,
    { ...(result === 'expired' ? EXPIRED : INVALID), result },
  ]),
) as Record<Exclude<Refusal, 'missing'>, ForwardAuthAnswer>;

/**
 * `/v1/auth/instances/{instanceId}/verify`: 204 with `x-tessera-token-id`, `-instance-id` and
 * `-project-id` when the request's instance token (Bearer, or the password of Basic auth as
 * MLflow's username/password mode sends it) opens the instance, else 401. A malformed instance id
 * is a 401 too: nginx turns any answer but 2xx/401/403 into a 500. When the database cannot be
 * asked the answer is 503 with Retry-After, never 401 (docs/gateways.md: configuring the gateway for it).
 */
@Injectable()
export class InstanceForwardAuth implements ForwardAuthCheck {
  readonly verificationKind = 'instance';

  constructor(private readonly verifier: TokenVerifier) {}

  check(instanceId: string, authorization: string | undefined, requestId: string): ForwardAuthAnswer | Promise<ForwardAuthAnswer> {
    // Ids are stored in lower case; a gateway configured with an upper-case id must still match.
    const verdict = this.verifier.verify(instanceId.toLowerCase(), presentedToken(authorization), requestId);
    return verdict instanceof Promise ? verdict.then(answer) : answer(verdict);
  }
}

function answer(verdict: Verdict): ForwardAuthAnswer {
  if (!verdict.ok) return verdict.reason === 'missing' ? MISSING : REFUSED[verdict.reason];
  const { token } = verdict;
  return {
    status: 204,
    headers: {
      'x-tessera-token-id': token.tokenId,
      'x-tessera-instance-id': token.instanceId,
      'x-tessera-project-id': token.projectId,
      'cache-control': 'no-store',
    },
    result: 'valid',
  };
}
