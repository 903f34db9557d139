import { givenInstance, givenMember, givenProject, givenServiceAccount, givenToken, Instance, Project } from './support/fixtures';
import { grant, SeededModel, seedModel } from './support/model-registry';
import { pollUntil, Replica, ReplicaSet } from './support/replicas';
import { jwtPayload, TestApp, TesseraClient, usingPostgres } from './support/test-app';

const EXTERNAL = '/console/api/modelhost/external-api-tokens';
/** Long enough for the assertions made inside a grace period, short enough to wait out. */
const GRACE = '3s';
const WAIT_OUT_MS = 6_000;

/** `instant` (RFC 3339) has passed on this machine's clock, which the server shares. */
const hasPassed = (instant: string) => Date.now() >= Date.parse(instant);

describe('token rotation with a grace window', () => {
  let app: TestApp;
  let owner: { access: string };
  let project: Project;
  let instance: Instance;

  const verify = (client: TesseraClient, token: string) => client.request('GET', instance.verifyPath, { token }).then((r) => r.status);
  const rotate = (tokenId: string, json: Record<string, unknown> = {}, headers: Record<string, string> = {}, as = owner) =>
    app.request('POST', `${instance.tokensPath}/${tokenId}/rotate`, { token: as.access, json, headers });
  const metadata = async (tokenId: string) => (await app.request('GET', `${instance.tokensPath}/${tokenId}`, { token: owner.access })).body.token;

  beforeAll(async () => {
    app = await TestApp.start();
    owner = await app.createUser('rotation-owner@tessera.test');
    project = await givenProject(app, owner);
    instance = await givenInstance(app, project);
  });
  afterAll(() => app?.close());

  describe('instance tokens', () => {
    it('issues a new token with the same name, description and labels; the old one stops at once by default', async () => {
      const old = await givenToken(app, instance, { name: 'pipeline', description: 'nightly training', labels: { team: 'ml' }, ttlDuration: '30d' });
      expect(await verify(app, old.content)).toBe(204);
      const response = await rotate(old.id);
      expect(response.status).toBe(202);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const successor = response.body.token;
      expect(response.body.message).toBe('successfully rotated instance token');
      expect(successor).toMatchObject({ name: 'pipeline', description: 'nightly training', labels: { team: 'ml' }, state: 'active', rotatedFrom: old.id });
      expect(successor.id).not.toBe(old.id);
      expect(successor.content).not.toBe(old.content);
      expect(jwtPayload(successor.content)).toMatchObject({ jti: successor.id, aud: `instance:${instance.id}` });
      // The default lifetime is the old token's: about 30 days from now.
      expect(Math.abs(Date.parse(successor.validUntil) - (Date.now() + 30 * 86_400_000))).toBeLessThan(60_000);
      expect(await verify(app, successor.content)).toBe(204);
      expect(await verify(app, old.content)).toBe(401);
      const oldNow = await metadata(old.id);
      expect(oldNow).toMatchObject({ rotatedTo: successor.id, state: 'inactive' });
      expect(hasPassed(oldNow.validUntil)).toBe(true);
      expect(await metadata(successor.id)).toMatchObject({ rotatedFrom: successor.rotatedFrom });
      const list = await app.request('GET', instance.tokensPath, { token: owner.access });
      expect(list.body.tokens).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: old.id, rotatedTo: successor.id }),
          expect.objectContaining({ id: successor.id, rotatedFrom: old.id }),
        ]),
      );
    });

    it('keeps the old token working until the end of the grace period, then refuses it', async () => {
      const old = await givenToken(app, instance, { name: 'mlflow' });
      const response = await rotate(old.id, { gracePeriod: GRACE, ttlDuration: '7d' });
      expect(response.status).toBe(202);
      const successor = response.body.token;
      expect(Math.abs(Date.parse(successor.validUntil) - (Date.now() + 7 * 86_400_000))).toBeLessThan(60_000);
      const { validUntil } = await metadata(old.id);
      const graceEnds = Date.parse(validUntil);
      expect(graceEnds).toBeGreaterThan(Date.now());
      expect(graceEnds).toBeLessThanOrEqual(Date.now() + 3_000);
      expect(await verify(app, old.content)).toBe(204);
      expect(await verify(app, successor.content)).toBe(204);
      expect(await pollUntil(async () => (await verify(app, old.content)) === 401, WAIT_OUT_MS)).toBeDefined();
      expect(hasPassed(validUntil)).toBe(true);
      expect(await verify(app, successor.content)).toBe(204);
    });

    it('never extends the old token beyond its own validUntil', async () => {
      const old = await givenToken(app, instance, { name: 'short-lived', ttlDuration: '2s' });
      const response = await rotate(old.id, { gracePeriod: '1h' });
      expect(response.status).toBe(202);
      expect((await metadata(old.id)).validUntil).toBe(old.validUntil);
      expect(await pollUntil(async () => (await verify(app, old.content)) === 401, WAIT_OUT_MS)).toBeDefined();
      expect(hasPassed(old.validUntil)).toBe(true);
    });

    it('replays the same successor for the same Idempotency-Key, and answers 409 naming the successor without it', async () => {
      const old = await givenToken(app, instance, { name: 'replayed' });
      const headers = { 'idempotency-key': `rotate-${old.id}` };
      const first = await rotate(old.id, { gracePeriod: '1m' }, headers);
      const replay = await rotate(old.id, { gracePeriod: '1m' }, headers);
      expect(first.status).toBe(202);
      expect(replay.status).toBe(202);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body.token).toEqual(first.body.token);
      const again = await rotate(old.id, { gracePeriod: '1m' });
      expect(again.status).toBe(409);
      expect(again.body.message).toContain(first.body.token.id);
      // Neither the retry nor the replay touched the family: the old token still has its grace, the successor works.
      expect(await verify(app, old.content)).toBe(204);
      expect(await verify(app, first.body.token.content)).toBe(204);
      const tokens = (await app.request('GET', instance.tokensPath, { token: owner.access })).body.tokens;
      expect(tokens.filter((token: { rotatedFrom?: string }) => token.rotatedFrom === old.id)).toHaveLength(1);
    });

    it('lets one of two concurrent rotations win; the other is a 409 naming the winner', async () => {
      const old = await givenToken(app, instance, { name: 'raced' });
      const answers = await Promise.all([rotate(old.id, { gracePeriod: '1m' }), rotate(old.id, { gracePeriod: '1m' })]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([202, 409]);
      const winner = answers.find((answer) => answer.status === 202)!.body.token;
      expect(answers.find((answer) => answer.status === 409)!.body.message).toContain(winner.id);
      expect(await metadata(old.id)).toMatchObject({ rotatedTo: winner.id });
      const tokens = (await app.request('GET', instance.tokensPath, { token: owner.access })).body.tokens;
      expect(tokens.filter((token: { rotatedFrom?: string }) => token.rotatedFrom === old.id)).toHaveLength(1);
    });

    it('refuses an expired token with 409', async () => {
      const old = await givenToken(app, instance, { name: 'expired', ttlDuration: '1s' });
      await pollUntil(async () => hasPassed(old.validUntil), 3_000);
      const response = await rotate(old.id);
      expect(response.status).toBe(409);
      expect(response.body.message).toMatch(/expired/);
    });

    it.each([
      [{ gracePeriod: '8d' }, /gracePeriod: .*at most 7 days/],
      [{ gracePeriod: 'soon' }, /gracePeriod: expected "0" \(none\)/],
      [{ gracePeriod: -1 }, /gracePeriod/],
      [{ ttlDuration: '2y' }, /ttlDuration/],
      [{ extra: true }, /extra/],
    ])('answers 400 naming the field for %j', async (body, message) => {
      const old = await givenToken(app, instance, { name: 'bad-input' });
      const response = await rotate(old.id, body);
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(message);
      expect(await verify(app, old.content)).toBe(204);
    });

    it('accepts gracePeriod 0 spelled as 0s and PT0S', async () => {
      for (const gracePeriod of ['0s', 'PT0S']) {
        const old = await givenToken(app, instance, { name: `zero-${gracePeriod}` });
        expect((await rotate(old.id, { gracePeriod })).status).toBe(202);
        expect(await verify(app, old.content)).toBe(401);
      }
    });

    it('lets readers do nothing (403) and answers 404 for an unknown token', async () => {
      const reader = await givenMember(app, project, 'reader', 'rotation-reader@tessera.test');
      const old = await givenToken(app, instance, { name: 'guarded' });
      expect((await rotate(old.id, {}, {}, reader)).status).toBe(403);
      expect(await verify(app, old.content)).toBe(204);
      expect((await rotate('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    });

    it('records instance-token.rotate with both ids', async () => {
      const old = await givenToken(app, instance, { name: 'audited' });
      const successor = (await rotate(old.id, { gracePeriod: '1m' })).body.token;
      const events = await app.request('GET', `/v1/projects/${project.id}/audit-events?action=instance-token.rotate&resourceId=${old.id}`, {
        token: owner.access,
      });
      expect(events.status).toBe(200);
      expect(events.body.events).toEqual([
        expect.objectContaining({ resource: { type: 'instance-token', id: old.id }, details: expect.objectContaining({ rotatedTo: successor.id }) }),
      ]);
    });
  });

  describe('service-account access tokens', () => {
    let accounts: string;
    let account: { email: string; access: string; id: string };

    const whoAmI = (token: string) => app.request('GET', `/v2/projects/${project.id}/service-accounts`, { token }).then((r) => r.status);
    const tokenPath = (id: string) => `${accounts}/${account.email}/access-tokens/${id}`;
    const rotateAccess = (id: string, json: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
      app.request('POST', `${tokenPath(id)}/rotate`, { token: owner.access, json, headers });
    const listed = async (id: string) =>
      (await app.request('GET', `${accounts}/${account.email}/access-tokens`, { token: owner.access })).body.items.find((t: { id: string }) => t.id === id);

    beforeAll(async () => {
      accounts = `/v2/projects/${project.id}/service-accounts`;
      account = await givenServiceAccount(app, project, 'reader', 'rotating');
    });

    it('issues a new access token; the old one works during the grace period and is refused after it', async () => {
      const oldId = jwtPayload(account.access).jti as string;
      expect(await whoAmI(account.access)).toBe(200);
      const response = await rotateAccess(oldId, { gracePeriod: GRACE });
      expect(response.status).toBe(201);
      const successor = response.body;
      expect(successor).toMatchObject({ active: true, rotatedFrom: oldId });
      // The default lifetime is the old token's: 1 day.
      expect(Math.abs(Date.parse(successor.validUntil) - (Date.now() + 86_400_000))).toBeLessThan(60_000);
      expect(await whoAmI(successor.token)).toBe(200);
      const old = await listed(oldId);
      expect(old).toMatchObject({ rotatedTo: successor.id, active: true });
      expect(await whoAmI(account.access)).toBe(200);
      expect(await pollUntil(async () => (await whoAmI(account.access)) === 401, WAIT_OUT_MS)).toBeDefined();
      expect(hasPassed(old.validUntil)).toBe(true);
      expect(await whoAmI(successor.token)).toBe(200);

      const again = await rotateAccess(oldId);
      expect(again.status).toBe(409);
      expect(again.body.message).toContain(successor.id);
      account = { ...account, access: successor.token };
    });

    it('replays for the same Idempotency-Key; gracePeriod 0 refuses the old token at once; bad input is a 400', async () => {
      const oldId = jwtPayload(account.access).jti as string;
      expect((await rotateAccess(oldId, { gracePeriod: '2w' })).body.message).toMatch(/gracePeriod/);
      expect((await rotateAccess(oldId, { ttlDays: 365 })).status).toBe(400);
      const headers = { 'idempotency-key': `sa-${oldId}` };
      const first = await rotateAccess(oldId, { ttlDays: 2 }, headers);
      expect(first.status).toBe(201);
      const replay = await rotateAccess(oldId, { ttlDays: 2 }, headers);
      expect(replay.body).toEqual(first.body);
      expect(await whoAmI(account.access)).toBe(401);
      expect(await whoAmI(first.body.token)).toBe(200);
      expect((await rotateAccess('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    });
  });

  describe('external model tokens', () => {
    let model: SeededModel;
    let prefixAdmin: { access: string };

    const verifyModel = (token: string) => app.request('GET', `/v1/auth/models/${model.modelId}/verify`, { token }).then((r) => r.status);
    const rotateExternal = (id: string, json: Record<string, unknown> = {}, headers: Record<string, string> = {}, as = prefixAdmin) =>
      app.request('POST', `${EXTERNAL}/${id}/rotate`, { token: as.access, json, headers });

    beforeAll(async () => {
      const admin = (await app.login()).access;
      model = await seedModel(app, admin, { key: 'rotation', prefix: 'models/rotation', versions: [{ version: '1' }] });
      prefixAdmin = await app.createUser('rotation-prefix-admin@tessera.test');
      await grant(app, admin, 'rotation', 'rotation-prefix-admin@tessera.test', { admin: true });
    });

    const created = async (name: string, body: Record<string, unknown> = {}) => {
      const response = await app.request('POST', `${EXTERNAL}/`, { token: prefixAdmin.access, json: { name, prefix_key: 'rotation', ttl: '30d', ...body } });
      expect(response.status).toBe(201);
      return response.body;
    };

    it('issues a new token with the same name, scope and claims; the old one works during the grace period only', async () => {
      const old = await created('partner', { claims: { tenant: 'acme' } });
      const response = await rotateExternal(old.id, { grace_period: GRACE });
      expect(response.status).toBe(201);
      const successor = response.body;
      expect(successor).toMatchObject({
        name: 'partner',
        scope: 'prefix',
        prefix_key: 'rotation',
        claims: { tenant: 'acme' },
        state: 'active',
        rotated_from: old.id,
      });
      expect(jwtPayload(successor.token)).toMatchObject({ tenant: 'acme', jti: successor.id });
      expect(Math.abs(Date.parse(successor.expires_at) - (Date.now() + 30 * 86_400_000))).toBeLessThan(60_000);
      const oldNow = (await app.request('GET', `${EXTERNAL}/${old.id}`, { token: prefixAdmin.access })).body;
      expect(oldNow).toMatchObject({ rotated_to: successor.id, state: 'active' });
      expect(await verifyModel(old.token)).toBe(204);
      expect(await verifyModel(successor.token)).toBe(204);
      expect(await pollUntil(async () => (await verifyModel(old.token)) === 401, WAIT_OUT_MS)).toBeDefined();
      expect(hasPassed(oldNow.expires_at)).toBe(true);
      expect(await verifyModel(successor.token)).toBe(204);

      const again = await rotateExternal(old.id);
      expect(again.status).toBe(409);
      expect(again.body.detail).toContain(successor.id);
    });

    it('replays for the same Idempotency-Key, refuses a revoked token, checks input and rights', async () => {
      const old = await created('replayed');
      expect((await rotateExternal(old.id, { grace_period: 'P1Y' })).status).toBe(400);
      const headers = { 'idempotency-key': `external-${old.id}` };
      const first = await rotateExternal(old.id, { ttl: '1d' }, headers);
      expect(first.status).toBe(201);
      const replay = await rotateExternal(old.id, { ttl: '1d' }, headers);
      expect(replay.body).toEqual(first.body);
      expect(await verifyModel(old.token)).toBe(401);

      const revoked = await created('revoked');
      expect((await app.request('DELETE', `${EXTERNAL}/${revoked.id}`, { token: prefixAdmin.access })).status).toBe(204);
      expect((await rotateExternal(revoked.id)).status).toBe(409);
      const stranger = await app.createUser('rotation-stranger@tessera.test');
      expect((await rotateExternal(first.body.id, {}, {}, stranger)).status).toBe(403);
      expect((await rotateExternal('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    });
  });
});

// Replicas share a database only on PostgreSQL; on SQLite there is a single process, which the
// grace-period tests above already cover.
const describeAcrossReplicas = usingPostgres() ? describe : describe.skip;
if (!usingPostgres()) {
  process.stdout.write('token-rotation.e2e-spec: the two-replica test is skipped, replicas share a database only on PostgreSQL; set TEST_DATABASE_URL\n');
}

describeAcrossReplicas('a grace window on two replicas of node dist/main.js (PostgreSQL only)', () => {
  let set: ReplicaSet;

  beforeAll(async () => {
    set = await ReplicaSet.start(2);
  }, 90_000);
  afterAll(() => set?.close());

  /**
   * The old credential, already accepted (hence cached) by both replicas, is rotated through the
   * first with a grace of GRACE: both replicas accept old and new until the instant the old one
   * now ends (`graceEnds`, RFC 3339), and both refuse the old one once it has passed.
   */
  async function expectGraceOnBoth(check: {
    status: (replica: Replica, credential: string) => Promise<number>;
    accepted: number;
    refused: number;
    old: string;
    rotate: () => Promise<{ credential: string; graceEnds: () => Promise<string> }>;
  }): Promise<void> {
    for (const replica of set.replicas) expect(await check.status(replica, check.old)).toBe(check.accepted);
    const { credential, graceEnds: readGraceEnd } = await check.rotate();
    const graceEnds = await readGraceEnd();
    for (const replica of set.replicas) {
      expect(await check.status(replica, check.old)).toBe(check.accepted);
      expect(await check.status(replica, credential)).toBe(check.accepted);
    }
    expect(hasPassed(graceEnds)).toBe(false);
    for (const replica of set.replicas) {
      expect(await pollUntil(async () => (await check.status(replica, check.old)) === check.refused, WAIT_OUT_MS)).toBeDefined();
      expect(hasPassed(graceEnds)).toBe(true);
    }
    for (const replica of set.replicas) expect(await check.status(replica, credential)).toBe(check.accepted);
  }

  it('accepts the old instance token on both replicas until the computed instant and refuses it on both after', async () => {
    const [origin, other] = set.replicas;
    const owner = await origin.login();
    const project = await givenProject(origin, owner);
    const instance = await givenInstance(origin, project);
    const old = await givenToken(origin, instance, { name: 'replicated' });
    await expectGraceOnBoth({
      status: (replica, token) => replica.request('GET', instance.verifyPath, { token }).then((r) => r.status),
      accepted: 204,
      refused: 401,
      old: old.content,
      rotate: async () => {
        const rotated = await origin.request('POST', `${instance.tokensPath}/${old.id}/rotate`, { token: owner.access, json: { gracePeriod: GRACE } });
        expect(rotated.status).toBe(202);
        return {
          credential: rotated.body.token.content,
          // Read on the other replica: the shortened validUntil is in the database, not only in the rotating process.
          graceEnds: async () => (await other.request('GET', `${instance.tokensPath}/${old.id}`, { token: owner.access })).body.token.validUntil,
        };
      },
    });
  });

  it('does the same for a service-account access token and an external model token', async () => {
    const [origin] = set.replicas;
    const owner = await origin.login();
    const project = await givenProject(origin, owner, 'replicated-sa');
    const account = await givenServiceAccount(origin, project, 'reader', 'replicated');
    const accessTokens = `/v2/projects/${project.id}/service-accounts/${account.email}/access-tokens`;
    const oldAccessId = jwtPayload(account.access).jti as string;
    const model = await seedModel(origin, owner.access, { key: 'replicated', prefix: 'models/replicated', versions: [{ version: '1' }] });
    const external = await origin.request('POST', `${EXTERNAL}/`, { token: owner.access, json: { name: 'replicated', prefix_key: 'replicated' } });
    expect(external.status).toBe(201);

    await Promise.all([
      expectGraceOnBoth({
        status: (replica, token) => replica.request('GET', `/v2/projects/${project.id}/service-accounts`, { token }).then((r) => r.status),
        accepted: 200,
        refused: 401,
        old: account.access,
        rotate: async () => {
          const rotated = await origin.request('POST', `${accessTokens}/${oldAccessId}/rotate`, { token: owner.access, json: { gracePeriod: GRACE } });
          expect(rotated.status).toBe(201);
          return {
            credential: rotated.body.token,
            graceEnds: async () =>
              (await set.replicas[1].request('GET', accessTokens, { token: owner.access })).body.items.find((t: { id: string }) => t.id === oldAccessId)
                .validUntil,
          };
        },
      }),
      expectGraceOnBoth({
        status: (replica, token) => replica.request('GET', `/v1/auth/models/${model.modelId}/verify`, { token }).then((r) => r.status),
        accepted: 204,
        refused: 401,
        old: external.body.token,
        rotate: async () => {
          const rotated = await origin.request('POST', `${EXTERNAL}/${external.body.id}/rotate`, { token: owner.access, json: { grace_period: GRACE } });
          expect(rotated.status).toBe(201);
          return {
            credential: rotated.body.token,
            graceEnds: async () => (await set.replicas[1].request('GET', `${EXTERNAL}/${external.body.id}`, { token: owner.access })).body.expires_at,
          };
        },
      }),
    ]);
  });
});
