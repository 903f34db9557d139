import { Client } from 'pg';
import { LISTENER_APPLICATION_NAME } from '../src/cache/postgres-transport';
import { givenInstance, givenProject, givenToken } from './support/fixtures';
import { grant, seedModel } from './support/model-registry';
import { pollUntil, Replica, ReplicaSet } from './support/replicas';
import { usingPostgres } from './support/test-app';

// Replicas share a database only on PostgreSQL: SQLite is for a single process (docs/deployment.md),
// and with one replica there is no other to propagate to, so these tests would check nothing more
// than the single-app specs (token-verification, users, model-auth) already do.
const REPLICAS = 2;
const describeAcrossReplicas = usingPostgres() ? describe : describe.skip;
if (!usingPostgres()) {
  process.stdout.write('revocation.e2e-spec: skipped, replicas share a database only on PostgreSQL; set TEST_DATABASE_URL to run it\n');
}
const PROPAGATION_BOUND_MS = 1_000;
const PASSWORD = 'replica-user-password';

describeAcrossReplicas(`revocation across ${REPLICAS} replicas of node dist/main.js (PostgreSQL only)`, () => {
  let set: ReplicaSet;
  let origin: Replica;
  let admin: string;

  beforeAll(async () => {
    set = await ReplicaSet.start(REPLICAS);
    origin = set.replicas[0];
    admin = (await origin.login()).access;
  }, 90_000);
  afterAll(() => set?.close());

  /**
   * The property every cached credential must keep: accepted by every replica (which warms their
   * caches), then revoked through `origin`, then refused by `origin` at once and by every other
   * replica within 1 s (polled every 50 ms). `status` asks one replica what it answers now.
   * For example, for an instance token:
   *   status: (r) => r.request('GET', `/v1/auth/instances/${instanceId}/verify`, { token: content }).then((res) => res.status)
   *   revoke: () => origin.request('DELETE', `/v1/projects/${p}/regions/eu01/instances/${instanceId}/tokens/${tokenId}`, { token: admin })
   */
  async function expectRevokedEverywhere(check: {
    status: (replica: Replica) => Promise<number>;
    accepted: number;
    refused: number;
    revoke: () => Promise<unknown>;
  }): Promise<void> {
    for (const replica of set.replicas) expect(await check.status(replica)).toBe(check.accepted);
    await check.revoke();
    expect(await check.status(origin)).toBe(check.refused);
    for (const replica of set.replicas.slice(1)) {
      const tookMs = await pollUntil(async () => (await check.status(replica)) === check.refused, PROPAGATION_BOUND_MS);
      expect(tookMs).toBeDefined();
      expect(tookMs).toBeLessThanOrEqual(PROPAGATION_BOUND_MS);
    }
  }

  async function newUser(email: string, isAdmin = false): Promise<{ id: string; access: string }> {
    const created = await origin.request('POST', '/console/api/users/', { token: admin, json: { email, password: PASSWORD, is_admin: isAdmin } });
    expect(created.status).toBe(201);
    return { id: created.body.id, access: (await origin.login(email, PASSWORD)).access };
  }

  /** A new user granted a new model's prefix, with a model session token for it. */
  async function grantedSession(key: string, email: string) {
    const model = await seedModel(origin, admin, { key, prefix: `models/${key}`, name: `${key}-model` });
    const user = await newUser(email);
    await grant(origin, admin, model.prefixKey, email);
    const session = await origin.request('POST', '/console/api/modelhost/model-auth/', { token: user.access, json: { model_id: model.modelId } });
    expect(session.status).toBe(200);
    return { model, user, session };
  }

  const updateUser = async (id: string, json: Record<string, boolean>) => {
    const response = await origin.request('PATCH', `/console/api/users/${id}`, { token: admin, json });
    expect(response.status).toBe(200);
  };

  it('refuses the access token of a user disabled through another replica, and still refuses it once re-enabled', async () => {
    const user = await newUser('disabled@tessera.test');
    const me = (replica: Replica) => replica.request('GET', '/console/api/users/me', { token: user.access }).then((r) => r.status);
    await expectRevokedEverywhere({ status: me, accepted: 200, refused: 401, revoke: () => updateUser(user.id, { is_active: false }) });

    // Re-enabling does not revive tokens issued before the disable; a new login works at once everywhere.
    await updateUser(user.id, { is_active: true });
    for (const replica of set.replicas) expect(await me(replica)).toBe(401);
    const fresh = (await origin.login('disabled@tessera.test', PASSWORD)).access;
    for (const replica of set.replicas) expect((await replica.request('GET', '/console/api/users/me', { token: fresh })).status).toBe(200);
  });

  it('refuses the access and model session tokens of a user whose password was reset through another replica', async () => {
    const { model, user, session } = await grantedSession('reset', 'reset@tessera.test');
    const me = (replica: Replica) => replica.request('GET', '/console/api/users/me', { token: user.access }).then((r) => r.status);
    const resetPassword = async () =>
      expect(
        (await origin.request('POST', `/console/api/users/${user.id}/password`, { token: admin, json: { password: 'a-new-password-after-reset' } })).status,
      ).toBe(204);
    // Warm the model caches everywhere first, so the reset must reach them.
    for (const replica of set.replicas) expect(await modelVerify(model.modelId, session.body.token)(replica)).toBe(204);
    await expectRevokedEverywhere({ status: me, accepted: 200, refused: 401, revoke: resetPassword });
    for (const replica of set.replicas) expect(await modelVerify(model.modelId, session.body.token)(replica)).toBe(401);
    const fresh = (await origin.login('reset@tessera.test', 'a-new-password-after-reset')).access;
    for (const replica of set.replicas) expect((await replica.request('GET', '/console/api/users/me', { token: fresh })).status).toBe(200);
  });

  it('drops admin rights demoted through another replica', async () => {
    const user = await newUser('demoted@tessera.test', true);
    const listUsers = (replica: Replica) => replica.request('GET', '/console/api/users/', { token: user.access }).then((r) => r.status);
    await expectRevokedEverywhere({ status: listUsers, accepted: 200, refused: 403, revoke: () => updateUser(user.id, { is_admin: false }) });
  });

  async function newInstanceToken(): Promise<{ base: string; instanceId: string; tokenId: string; content: string }> {
    const instance = await givenInstance(origin, await givenProject(origin, { access: admin }, `replicas-${Date.now()}`));
    const token = await givenToken(origin, instance, { name: 'ci', ttlDuration: '1d' });
    return { base: instance.path, instanceId: instance.id, tokenId: token.id, content: token.content };
  }

  const verifyStatus = (instanceId: string, content: string) => (replica: Replica) =>
    replica.request('GET', `/v1/auth/instances/${instanceId}/verify`, { token: content }).then((r) => r.status);

  it('refuses an instance token deleted through another replica', async () => {
    const { base, instanceId, tokenId, content } = await newInstanceToken();
    await expectRevokedEverywhere({
      status: verifyStatus(instanceId, content),
      accepted: 204,
      refused: 401,
      revoke: async () => expect((await origin.request('DELETE', `${base}/tokens/${tokenId}`, { token: admin })).status).toBe(202),
    });
  });

  it('refuses the tokens of an instance deleted through another replica', async () => {
    const { base, instanceId, content } = await newInstanceToken();
    await expectRevokedEverywhere({
      status: verifyStatus(instanceId, content),
      accepted: 204,
      refused: 401,
      revoke: async () => expect((await origin.request('DELETE', base, { token: admin })).status).toBe(202),
    });
  });

  const modelVerify = (modelId: number, token: string) => (replica: Replica) =>
    replica.request('GET', `/v1/auth/models/${modelId}/verify`, { token }).then((r) => r.status);

  it("refuses a model session token once its user's grant is removed through another replica", async () => {
    const { model, user, session } = await grantedSession('replicas', 'granted@tessera.test');
    await expectRevokedEverywhere({
      status: modelVerify(model.modelId, session.body.token),
      accepted: 204,
      refused: 401,
      revoke: async () =>
        expect((await origin.request('DELETE', `/console/api/modelhost/model-prefixes/${model.prefixKey}/grants/${user.id}/`, { token: admin })).status).toBe(
          204,
        ),
    });
  });

  it('refuses an external API token revoked through another replica', async () => {
    const model = await seedModel(origin, admin, { key: 'replicas', prefix: 'models/replicas', name: 'external-model' });
    const created = await origin.request('POST', '/console/api/modelhost/external-api-tokens/', {
      token: admin,
      json: { name: 'replicas', model_id: model.modelId },
    });
    expect(created.status).toBe(201);
    await expectRevokedEverywhere({
      status: modelVerify(model.modelId, created.body.token),
      accepted: 204,
      refused: 401,
      revoke: async () =>
        expect((await origin.request('DELETE', `/console/api/modelhost/external-api-tokens/${created.body.id}/`, { token: admin })).status).toBe(204),
    });
  });

  it('keeps the 1 s bound while its LISTEN connection is lost, and listens again after reconnecting', async () => {
    const database = new Client({ connectionString: set.databaseUrl });
    await database.connect();
    const listeners = async () =>
      Number(
        (
          await database.query('SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [
            LISTENER_APPLICATION_NAME,
          ])
        ).rows[0].count,
      );
    try {
      expect(await listeners()).toBe(REPLICAS);
      const lost = await newUser('lost-listener@tessera.test');
      const lostMe = (replica: Replica) => replica.request('GET', '/console/api/users/me', { token: lost.access }).then((r) => r.status);
      await expectRevokedEverywhere({
        status: lostMe,
        accepted: 200,
        refused: 401,
        revoke: async () => {
          await database.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [
            LISTENER_APPLICATION_NAME,
          ]);
          await updateUser(lost.id, { is_active: false });
        },
      });

      expect(await pollUntil(async () => (await listeners()) === REPLICAS, 15_000, 100)).toBeDefined();
      const after = await newUser('after-reconnect@tessera.test');
      const afterMe = (replica: Replica) => replica.request('GET', '/console/api/users/me', { token: after.access }).then((r) => r.status);
      await expectRevokedEverywhere({ status: afterMe, accepted: 200, refused: 401, revoke: () => updateUser(after.id, { is_active: false }) });
    } finally {
      await database.end();
    }
  }, 60_000);
});
