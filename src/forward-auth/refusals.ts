import { errorBody } from '../common/error-body';
import type { VerificationResult } from '../metrics/metrics.service';
import { jsonAnswer, type ForwardAuthAnswer } from './forward-auth-lane';

/** Why a check refused a request: no token at all, or the metrics' result for a token that does not open the resource. */
export type ForwardAuthRefusal = 'missing' | Exclude<VerificationResult, 'valid'>;

/**
 * The `WWW-Authenticate` of every forward-auth 401. Bearer and Basic: MLflow sends the token as
 * the Basic password. RFC 6750 §3.1: no error code when no token was sent.
 */
export function challenge(tokenSent: boolean, description?: string): string {
  if (!tokenSent) return 'Bearer realm="tessera", Basic realm="tessera"';
  const detail = description ? `, error_description="${description.replace(/["\\]/g, '')}"` : '';
  return `Bearer realm="tessera", error="invalid_token"${detail}, Basic realm="tessera"`;
}

/** A forward-auth 401: the `/v1` error body (gateways pass it to the client), the challenge, the metrics' result. */
function unauthorized(message: string, wwwAuthenticate: string, result: Exclude<VerificationResult, 'valid'>): ForwardAuthAnswer {
  return { ...jsonAnswer(401, errorBody('stackit', 401, 'not_authenticated', message), { 'www-authenticate': wwwAuthenticate }), result };
}

/**
 * Every 401 a check answers, built once: a refused request costs no serialization. A refused
 * token is told only whether it expired (with `expired`, what renews it); the other reasons get
 * the same response and are told apart in the metrics. A resource id that cannot exist (not a
 * UUID, not a positive integer) is refused like a resource that does not: 401, never 400, since
 * nginx's auth_request turns any answer but 2xx, 401 and 403 into a 500 for the client.
 */
export function refusals(resource: string, expired?: string): Record<ForwardAuthRefusal, ForwardAuthAnswer> {
  const invalid = `token is not valid for this ${resource}`;
  const answers = {
    // "malformed" in the metrics: a request without a token is refused before any check.
    missing: unauthorized('no token: send it as Authorization: Bearer <token>', challenge(false), 'malformed'),
    expired: expired ? unauthorized(expired, challenge(true, `The ${resource} token has expired`), 'expired') : undefined,
  };
  const refused = (result: Exclude<VerificationResult, 'valid'>) => unauthorized(invalid, challenge(true), result);
  return {
    missing: answers.missing,
    expired: answers.expired ?? refused('expired'),
    revoked: refused('revoked'),
    unknown: refused('unknown'),
    bad_signature: refused('bad_signature'),
    wrong_audience: refused('wrong_audience'),
    malformed: refused('malformed'),
  };
}
