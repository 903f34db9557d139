import { Injectable } from '@nestjs/common';
import { presentedToken } from '../../common/presented-token';
import { ForwardAuthAnswer, ForwardAuthCheck } from '../../forward-auth/forward-auth-lane';
import { refusals } from '../../forward-auth/refusals';
import { TokenVerifier, Verdict } from './token-verifier.service';

const REFUSED = refusals('instance', 'the instance token has expired; create a new one for this instance');

/**
 * `/v1/auth/instances/{instanceId}/verify`: 204 with `x-tessera-token-id`, `-instance-id` and
 * `-project-id` when the request's instance token (Bearer, or the password of Basic auth as
 * MLflow's username/password mode sends it) opens the instance, else 401 (refusals.ts), a
 * malformed instance id included: no token opens it. When the database cannot be asked the
 * answer is 503 with Retry-After, never 401 (docs/gateways.md: configuring the gateway for it).
 */
@Injectable()
export class InstanceForwardAuth implements ForwardAuthCheck {
  readonly verificationKind = 'instance';

  constructor(private readonly verifier: TokenVerifier) {}

  check(instanceId: string, authorization: string | undefined, requestId: string, clientAddress: string): ForwardAuthAnswer | Promise<ForwardAuthAnswer> {
    // Ids are stored in lower case; a gateway configured with an upper-case id must still match.
    const verdict = this.verifier.verify(instanceId.toLowerCase(), presentedToken(authorization), requestId, clientAddress);
    return verdict instanceof Promise ? verdict.then(answer) : answer(verdict);
  }
}

function answer(verdict: Verdict): ForwardAuthAnswer {
  if (!verdict.ok) return REFUSED[verdict.reason];
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
