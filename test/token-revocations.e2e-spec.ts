import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Caller, givenInstance, givenProject, givenServiceAccount, givenToken, Instance, InstanceToken, instancesPath, Project } from './support/fixtures';
import { editedPart, signJwt, signingKeyOf, TokenMint, withPart } from './support/jwt';
import { SeededModel, seedModel } from './support/model-registry';
import { pollUntil, Replica, ReplicaSet } from './support/replicas';
import { HttpResponse, jwtHeader, jwtPayload, TesseraClient, TestApp, usingPostgres } from './support/test-app';

const REVOCATIONS = '/v1/token-revocations';
const EXTERNAL_TOKENS = '/console/api/modelhost/external-api-tokens/';
/** The loopback address the tests call from, as the audit trail records it. */
const ADDRESS = '127.0.0.1';

const report = (app: TesseraClient, tokens: unknown, options: { token?: string; undocumented?: string } = {}) =>
  app.request('POST', REVOCATIONS, { json: { tokens }, ...options });

/** The one answer the endpoint gives, whatever the values were. */
function expectAccepted(response: HttpResponse): void {
  expect(response.status).toBe(202);
  expect(response.body).toEqual({ message: 'received: every value that is a live Tessera token is revoked' });
}

const database = usingPostgres() ? 'PostgreSQL' : 'SQLite';

describe(`POST /v1/token-revocations (${database})`, () => {
  let app: TestApp;
  let admin: string;
  let project: Project;
  let instance: Instance;
  let model: SeededModel;

  beforeAll(async () => {
    app = await TestApp.start({ TESSERA_TOKEN_REVOCATION_RATE: '100000/1m' });
    admin = (await app.login()).access;
    project = await givenProject(app, { access: admin });
    instance = await givenInstance(app, project);
    model = await seedModel(app, admin, { versions: [{ version: '1' }] });
  }, 60_000);
  afterAll(() => app?.close());

  const verifyInstance = (token: InstanceToken) => app.request('GET', instance.verifyPath, { token: token.content }).then((r) => r.status);
  const verifyModel = (token: string) => app.request('GET', `/v1/auth/models/${model.modelId}/verify`, { token }).then((r) => r.status);
  const tokenState = async (token: InstanceToken) => (await app.request('GET', token.path, { token: admin })).body.token.state as string;

  async function externalToken(name: string): Promise<{ id: string; token: string }> {
    const created = await app.request('POST', EXTERNAL_TOKENS, { token: admin, json: { name, prefix_key: model.prefixKey, ttl: '30d' } });
    expect(created.status).toBe(201);
    return created.body;
  }

  async function auditEvents(action: string, resourceId: string): Promise<any[]> {
    const response = await app.request('GET', `/v1/projects/${project.id}/audit-events?action=${action}&resourceId=${resourceId}`, { token: admin });
    expect(response.status).toBe(200);
    return response.body.events;
  }

  describe('revokes each kind of token at once', () => {
    it('an instance token: refused at forward auth, listed inactive, audited with the address', async () => {
      const token = await givenToken(app, instance, { name: 'leaked-ci', ttlDuration: '30d' });
      // Warm the verifier's cache, so the revocation must drop it.
      expect(await verifyInstance(token)).toBe(204);

      expectAccepted(await report(app, [token.content]));

      expect(await verifyInstance(token)).toBe(401);
      // Reported again: the same answer, and nothing more to revoke or record.
      expectAccepted(await report(app, [token.content]));
      expect(await tokenState(token)).toBe('inactive');
      const listed = await app.request('GET', instance.tokensPath, { token: admin });
      expect(listed.body.tokens.find((listedToken: { id: string }) => listedToken.id === token.id).state).toBe('inactive');
      expect(await auditEvents('instance-token.leaked', token.id)).toEqual([
        expect.objectContaining({
          actor: { type: 'anonymous', id: ADDRESS },
          action: 'instance-token.leaked',
          resource: { type: 'instance-token', id: token.id },
          outcome: 'success',
          details: { address: ADDRESS, instanceId: instance.id, name: 'leaked-ci' },
        }),
      ]);
    });

    it('a service-account access token: refused by the API, shown inactive, audited with the address', async () => {
      const account: Caller = await givenServiceAccount(app, project, 'reader', 'leaky-robot');
      const listInstances = () => app.request('GET', instancesPath(project.id), { token: account.access }).then((r) => r.status);
      expect(await listInstances()).toBe(200);
      const tokenId = jwtPayload(account.access).jti as string;

      expectAccepted(await report(app, [account.access]));

      expect(await listInstances()).toBe(401);
      expectAccepted(await report(app, [account.access]));
      const tokens = await app.request('GET', `/v2/projects/${project.id}/service-accounts/${account.email}/access-tokens`, { token: admin });
      expect(tokens.body.items).toEqual([expect.objectContaining({ id: tokenId, active: false })]);
      expect(await auditEvents('service-account-token.leaked', tokenId)).toEqual([
        expect.objectContaining({
          actor: { type: 'anonymous', id: ADDRESS },
          resource: { type: 'service-account-token', id: tokenId },
          details: { address: ADDRESS, serviceAccount: account.email },
        }),
      ]);
    });

    it('an external model token: refused at model forward auth, shown revoked', async () => {
      const external = await externalToken('partner');
      expect(await verifyModel(external.token)).toBe(204);

      expectAccepted(await report(app, [external.token]));

      expect(await verifyModel(external.token)).toBe(401);
      const metadata = await app.request('GET', `${EXTERNAL_TOKENS}${external.id}/`, { token: admin });
      expect(metadata.body).toMatchObject({ state: 'revoked', revoked_at: expect.any(String) });
    });

    it('a console refresh token: its whole family can no longer be exchanged', async () => {
      const user = await app.createUser('leaky-user@tessera.test');
      const refresh = (token: string) => app.request('POST', '/console/api/auth/refresh', { json: { refresh: token } }).then((r) => r.status);
      expect(await refresh(user.refresh)).toBe(200);

      expectAccepted(await report(app, [user.refresh]));

      expect(await refresh(user.refresh)).toBe(401);
    });
  });

  it('revokes only the real token among garbage, with the same answer', async () => {
    const leaked = await givenToken(app, instance, { name: 'mixed-leaked' });
    const bystander = await givenToken(app, instance, { name: 'mixed-bystander' });
    const garbage = ['', 'not a token', 'x'.repeat(8192), `${leaked.content}x`, leaked.content.slice(0, -2)];

    expectAccepted(await report(app, [...garbage, leaked.content]));

    expect(await tokenState(leaked)).toBe('inactive');
    expect(await tokenState(bystander)).toBe('active');
    expect(await verifyInstance(bystander)).toBe(204);
  });

  it('answers 202 for values that are not tokens or are forged, and revokes nothing', async () => {
    const bystander = await givenToken(app, instance, { name: 'forgery-target' });
    const external = await externalToken('forgery-target');
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const forged = [
      // A real token's header and payload with a signature of another token: signed by nobody.
      withPart(bystander.content, 2, external.token.split('.')[2]),
      // The claims of a real token, signed by a key Tessera does not hold, with Tessera's kid.
      signJwt(jwtHeader(bystander.content), jwtPayload(bystander.content), stranger),
      // Tessera's key, another token's id.
      signJwt(jwtHeader(bystander.content), { ...jwtPayload(bystander.content), jti: randomUUID() }, signingKeyOf(app)),
      withPart(bystander.content, 1, editedPart(bystander.content, 1, { aud: 'instance:other' })),
      new TokenMint(stranger).token('someone'),
    ];

    for (const values of [['hello'], ['ghp_0123456789abcdefghijklmnopqrstuvwxyz'], forged]) expectAccepted(await report(app, values));

    expect(await tokenState(bystander)).toBe('active');
    expect(await verifyInstance(bystander)).toBe(204);
    expect(await verifyModel(external.token)).toBe(204);
  });

  it('needs no authentication, and ignores an Authorization header, good or bad', async () => {
    const byAnyone = await givenToken(app, instance, { name: 'header-ignored' });
    expectAccepted(await report(app, ['no-token-here'], { token: 'not-a-jwt' }));
    expectAccepted(await report(app, ['no-token-here'], { token: admin }));
    expectAccepted(await report(app, [byAnyone.content], { token: byAnyone.content }));
    expect(await tokenState(byAnyone)).toBe('inactive');
  });

  it('refuses bodies that are not 1 to 100 strings of at most 8,192 characters, naming `tokens`', async () => {
    const cases: [string, unknown][] = [
      ['an empty array', []],
      ['101 values', Array.from({ length: 101 }, (_, i) => `value-${i}`)],
      ['an 8,193-character value', ['x'.repeat(8193)]],
      ['values that are not strings', ['ok', 42, null]],
      ['a string instead of an array', 'eyJ.a.b'],
    ];
    for (const [what, tokens] of cases) {
      const response = await report(app, tokens);
      expect({ what, status: response.status }).toEqual({ what, status: 400 });
      expect(response.body).toEqual({ code: 400, message: expect.stringContaining('tokens'), status: 'Bad Request' });
    }
    const missing = await app.request('POST', REVOCATIONS, { json: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('tokens');
    const extra = await app.request('POST', REVOCATIONS, { json: { tokens: ['a'], reason: 'found on a paste site' } });
    expect(extra.status).toBe(400);
    expect(extra.body.message).toContain('reason');
  });

  it('admits the largest valid body (100 values of 8,192 characters) and answers 413 to a larger one', async () => {
    expectAccepted(
      await report(
        app,
        Array.from({ length: 100 }, (_, i) => `${i}`.padEnd(8192, 'x')),
      ),
    );
    const larger = await report(
      app,
      Array.from({ length: 110 }, (_, i) => `${i}`.padEnd(8192, 'x')),
    );
    expect(larger.status).toBe(413);
    expect(larger.body).toEqual({ code: 413, message: expect.stringMatching(/^request body is larger than \d+ bytes$/), status: 'Payload Too Large' });
    // Other routes keep the service-wide limit.
    const elsewhere = await app.request('POST', '/v1/projects', { token: admin, json: { name: 'x'.repeat(200_000) } });
    expect(elsewhere.status).toBe(413);
  });
});

describe(`POST /v1/token-revocations rate limit (${database})`, () => {
  const LIMIT = 3;
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({ TESSERA_TOKEN_REVOCATION_RATE: `${LIMIT}/1m` });
  });
  afterAll(() => app?.close());

  it(`answers ${LIMIT} requests per address and window, then 429 with Retry-After; invalid requests count too`, async () => {
    expectAccepted(await report(app, ['one']));
    expect((await report(app, [])).status).toBe(400);
    expectAccepted(await report(app, ['three']));
    const throttled = await report(app, ['four']);
    expect(throttled.status).toBe(429);
    expect(throttled.body).toEqual({ code: 429, message: expect.stringContaining('too many token revocation requests'), status: 'Too Many Requests' });
    const retryAfter = Number(throttled.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });
});

// Replicas share a database only on PostgreSQL; on SQLite there is no other replica to reach.
const describeAcrossReplicas = usingPostgres() ? describe : describe.skip;
if (!usingPostgres()) {
  process.stdout.write(
    'token-revocations.e2e-spec: the two-replica test is skipped, replicas share a database only on PostgreSQL; set TEST_DATABASE_URL to run it\n',
  );
}
const PROPAGATION_BOUND_MS = 1_000;

describeAcrossReplicas('leaked tokens reported to one of 2 replicas of node dist/main.js (PostgreSQL only)', () => {
  let set: ReplicaSet;
  let origin: Replica;
  let other: Replica;

  beforeAll(async () => {
    set = await ReplicaSet.start(2);
    [origin, other] = set.replicas;
  }, 90_000);
  afterAll(() => set?.close());

  it('are refused by the other replica within 1 s: instance, service-account and external model tokens', async () => {
    const admin = (await origin.login()).access;
    const project = await givenProject(origin, { access: admin }, 'replicas');
    const instance = await givenInstance(origin, project);
    const token = await givenToken(origin, instance, { name: 'replicated' });
    const account = await givenServiceAccount(origin, project, 'reader');
    const model = await seedModel(origin, admin, { versions: [{ version: '1' }] });
    const external = await origin.request('POST', EXTERNAL_TOKENS, { token: admin, json: { name: 'replicated', prefix_key: model.prefixKey, ttl: '1d' } });
    expect(external.status).toBe(201);

    const checks = [
      (replica: Replica) => replica.request('GET', instance.verifyPath, { token: token.content }).then((r) => r.status === 204),
      (replica: Replica) => replica.request('GET', instancesPath(project.id), { token: account.access }).then((r) => r.status === 200),
      (replica: Replica) => replica.request('GET', `/v1/auth/models/${model.modelId}/verify`, { token: external.body.token }).then((r) => r.status === 204),
    ];
    // Accepted by both replicas first, which caches each token there.
    for (const replica of set.replicas) for (const accepted of checks) expect(await accepted(replica)).toBe(true);

    expectAccepted(await report(origin, [token.content, account.access, external.body.token]));

    for (const accepted of checks) {
      expect(await accepted(origin)).toBe(false);
      const tookMs = await pollUntil(async () => !(await accepted(other)), PROPAGATION_BOUND_MS);
      expect(tookMs).toBeDefined();
    }
  });
});
