import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../common/app-error';
import { toErrorReply } from '../../common/error-body';
import { TokenVerifier, Verdict } from './token-verifier.service';

const PREFIX = '/v1/auth/instances/';
// RFC 6750 §3.1: no error code when no credentials were sent.
const CHALLENGE_MISSING = 'Bearer realm="tessera", Basic realm="tessera"';
const CHALLENGE_INVALID = 'Bearer realm="tessera", error="invalid_token", Basic realm="tessera"';
// Built once: an Error per refused request (its stack trace) was a tenth of the 401 path's cost.
const MISSING = toErrorReply(
  new AppError(401, 'not_authenticated', 'no token: send it as Authorization: Bearer <token>', { 'www-authenticate': CHALLENGE_MISSING }),
  PREFIX,
);
const INVALID = toErrorReply(new AppError(401, 'token_not_valid', 'token is not valid for this instance', { 'www-authenticate': CHALLENGE_INVALID }), PREFIX);

type VerifyRequest = FastifyRequest<{ Params: { instanceId: string } }>;

/**
 * Forward authentication for the gateway in front of an instance (nginx `auth_request`, Envoy
 * `ext_authz`, Traefik ForwardAuth): 204 when the request's token opens the instance, else 401.
 * Gateways forward the client's method and often its path, so every method and any sub-path is
 * served. A malformed instance id is a 401 too: nginx turns any answer but 2xx/401/403 into a 500.
 *
 * Every proxied request costs one of these, so it is a plain Fastify route: Nest's guard,
 * interceptor and pipe chain would halve its throughput, and it needs none of them (public, no
 * body, no DTO). The global onRequest/onResponse hooks (request id, log line) still run. Documented
 * in the README rather than the OpenAPI document, where "every method" has no spelling.
 */
export function registerForwardAuth(fastify: FastifyInstance, verifier: TokenVerifier): void {
  ignoreForwardAuthBodies(fastify);
  const handler = (request: VerifyRequest, reply: FastifyReply): void | Promise<void> => {
    // Ids are stored in lower case; a gateway configured with an upper-case id must still match.
    const verdict = verifier.verify(request.params.instanceId.toLowerCase(), credential(request.headers.authorization), request.id);
    if (!(verdict instanceof Promise)) return answer(verdict, reply);
    return verdict.then(
      (settled) => answer(settled, reply),
      (error: unknown) => fail(error, request, reply),
    );
  };
  fastify.all(`${PREFIX}:instanceId/verify`, handler);
  fastify.all(`${PREFIX}:instanceId/verify/*`, handler);
}

function answer(verdict: Verdict, reply: FastifyReply): void {
  if (!verdict.ok) {
    const { status, headers, body } = verdict.reason === 'missing' ? MISSING : INVALID;
    reply.code(status).headers(headers).send(body);
    return;
  }
  const { token } = verdict;
  reply
    .code(204)
    .header('x-tessera-token-id', token.tokenId)
    .header('x-tessera-instance-id', token.instanceId)
    .header('x-tessera-project-id', token.projectId)
    .header('cache-control', 'no-store')
    .send();
}

/** The same body as the global exception filter would render. */
function fail(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, headers, body } = toErrorReply(error, request.url);
  reply.code(status).headers(headers).send(body);
}

/** The token from `Bearer <token>`, or the password of Basic auth (MLflow's username/password mode). */
export function credential(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value || undefined;
  if (scheme !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) || undefined : undefined;
}

/**
 * Gateways copy the client's headers, so a check of an upload arrives with the upload's
 * Content-Type and maybe its body. Verification never reads a body: dropping the body headers
 * keeps Fastify from parsing it (a 400 or 415 would deny a legitimate request).
 */
function ignoreForwardAuthBodies(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    // Every forward-auth route: instances here, models in src/models/verification.
    if (request.url.startsWith('/v1/auth/')) {
      delete request.headers['content-type'];
      delete request.headers['content-length'];
      delete request.headers['transfer-encoding'];
    }
    done();
  });
}
