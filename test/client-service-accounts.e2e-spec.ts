import { TestApp } from './support/test-app';
import { loggedIn, ok, typedClient } from './support/typed-client';

describe('service accounts and their access tokens through the generated client', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(() => app.close());

  it('creates an account and a token, acts with the token, revokes it, deletes the account', async () => {
    const owner = await loggedIn(app);
    const project = ok(await owner.POST('/v1/projects', { body: { name: 'pipelines' } }));
    const inProject = { projectId: project.id };

    const account = ok(
      await owner.POST('/v2/projects/{projectId}/service-accounts', { params: { path: inProject }, body: { name: 'ci-runner', role: 'editor' } }),
    );
    expect(account).toMatchObject({ projectId: project.id, internal: false });
    expect(ok(await owner.GET('/v2/projects/{projectId}/service-accounts', { params: { path: inProject } })).items).toContainEqual(account);
    const members = ok(await owner.GET('/v1/projects/{projectId}/members', { params: { path: inProject } }));
    expect(members.items).toContainEqual({ subject: account.email, subjectType: 'service-account', role: 'editor' });

    const ofAccount = { ...inProject, serviceAccountEmail: account.email };
    const created = ok(
      await owner.POST('/v2/projects/{projectId}/service-accounts/{serviceAccountEmail}/access-tokens', { params: { path: ofAccount }, body: { ttlDays: 7 } }),
    );
    expect(created.active).toBe(true);
    const listed = ok(await owner.GET('/v2/projects/{projectId}/service-accounts/{serviceAccountEmail}/access-tokens', { params: { path: ofAccount } }));
    expect(listed.items.map((token) => token.id)).toEqual([created.id]);
    expect(JSON.stringify(listed)).not.toContain(created.token);

    // The account's token opens the project's STACKIT routes with the account's role.
    const robot = typedClient(app, created.token);
    const region = { ...inProject, regionId: 'eu01' };
    const { instance } = ok(await robot.POST('/v1/projects/{projectId}/regions/{regionId}/instances', { params: { path: region }, body: { name: 'from-ci' } }));
    expect(
      ok(await robot.GET('/v1/projects/{projectId}/regions/{regionId}/instances', { params: { path: region } })).instances.map((item) => item.id),
    ).toContain(instance.id);

    const revoked = await owner.DELETE('/v2/projects/{projectId}/service-accounts/{serviceAccountEmail}/access-tokens/{accessTokenId}', {
      params: { path: { ...ofAccount, accessTokenId: created.id } },
    });
    expect(revoked.response.status).toBe(200);
    const refused = await robot.GET('/v1/projects/{projectId}/regions/{regionId}/instances', { params: { path: region } });
    expect(refused.response.status).toBe(401);
    expect(refused.error).toMatchObject({ code: 401, status: 'Unauthorized' });

    expect((await owner.DELETE('/v2/projects/{projectId}/service-accounts/{serviceAccountEmail}', { params: { path: ofAccount } })).response.status).toBe(200);
    expect(ok(await owner.GET('/v2/projects/{projectId}/service-accounts', { params: { path: inProject } })).items).not.toContainEqual(account);
  });
});
