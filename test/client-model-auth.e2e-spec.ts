import { jwtPayload, TestApp } from './support/test-app';
import { forwardAuth, loggedIn, ok } from './support/typed-client';

const PASSWORD = 'user-password-123';

describe('model auth through the generated client', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(() => app.close());

  it('registers a prefix, a model and a version, grants a user, who gets a model session token', async () => {
    const admin = await loggedIn(app);
    const prefix = ok(await admin.POST('/console/api/modelhost/model-prefixes', { body: { key: 'practicus', prefix: 'models/practicus' } }));
    expect(prefix).toMatchObject({ key: 'practicus', prefix: 'models/practicus' });
    const model = ok(await admin.POST('/console/api/modelhost/models', { body: { prefix_key: prefix.key, name: 'diamond-price' } }));
    const version = ok(
      await admin.POST('/console/api/modelhost/models/{modelId}/versions', {
        params: { path: { modelId: model.model_id } },
        body: { version: '3', stage: 'Production' },
      }),
    );
    expect(version).toMatchObject({ version: '3', stage: 'Production', draft: false });

    const alice = await app.createUser('alice@tessera.test', PASSWORD);
    ok(await admin.POST('/console/api/modelhost/model-prefixes/{key}/grants', { params: { path: { key: prefix.key } }, body: { email: alice.email } }));
    const user = await loggedIn(app, alice.email, PASSWORD);
    expect(ok(await user.GET('/console/api/modelhost/models/{modelId}', { params: { path: { modelId: model.model_id } } })).versions).toHaveLength(1);

    // Practicus clients look the model up by its URL first, then ask for a session token for its id.
    const meta = await user.GET('/{modelPath}', { params: { path: { modelPath: 'models/practicus/diamond-price/3' }, query: { get_meta: 'true' } } });
    expect(ok(meta)).toMatchObject({ model_id: model.model_id, name: 'diamond-price', prefix: 'models/practicus' });
    expect(meta.response.headers.get('x-prt-model-id')).toBe(String(model.model_id));
    const viaGet = ok(await user.GET('/console/api/modelhost/model-auth', { params: { query: { model_id: model.model_id } } }));
    expect(jwtPayload(viaGet.token)).toMatchObject({ aud: `model:${model.model_id}` });

    const { token } = ok(await user.POST('/console/api/modelhost/model-auth', { body: { model_id: model.model_id } }));
    expect(jwtPayload(token)).toMatchObject({ token_type: 'model-session', aud: `model:${model.model_id}`, sub: alice.id });
    const granted = await forwardAuth(app, `/v1/auth/models/${model.model_id}/verify`, token);
    expect(granted.status).toBe(204);
    expect(granted.headers.get('x-prt-model-id')).toBe(String(model.model_id));

    // Revoking the grant closes the model to the session token at once.
    const revoked = await admin.DELETE('/console/api/modelhost/model-prefixes/{key}/grants/{userId}', {
      params: { path: { key: prefix.key, userId: alice.id } },
    });
    expect(revoked.response.status).toBe(204);
    expect((await forwardAuth(app, `/v1/auth/models/${model.model_id}/verify`, token)).status).toBe(401);
    const refused = await user.POST('/console/api/modelhost/model-auth', { body: { model_id: model.model_id } });
    expect(refused.response.status).toBe(403);
    expect(refused.error).toMatchObject({ code: expect.any(String), detail: expect.any(String) });
  });
});
