import { TestApp } from './support/test-app';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const STACKIT_FAMILY = /^\/(v1|v1alpha|v2)\//;

interface Operation {
  method: string;
  path: string;
  operationId?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
  requestBody?: unknown;
  parameters?: { in: string; name: string }[];
}

describe('OpenAPI document', () => {
  let app: TestApp;
  let document: any;
  let operations: Operation[];

  beforeAll(async () => {
    app = await TestApp.start();
    const response = await app.request('GET', '/openapi.json');
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
    const missing = operations.flatMap(({ method, path }) => {
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
    expect(operations.find((op) => op.path === '/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens' && op.method === 'post')?.operationId).toBe(
      'CreateInstanceToken',
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(operations.find((op) => op.path === '/v2/projects/{projectId}/service-accounts/{serviceAccountEmail}/access-tokens' && op.method === 'post')?.operationId).toBe(
      'ServiceAccounts_createToken',
    );
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
      const path = operation.path.replace(/\{[^}]+\}/g, 'x');
      const unauthenticated = await app.request(operation.method.toUpperCase(), path);
      const label = `${operation.method.toUpperCase()} ${operation.path}`;
      if (unauthenticated.status !== 401) {
        expect([label, operation.security]).toEqual([label, undefined]);
        continue;
      }
      protectedCount += 1;
      expect([label, operation.security]).toEqual([label, [{ bearer: [] }]]);
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
});
