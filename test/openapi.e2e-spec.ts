import { Logger } from '@nestjs/common';
import { TestApp } from './support/test-app';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const STACKIT_FAMILY = /^\/(v1|v1alpha|v2)\//;

const OUTSIDE_NEST = ['/v1/auth/instances/{instanceId}/verify', '/v1/auth/models/{modelId}/verify', '/{modelPath}'];

interface Operation {
  method: string;
  path: string;
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
  requestBody?: unknown;
  parameters?: { in: string; name: string }[];
}

describe('OpenAPI document', () => {
  let app: TestApp;
  let document: any;
  let operations: Operation[];

  const warnings: string[] = [];

  beforeAll(async () => {
    // Swagger warns (through Nest's static Logger, whatever the log level) when two DTOs share a name.
    const warn = jest.spyOn(Logger, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    app = await TestApp.start();
    warn.mockRestore();
    const response = await app.request('GET', '/openapi.json', { undocumented: 'the document itself is not one of its operations' });
    expect(response.status).toBe(200);
    document = response.body;
    operations = Object.entries<Record<string, any>>(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, operation]) => ({ method, path, ...operation })),
    );
  });
  afterAll(() => app.close());

  it('documents the API families, with no /v1alpha or /v1 aliases of documented routes', () => {
    const paths = Object.keys(document.paths);
    expect(paths.filter((path) => path.startsWith('/v1alpha'))).toEqual([]);
    for (const path of paths.filter((p) => p.startsWith('/v1/'))) expect(paths).not.toContain(`/v2/${path.slice(4)}`);
    for (const expected of [
      '/v1/projects',
      '/v1/projects/{projectId}/members/{subject}',
      '/v2/projects/{projectId}/service-accounts',
      '/v2/projects/{projectId}/service-accounts/{serviceAccountEmail}/access-tokens/{accessTokenId}',
      '/console/api/auth',
      '/console/api/users/{userId}',
      '/.well-known/jwks.json',
    ]) {
      expect(paths).toContain(expected);
    }
  });

  it('documents only routes that exist, each also under its alias (/v1alpha for /v1, /v1 for /v2)', () => {
    const fastify = app.app.getHttpAdapter().getInstance();
    const routed = (method: string, path: string) => fastify.hasRoute({ method: method.toUpperCase(), url: path.replace(/\{(\w+)\}/g, ':$1') });
    const missing = operations
      .filter(({ path }) => !OUTSIDE_NEST.includes(path))
      .flatMap(({ method, path }) => {
        const alias = path.startsWith('/v1/projects') ? `/v1alpha/${path.slice(4)}` : path.startsWith('/v2/') ? `/v1/${path.slice(4)}` : undefined;
        return [path, ...(alias ? [alias] : [])].filter((candidate) => !routed(method, candidate)).map((candidate) => `${method} ${candidate}`);
      });
    expect(missing).toEqual([]);
  });

  it('gives every operation a unique, stable operationId', () => {
    const ids = operations.map((operation) => operation.operationId);
    // STACKIT-compatible routes keep the reference spec's operationIds (ListInstanceTokens...);
    // the others are Controller_method.
    for (const id of ids) expect(id).toMatch(/^([A-Z][A-Za-z]*_[a-z][A-Za-z]*|[A-Z][a-z]+(?:[A-Z][a-z0-9]*)+)$/);
    expect(
      operations.find((op) => op.path === '/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens' && op.method === 'post')?.operationId,
    ).toBe('CreateInstanceToken');
    expect(new Set(ids).size).toBe(ids.length);
    expect(
      operations.find((op) => op.path === '/v2/projects/{projectId}/service-accounts/{serviceAccountEmail}/access-tokens' && op.method === 'post')?.operationId,
    ).toBe('ServiceAccounts_createToken');
  });

  it('documents the token list as ListInstanceTokensResponse, though it is sent as a serialized Buffer', () => {
    const list = operations.find((operation) => operation.operationId === 'ListInstanceTokens');
    expect(list?.responses['200']?.content?.['application/json']?.schema?.$ref).toBe('#/components/schemas/ListInstanceTokensResponse');
  });

  it('defines the bearer security scheme', () => {
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  });

  it('declares security and error responses on every operation that requires a token', async () => {
    let protectedCount = 0;
    for (const operation of operations) {
      // Guards run before validation, so placeholder path values are enough to tell protected routes.
      const path = operation.path === '/{modelPath}' ? '/x/y?get_meta=true' : operation.path.replace('{modelId}', '1').replace(/\{[^}]+\}/g, 'x');
      const unauthenticated = await app.request(operation.method.toUpperCase(), path);
      const label = `${operation.method.toUpperCase()} ${operation.path}`;
      if (unauthenticated.status !== 401) {
        expect([label, operation.security]).toEqual([label, []]);
        continue;
      }
      protectedCount += 1;
      // Bearer is the last alternative: generated clients holding one token send it the last way they know.
      expect([label, operation.security?.at(-1)]).toEqual([label, { bearer: [] }]);
      const errorSchema = STACKIT_FAMILY.test(operation.path) ? '#/components/schemas/ErrorResponse' : '#/components/schemas/ConsoleErrorResponse';
      expect([label, operation.responses['401']?.content?.['application/json']?.schema?.$ref]).toEqual([label, errorSchema]);
      // Every documented error (403 where a role is checked, 404, 409...) uses the family's body.
      for (const [status, response] of Object.entries(operation.responses).filter(([status]) => /^[45]\d\d$/.test(status))) {
        expect([label, status, (response as any).content?.['application/json']?.schema?.$ref]).toEqual([label, status, errorSchema]);
      }
      if (operation.requestBody || operation.parameters?.some((parameter) => parameter.in === 'path')) {
        expect([label, operation.responses['400']?.content?.['application/json']?.schema?.$ref]).toEqual([label, errorSchema]);
      }
      expect([label, Object.keys(operation.responses).some((status) => /^2\d\d$/.test(status))]).toEqual([label, true]);
    }
    expect(protectedCount).toBeGreaterThanOrEqual(20);
  });

  it('documents request and response schemas of the service-account API', () => {
    const schemas = document.components.schemas;
    expect(schemas.CreateServiceAccountDto.properties.name).toMatchObject({ type: 'string', minLength: 1, maxLength: 20, pattern: '^[a-z](?:-?[a-z0-9]+)*$' });
    expect(schemas.CreateAccessTokenDto).toMatchObject({ required: ['ttlDays'], properties: { ttlDays: { type: 'number', minimum: 1, maximum: 180 } } });
    expect(schemas.AccessTokenDto.required.sort()).toEqual(['active', 'createdAt', 'id', 'token', 'validUntil']);
    expect(schemas.ServiceAccountDto.required.sort()).toEqual(['email', 'id', 'internal', 'projectId']);
  });

  it('has unique schema names: Swagger reported no duplicate DTO, and refresh documents {access, refresh?}', () => {
    expect(warnings.filter((warning) => /duplicate/i.test(warning))).toEqual([]);
    const refresh = document.paths['/console/api/auth/refresh'].post;
    expect(refresh.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/RefreshedTokensDto');
    expect(document.components.schemas.RefreshedTokensDto).toMatchObject({
      required: ['access'],
      properties: { access: { type: 'string' }, refresh: { type: 'string' } },
    });
    // Either the body or the header carries the refresh token: neither is required on its own.
    expect(refresh.requestBody.required).toBe(false);
    expect(refresh.parameters.find((parameter: any) => parameter.in === 'header' && parameter.name.toLowerCase() === 'authorization')).toMatchObject({
      required: false,
    });
  });

  it('documents the forward-auth checks for every method, with their headers and errors', () => {
    for (const [path, headers] of [
      ['/v1/auth/instances/{instanceId}/verify', ['x-tessera-token-id', 'x-tessera-instance-id', 'x-tessera-project-id']],
      ['/v1/auth/models/{modelId}/verify', ['x-prt-model-id', 'x-tessera-token-id', 'x-tessera-token-type', 'x-tessera-subject']],
    ] as const) {
      const item = document.paths[path];
      expect(
        Object.keys(item)
          .filter((key) => key !== 'parameters')
          .sort(),
      ).toEqual([...METHODS, 'trace'].sort());
      for (const method of [...METHODS, 'trace']) {
        const { responses } = item[method];
        expect(Object.keys(responses['204'].headers)).toEqual(expect.arrayContaining([...headers]));
        expect(responses['401'].headers['WWW-Authenticate']).toMatchObject({ required: true });
        expect(responses['401'].content['application/json'].schema.$ref).toBe('#/components/schemas/ErrorResponse');
        expect(responses['503']).toBeDefined();
      }
    }
  });

  it('documents the model URL metadata call with its x-prt-model-id header', () => {
    const metadata = document.paths['/{modelPath}'].get;
    expect(metadata.parameters.map((parameter: any) => `${parameter.in}:${parameter.name}:${parameter.required}`)).toEqual([
      'path:modelPath:true',
      'query:get_meta:true',
    ]);
    expect(metadata.responses['200'].headers['x-prt-model-id']).toMatchObject({ required: true });
    expect(metadata.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/ModelMetadataDto');
  });

  it('names the /v1alpha and /v1 aliases in each aliased operation and in info.description', () => {
    expect(document.info.description).toContain('## Prefix aliases');
    const aliased = operations.filter((operation) => /^\/(v1\/projects|v2\/)/.test(operation.path));
    expect(aliased.length).toBeGreaterThan(20);
    for (const operation of aliased) {
      const alias = operation.path.startsWith('/v2/') ? `/v1/${operation.path.slice(4)}` : `/v1alpha/${operation.path.slice(4)}`;
      expect([operation.operationId, operation.description]).toEqual([operation.operationId, expect.stringContaining(`\`${alias}\``)]);
    }
  });

  it('describes, tags and secures every operation; every tag is declared with a description', () => {
    const declared = new Map<string, string>(document.tags.map((tag: { name: string; description: string }) => [tag.name, tag.description]));
    for (const operation of operations) {
      const label = `${operation.method} ${operation.path}`;
      expect([label, operation.description?.length]).toEqual([label, expect.any(Number)]);
      expect([label, operation.tags?.length]).toEqual([label, 1]);
      expect([label, declared.get(operation.tags![0])]).toEqual([label, expect.any(String)]);
      expect([label, Array.isArray(operation.security)]).toEqual([label, true]);
    }
    for (const path of ['/healthz', '/readyz', '/.well-known/jwks.json', '/console/api/auth']) {
      expect([path, operations.find((operation) => operation.path === path)?.security]).toEqual([path, []]);
    }
  });

  it('documents the bodies of JWKS, healthz and readyz, and no request body on GET', () => {
    const body = (path: string, status = '200') => document.paths[path].get.responses[status].content['application/json'].schema.$ref;
    expect(body('/.well-known/jwks.json')).toBe('#/components/schemas/JwksDto');
    expect(body('/healthz')).toBe('#/components/schemas/HealthDto');
    expect(body('/readyz')).toBe('#/components/schemas/HealthDto');
    expect(document.paths['/readyz'].get.responses['503']).toBeDefined();
    expect(operations.filter((operation) => ['get', 'head', 'delete'].includes(operation.method) && operation.requestBody).map((op) => op.operationId)).toEqual(
      [],
    );
  });

  it('documents 413 and 415 wherever a body is read, and 409/422 where an Idempotency-Key is taken', () => {
    for (const operation of operations.filter((op) => op.requestBody)) {
      expect([operation.operationId, Object.keys(operation.responses)]).toEqual([operation.operationId, expect.arrayContaining(['400', '413', '415'])]);
    }
    for (const operation of operations.filter((op) => op.parameters?.some((parameter) => parameter.name === 'Idempotency-Key'))) {
      expect([operation.operationId, Object.keys(operation.responses)]).toEqual([operation.operationId, expect.arrayContaining(['409', '422'])]);
    }
    expect(Object.keys(document.paths['/console/api/auth'].post.responses)).toContain('429');
  });

  it('lists the listening address as its server, or TESSERA_PUBLIC_URL when set', async () => {
    expect(document.servers).toEqual([{ url: app.baseUrl, description: 'Tessera' }]);
    const behindProxy = await TestApp.start({ TESSERA_PUBLIC_URL: 'https://tessera.example.com/' });
    try {
      const served = await behindProxy.request('GET', '/openapi.json', { undocumented: 'the document itself is not one of its operations' });
      expect(served.body.servers).toEqual([{ url: 'https://tessera.example.com', description: 'Tessera' }]);
      const yaml = await behindProxy.request('GET', '/openapi.yaml', { undocumented: 'the document itself is not one of its operations' });
      expect(yaml.text).toContain('https://tessera.example.com');
    } finally {
      await behindProxy.close();
    }
  });
});
