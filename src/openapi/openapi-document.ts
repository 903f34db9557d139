import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject, ParameterObject, PathItemObject, ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { AddressInfo } from 'node:net';
import { AppConfig } from '../config/app-config';
import { ModelMetadataDto } from '../models/model-urls/dto/model-metadata.dto';
import { gatewayPaths } from './gateway-operations';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const STACKIT_FAMILY = /^\/(v1|v1alpha|v2)\//;

const TAGS: [string, string][] = [
  ['console auth', 'Console login, token refresh, verification and logout (the simplejwt endpoints Practicus clients call).'],
  ['console users', 'Console user accounts, managed by platform admins.'],
  ['projects', 'Projects and their members: the scope of instances, instance tokens and service accounts.'],
  ['instances', 'STACKIT model-experiments instances (wire-compatible with the STACKIT API).'],
  ['instance tokens', 'Tracking tokens that open one instance (wire-compatible with the STACKIT API), and their introspection.'],
  ['service accounts', 'Non-human identities of a project and their JWT access tokens (after STACKIT Service Account API v2).'],
  ['audit', "A project's audit trail."],
  ['token revocations', 'Revocation of leaked tokens by whoever found them, without authentication (see docs/security.md).'],
  ['model registry', 'Model prefixes, grants on them, models and versions.'],
  ['model auth', 'Model API session tokens and long-lived external API tokens.'],
  ['model urls', 'Model metadata at model URLs, as Practicus clients look models up.'],
  ['forward auth', 'Checks a gateway makes before it proxies a request to an instance or a model host.'],
  ['keys', 'Public keys that verify the tokens Tessera signs.'],
  ['health', 'Liveness and readiness probes.'],
];

const DESCRIPTION = `Token lifecycle for ML platforms: STACKIT-style instance tracking tokens (\`/v1\`), service accounts after STACKIT Service Account API v2 (\`/v2\`), Practicus-style console and model authentication (\`/console/api\`).

## Prefix aliases

Some operations are also served under another prefix, with the same request, response and errors. The aliases are not listed as paths, so generated clients get one method per operation; point a client's base path at the alias if you need it.

- Every \`/v1/projects/...\` operation is also served under \`/v1alpha/projects/...\`, the prefix STACKIT's documentation uses in its examples.
- Every \`/v2/projects/...\` (service accounts) operation is also served under \`/v1/projects/...\` and \`/v1alpha/projects/...\`.

Each aliased operation says so in its description.

## Trailing slashes

Every path is served with and without a trailing slash: Practicus clients send one, STACKIT clients do not.

## Errors

\`/v1\`, \`/v1alpha\` and \`/v2\` answer errors as STACKIT does, \`{code, message, status}\` (\`ErrorResponse\`); every other path answers \`{detail, code}\` (\`ConsoleErrorResponse\`). A known path called with a method it does not serve answers 405 with an \`Allow\` header.`;

/** The OpenAPI document of `app`: what Nest describes, completed with what it cannot. */
export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Tessera')
    .setDescription(DESCRIPTION)
    .setVersion('1.0.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Console access token, service-account access token, or (forward auth, model URLs) the token being checked' })
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'Forward auth only: the token as the password (MLflow sends it that way)' }, 'basic');
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const generated = SwaggerModule.createDocument(app, builder.build(), {
    // The model URL controller is excluded (gatewayPaths describes it), its response schema is not.
    extraModels: [ModelMetadataDto],
    // Swagger numbers the methods of multi-path controllers (`create[1]`); the aliases leave the document, so drop the index.
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey.replace(/\[\d+\]$/, '')}`,
  });
  const paths = { ...withoutAliases(generated.paths), ...gatewayPaths() };
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) complete(path, method, operation);
    }
  }
  return { ...generated, paths };
}

/**
 * Serves the document at /openapi.json and /openapi.yaml, and Swagger UI at /docs. `servers` is
 * the configured public URL, else the address the server listens on.
 */
export function serveOpenApiDocument(app: NestFastifyApplication, config: AppConfig, document: OpenAPIObject): void {
  const serverUrl = () => config.http.publicUrl ?? listeningUrl(app, config);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
    patchDocumentOnRequest: (_request, _reply, served) => ({ ...served, servers: [{ url: serverUrl(), description: 'Tessera' }] }),
  });
}

function listeningUrl(app: NestFastifyApplication, config: AppConfig): string {
  const address = app.getHttpServer().address() as AddressInfo | null;
  const host = address?.address ?? config.http.host;
  // A wildcard address is no URL a client can call; the loopback name is.
  const name = ['0.0.0.0', '::', ''].includes(host) ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${address?.port ?? config.http.port}`;
}

/**
 * Aliases leave `paths`, so generated clients get one method per operation: `/v1alpha` repeats
 * `/v1`, and `/v1` repeats the `/v2` service-account routes. Each remaining operation names its aliases.
 */
function withoutAliases(paths: Record<string, PathItemObject>): Record<string, PathItemObject> {
  const canonical = (path: string): string | undefined => {
    if (path.startsWith('/v1alpha/')) {
      const rest = path.slice('/v1alpha/'.length);
      return `/v2/${rest}` in paths ? `/v2/${rest}` : `/v1/${rest}`;
    }
    if (path.startsWith('/v1/') && `/v2/${path.slice(4)}` in paths) return `/v2/${path.slice(4)}`;
    return undefined;
  };
  const aliases = new Map<string, string[]>();
  for (const path of Object.keys(paths)) {
    const target = canonical(path);
    if (target) aliases.set(target, [...(aliases.get(target) ?? []), path]);
  }
  const kept = Object.entries(paths).filter(([path]) => !canonical(path));
  return Object.fromEntries(
    kept.map(([path, item]) => {
      const names = aliases.get(path);
      if (!names) return [path, item];
      const copy: PathItemObject = { ...item };
      for (const method of METHODS) {
        const operation = copy[method];
        if (!operation) continue;
        const servedAt = names.filter((alias) => paths[alias]?.[method]).map((alias) => `\`${alias}\``);
        if (!servedAt.length) continue;
        const sentence = `Also served at ${servedAt.join(' and ')}, with the same request and response (see "Prefix aliases").`;
        copy[method] = { ...operation, description: [operation.description, sentence].filter(Boolean).join('\n\n') };
      }
      return [path, copy];
    }),
  );
}

/**
 * What every operation carries: a description (doc comments become the summary; the summary's
 * first sentence stays one), `security: []` when public (protected operations declare bearer),
 * the errors any body-carrying request can meet before its handler runs, and no request body
 * on methods whose bodies fetch cannot send.
 */
function complete(path: string, method: string, operation: OperationObject): void {
  // GET model-auth/ reads a body for old notebooks, but a documented GET body makes generated
  // clients offer an argument that fetch refuses to send.
  if (['get', 'head', 'delete'].includes(method)) delete operation.requestBody;
  const summary = operation.summary?.trim();
  if (summary && !operation.description) operation.description = summary;
  else if (summary && !operation.description?.includes(summary)) operation.description = `${summary}\n\n${operation.description}`;
  if (summary) operation.summary = firstSentence(summary);
  operation.security ??= [];
  if (operation.parameters) operation.parameters = pathParametersFirst(path, operation.parameters as ParameterObject[]);
  const error = { $ref: STACKIT_FAMILY.test(path) ? '#/components/schemas/ErrorResponse' : '#/components/schemas/ConsoleErrorResponse' };
  const responses = operation.responses as Record<string, ResponseObject>;
  const add = (status: number, description: string) =>
    (responses[status] ??= { description, content: { 'application/json': { schema: error } } });
  if (operation.requestBody) {
    add(400, 'invalid input');
    add(413, 'request body too large');
    add(415, 'unsupported content type: send application/json');
  }
  for (const response of Object.values(responses)) if (!response.description) response.description = 'success';
}

/**
 * Path parameters first, in the order the path names them (generated SDKs take them as positional
 * arguments in this order), then the others as declared: the order must not depend on which
 * decorator (`@Param`, `@InstanceScope()`, `@ApiParam`) declared a parameter.
 */
function pathParametersFirst(path: string, parameters: ParameterObject[]): ParameterObject[] {
  const names = [...path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => name);
  const position = (parameter: ParameterObject) => names.indexOf(parameter.name);
  const inPath = parameters.filter((parameter) => parameter.in === 'path').sort((a, b) => position(a) - position(b));
  return [...inPath, ...parameters.filter((parameter) => parameter.in !== 'path')];
}

function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  const end = flat.search(/[.;:](\s|$)/);
  return end < 0 ? flat : flat.slice(0, end);
}
