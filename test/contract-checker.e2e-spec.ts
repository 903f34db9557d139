import { checkAgainstDocument } from './support/contract';
import { TestApp } from './support/test-app';

/** The response check every e2e request goes through must actually refuse what the document does not allow. */
describe('the response check against the served OpenAPI document', () => {
  let app: TestApp;
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
    status,
    text: JSON.stringify(body),
    header: (name: string) => ({ 'content-type': 'application/json; charset=utf-8', ...headers })[name.toLowerCase()],
  });

  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(() => app.close());

  it('accepts a documented status with a valid body, through the /v1alpha and /v1 aliases too', async () => {
    const project = { id: '00000000-0000-4000-8000-000000000000', name: 'p', role: 'owner', createdAt: '2026-01-01T00:00:00.000Z' };
    const { status, body } = await app.request('GET', '/v1/projects', { token: (await app.login()).access });
    expect(status).toBe(200);
    await expect(checkAgainstDocument(app.baseUrl, 'GET', '/v1/projects', json(200, body))).resolves.toBeUndefined();
    const error = { code: 404, message: 'no', status: 'Not Found' };
    await expect(checkAgainstDocument(app.baseUrl, 'GET', `/v1alpha/projects/${project.id}/regions/eu01/instances`, json(404, error))).resolves.toBeUndefined();
    await expect(checkAgainstDocument(app.baseUrl, 'GET', `/v1/projects/${project.id}/service-accounts`, json(404, error))).resolves.toBeUndefined();
  });

  it('refuses an undocumented status, naming the operation', async () => {
    await expect(checkAgainstDocument(app.baseUrl, 'GET', '/healthz', json(418, { status: 'ok' }))).rejects.toThrow(
      /Health_live .* answered 418, which is not documented/,
    );
  });

  it('refuses a body that does not match its schema, with the ajv errors', async () => {
    await expect(checkAgainstDocument(app.baseUrl, 'POST', '/console/api/auth/refresh/', json(200, { token: 'x' }))).rejects.toThrow(
      /Auth_refresh .* must have required property 'access'/,
    );
  });

  it('refuses an error body in the other family shape', async () => {
    await expect(checkAgainstDocument(app.baseUrl, 'GET', '/v1/projects', json(401, { detail: 'no', code: 'not_authenticated' }))).rejects.toThrow(
      /must have required property 'message'/,
    );
  });

  it('refuses a response that lacks a documented header', async () => {
    const path = '/v1/auth/instances/00000000-0000-4000-8000-000000000000/verify/any/sub/path';
    await expect(checkAgainstDocument(app.baseUrl, 'POST', path, json(401, { code: 401, message: 'no', status: 'Unauthorized' }))).rejects.toThrow(
      /header WWW-Authenticate is missing/,
    );
  });

  it('refuses an undocumented path unless the request says why it leaves the document', async () => {
    const notFound = json(404, { detail: 'no', code: 'not_found' });
    await expect(checkAgainstDocument(app.baseUrl, 'POST', '/console/api/nothing', notFound)).rejects.toThrow(/is not a documented operation/);
    await expect(checkAgainstDocument(app.baseUrl, 'POST', '/console/api/nothing', notFound, ' ')).rejects.toThrow(/needs a reason/);
    await expect(checkAgainstDocument(app.baseUrl, 'POST', '/console/api/nothing', notFound, 'an unknown path, on purpose')).resolves.toBeUndefined();
  });
});
