import { givenInstance, givenProject, verifyPath } from './support/fixtures';
import { ADMIN_EMAIL, ADMIN_PASSWORD, jwtPayload, TestApp } from './support/test-app';
import { forwardAuth, ok, typedClient } from './support/typed-client';

describe('instance tokens through the generated client', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(() => app.close());

  it('logs in, refreshes, creates a project and an instance, and runs a token from creation to deletion', async () => {
    const anonymous = typedClient(app);
    const login = ok(await anonymous.POST('/console/api/auth', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } }));
    const { access } = ok(await anonymous.POST('/console/api/auth/refresh', { body: { refresh: login.refresh } }));
    expect(jwtPayload(access)).toMatchObject({ token_type: 'access' });
    const tessera = typedClient(app, access);

    const project = ok(await tessera.POST('/v1/projects', { body: { name: 'typed-client' } }));
    expect(project.name).toBe('typed-client');
    const region = { projectId: project.id, regionId: 'eu01' };
    const { instance } = ok(
      await tessera.POST('/v1/projects/{projectId}/regions/{regionId}/instances', { params: { path: region }, body: { name: 'tracking' } }),
    );
    expect(instance.state).toBe('active');
    const tokens = { ...region, instanceId: instance.id };

    const created = ok(
      await tessera.POST('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens', {
        params: { path: tokens },
        body: { name: 'ci', labels: { team: 'ml' }, ttlDuration: '30d' },
      }),
    );
    const { content, ...metadata } = created.token;
    expect(jwtPayload(content)).toMatchObject({ jti: metadata.id, aud: `instance:${instance.id}` });

    const granted = await forwardAuth(app, verifyPath(instance.id), content);
    expect(granted.status).toBe(204);
    expect(granted.headers.get('x-tessera-token-id')).toBe(metadata.id);
    expect(granted.headers.get('x-tessera-instance-id')).toBe(instance.id);

    const listed = ok(await tessera.GET('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens', { params: { path: tokens } }));
    expect(listed.tokens).toContainEqual(metadata);
    const one = { ...tokens, tokenId: metadata.id };
    const fetched = ok(await tessera.GET('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens/{tokenId}', { params: { path: one } }));
    expect(fetched.token).toEqual(metadata);

    const patched = ok(
      await tessera.PATCH('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens/{tokenId}', {
        params: { path: one },
        body: { name: 'ci-renamed', labels: { team: null } },
      }),
    );
    expect(patched.token).toMatchObject({ id: metadata.id, name: 'ci-renamed' });
    expect(patched.token.labels ?? {}).toEqual({});

    const deleted = ok(await tessera.DELETE('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens/{tokenId}', { params: { path: one } }));
    expect(deleted.token.id).toBe(metadata.id);
    expect((await forwardAuth(app, verifyPath(instance.id), content)).status).toBe(401);

    const gone = await tessera.GET('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens/{tokenId}', { params: { path: one } });
    expect(gone.response.status).toBe(404);
    expect(gone.error).toEqual({ code: 404, message: expect.any(String), status: 'Not Found' });
  });

  it('answers a bad ttlDuration with the documented STACKIT error, typed', async () => {
    const owner = await app.login();
    const instance = await givenInstance(app, await givenProject(app, owner, 'bad-input'));
    const refused = await typedClient(app, owner.access).POST('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens', {
      params: { path: { projectId: instance.project.id, regionId: 'eu01', instanceId: instance.id } },
      body: { name: 'ci', ttlDuration: 'forever' },
    });
    expect(refused.response.status).toBe(400);
    expect(refused.error?.message).toContain('ttlDuration');
  });
});
