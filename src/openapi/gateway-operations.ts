import type { OperationObject, PathItemObject, ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { MODEL_URL_PATH_PATTERN } from '../models/model-paths';

/**
 * The operations Nest does not describe: the forward-auth checks (answered by ForwardAuthLane
 * before Fastify) and the model URL metadata call (a catch-all route, whose path of any depth
 * the controller cannot state). Written by hand here, next to nothing else, so the document stays complete.
 */

const STACKIT_ERROR = { $ref: '#/components/schemas/ErrorResponse' };
const CONSOLE_ERROR = { $ref: '#/components/schemas/ConsoleErrorResponse' };

/** Gateways forward the client's method, so the checks answer every method; each one OpenAPI can name is listed. */
const FORWARDED_METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options', 'trace'] as const;

const header = (description: string, required = true) => ({ description, required, schema: { type: 'string' } });

const error = (description: string, schema: object, headers: Record<string, object> = {}): ResponseObject => ({
  description,
  headers,
  content: { 'application/json': { schema } },
});

const wwwAuthenticate = (description: string) => ({ 'WWW-Authenticate': header(description) });

const forwardAuthNote =
  'Forward authentication for a gateway (nginx `auth_request`, Envoy `ext_authz`, Traefik ForwardAuth): every HTTP method and any sub-path ' +
  '(`.../verify/<anything>`) gets the same answer, and no body is read. The token is sent as `Authorization: Bearer <token>`, ' +
  'or as the password of Basic authentication (MLflow sends it that way).';

function forwardAuthPath(options: {
  operationId: string;
  summary: string;
  description: string;
  parameter: object;
  grantedHeaders: Record<string, object>;
  refusals: Record<string, ResponseObject>;
}): PathItemObject {
  const item: PathItemObject = { parameters: [options.parameter] as PathItemObject['parameters'] };
  for (const method of FORWARDED_METHODS) {
    const suffix = method === 'get' ? '' : method[0].toUpperCase() + method.slice(1);
    const operation: OperationObject = {
      operationId: `${options.operationId}${suffix}`,
      tags: ['forward auth'],
      summary: `${options.summary}${method === 'get' ? '' : ` (${method.toUpperCase()})`}`,
      description: `${options.description}\n\n${forwardAuthNote}`,
      // Generated clients (hey-api) apply every scheme they hold a token for, the last one winning:
      // bearer last, so a client given one token sends it as `Bearer`.
      security: [{ basic: [] }, { bearer: [] }],
      responses: {
        204: { description: 'The token opens the resource; the headers name who and what.', headers: options.grantedHeaders },
        ...options.refusals,
        503: error('The database cannot be reached: refuse the request and retry later.', STACKIT_ERROR),
      },
    };
    item[method] = operation;
  }
  return item;
}

/** What forward-auth/refusals.ts sends with every 401. */
const CHALLENGES = wwwAuthenticate('`Bearer` and `Basic` challenges; `error="invalid_token"` when a token was sent.');

export function gatewayPaths(): Record<string, PathItemObject> {
  const tokenId = header('Id of the token that was presented.');
  return {
    '/v1/auth/instances/{instanceId}/verify': forwardAuthPath({
      operationId: 'ForwardAuth_verifyInstance',
      summary: 'Check that an instance token opens an instance.',
      description:
        '204 when the presented instance token is active and belongs to the instance; 401 otherwise, a malformed instance id included ' +
        '(nginx turns any other answer into a 500).',
      parameter: { name: 'instanceId', in: 'path', required: true, description: 'The instance id (case-insensitive).', schema: { type: 'string' } },
      grantedHeaders: {
        'x-tessera-token-id': tokenId,
        'x-tessera-instance-id': header('The instance the token opens.'),
        'x-tessera-project-id': header('The project of that instance.'),
        'Cache-Control': header('`no-store`: a revocation takes effect at once.'),
      },
      refusals: {
        400: error('The path is malformed (bad percent-encoding).', STACKIT_ERROR),
        401: error('No token, or one that does not open this instance (expired, revoked, another instance).', STACKIT_ERROR, CHALLENGES),
      },
    }),
    '/v1/auth/models/{modelId}/verify': forwardAuthPath({
      operationId: 'ForwardAuth_verifyModel',
      summary: 'Check that a model session or external API token opens a model.',
      description:
        '204 when the presented model session token or external API token grants access to the model; 401 otherwise, a malformed model id included ' +
        '(nginx turns any other answer into a 500).',
      parameter: {
        name: 'modelId',
        in: 'path',
        required: true,
        description: 'The model id, as in `x-prt-model-id`. Any other text is answered like an unknown model (401).',
        schema: { type: 'integer', minimum: 1 },
      },
      grantedHeaders: {
        'x-prt-model-id': header('The model id, as Practicus model hosts expect it.'),
        'x-tessera-token-id': tokenId,
        'x-tessera-token-type': header('`model-session` or `model-external`.'),
        'x-tessera-subject': header('Whom the token was issued to.'),
      },
      refusals: {
        400: error('The path is malformed (bad percent-encoding).', STACKIT_ERROR),
        401: error('No token, or one that does not open this model.', STACKIT_ERROR, CHALLENGES),
      },
    }),
    '/{modelPath}': {
      get: {
        operationId: 'ModelUrls_metadata',
        tags: ['model urls'],
        summary: "Look up a model's id and versions from its URL.",
        description:
          'What Practicus clients call to find a model: `GET <base>/<prefix>/<model>/[<version>/]?get_meta=true`, usually with a trailing slash. ' +
          'The model id also comes as the `x-prt-model-id` header. Any console access token of a user with a grant on the prefix, or a model ' +
          'session or external API token for the model, may ask. Without `get_meta=true` the answer is 404: predictions are served by the model host.',
        security: [{ bearer: [] }],
        parameters: [
          {
            name: 'modelPath',
            in: 'path',
            required: true,
            description: '`<prefix>/<model>` or `<prefix>/<model>/<version>`, slashes included (e.g. `models/practicus/diamond-price/3`).',
            schema: { type: 'string', pattern: MODEL_URL_PATH_PATTERN.source },
          },
          { name: 'get_meta', in: 'query', required: true, description: 'Must be `true` (or `1`).', schema: { type: 'string', enum: ['true', '1'] } },
        ],
        responses: {
          200: {
            description: "The model's metadata.",
            headers: { 'x-prt-model-id': header('The model id.') },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ModelMetadataDto' } } },
          },
          400: error('The path is malformed (bad percent-encoding, an over-long segment).', CONSOLE_ERROR),
          401: error('No token, or one that is not valid.', CONSOLE_ERROR, wwwAuthenticate('A `Bearer` challenge.')),
          403: error('The token is valid but holds no grant on the prefix.', CONSOLE_ERROR),
          404: error('No model at this URL, or `get_meta` is missing.', CONSOLE_ERROR),
        },
      },
    },
  };
}
