import { TestApp } from './support/test-app';

describe('projects and members', () => {
  let app: TestApp;
  let admin: { access: string };

  beforeAll(async () => {
    app = await TestApp.start();
    admin = await app.login();
  });
  afterAll(() => app.close());

  it('creates a project owned by its creator and lists it for members only', async () => {
    const alice = await app.createUser('alice@tessera.test');
    const bob = await app.createUser('bob@tessera.test');
    const created = await app.request('POST', '/v1/projects', { token: alice.access, json: { name: 'ml-team' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(String), name: 'ml-team' });
    const projectId = created.body.id;

    expect((await app.request('GET', '/v1/projects', { token: alice.access })).body.items.map((p: { id: string }) => p.id)).toEqual([projectId]);
    expect((await app.request('GET', '/v1/projects', { token: bob.access })).body.items).toEqual([]);
    expect((await app.request('GET', '/v1/projects', { token: admin.access })).body.items.map((p: { id: string }) => p.id)).toContain(projectId);

    const forbidden = await app.request('GET', `/v1/projects/${projectId}`, { token: bob.access });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toEqual({ code: 403, message: expect.any(String), status: 'Forbidden' });

    const members = await app.request('GET', `/v1/projects/${projectId}/members`, { token: alice.access });
    expect(members.body.items).toEqual([{ subject: 'alice@tessera.test', subjectType: 'user', role: 'owner' }]);

    const added = await app.request('POST', `/v1/projects/${projectId}/members`, {
      token: alice.access,
      json: { subject: 'bob@tessera.test', role: 'reader' },
    });
    expect(added.status).toBe(201);
    expect((await app.request('GET', `/v1/projects/${projectId}`, { token: bob.access })).status).toBe(200);
    expect((await app.request('PATCH', `/v1/projects/${projectId}`, { token: bob.access, json: { name: 'mine' } })).status).toBe(403);

    const lastOwner = await app.request('DELETE', `/v1/projects/${projectId}/members/alice@tessera.test`, { token: alice.access });
    expect(lastOwner.status).toBe(409);

    const missing = await app.request('GET', '/v1/projects/00000000-0000-4000-8000-000000000000', { token: alice.access });
    expect(missing.status).toBe(404);
    const badId = await app.request('GET', '/v1/projects/not-a-uuid', { token: alice.access });
    expect([badId.status, badId.body.message]).toEqual([400, 'projectId: must be a UUID']);
    // Every id path parameter is normalized alike: an upper-case spelling finds the project, as on instance routes.
    const upper = await app.request('GET', `/v1/projects/${projectId.toUpperCase()}`, { token: bob.access });
    expect([upper.status, upper.body.id]).toEqual([200, projectId]);
    const accounts = await app.request('GET', `/v2/projects/${projectId.toUpperCase()}/service-accounts`, { token: bob.access });
    expect(accounts.status).toBe(200);
  });

  it('answers 401 in the STACKIT error body without a token', async () => {
    const response = await app.request('GET', '/v1/projects');
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ code: 401, message: expect.any(String), status: 'Unauthorized' });
  });
});
