import { TokenSigner, CONSOLE_AUDIENCE } from '../src/keys/token-signer.service';
import { TokenUseQueues } from '../src/token-uses/token-use-queue';
import { givenProject } from './support/fixtures';
import { HttpResponse, jwtPayload, TestApp } from './support/test-app';

const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';
const EMAIL = /^[a-z](?:-?[a-z0-9]+)*-[a-z0-9]{8}@sa\.tessera\.local$/;

function expectStackitError(response: HttpResponse, status: number, reason: string) {
  expect(response.status).toBe(status);
  expect(response.body).toEqual({ code: status, message: expect.any(String), status: reason });
}

function expectInvalidToken(response: HttpResponse) {
  expectStackitError(response, 401, 'Unauthorized');
  // An expired token also gets an error_description that says so (see test/actionable-errors.e2e-spec.ts).
  expect(response.headers.get('www-authenticate')).toMatch(
    /^Bearer error="invalid_token"(, error_description="The service account access token has expired; [^"]*")?$/,
  );
}

describe('service accounts and their access tokens', () => {
  let app: TestApp;
  let admin: { access: string };
  let owner: { access: string; email: string };
  let projectId: string;
  const accounts = (project = projectId) => `/v2/projects/${project}/service-accounts`;

  async function createAccount(name: string, role?: string, token = owner.access, project = projectId) {
    const response = await app.request('POST', accounts(project), { token, json: role ? { name, role } : { name } });
    if (response.status !== 201) throw new Error(`creating ${name}: ${response.status} ${response.text}`);
    return response.body as { id: string; email: string; projectId: string; internal: boolean };
  }

  async function createToken(email: string, ttlDays = 30, token = owner.access, project = projectId) {
    const response = await app.request('POST', `${accounts(project)}/${email}/access-tokens`, { token, json: { ttlDays } });
    if (response.status !== 201) throw new Error(`creating a token for ${email}: ${response.status} ${response.text}`);
    return response.body as { id: string; createdAt: string; validUntil: string; active: boolean; token: string };
  }

  beforeAll(async () => {
    app = await TestApp.start();
    admin = await app.login();
    owner = await app.createUser('owner@tessera.test');
    projectId = (await givenProject(app, owner, 'pipelines')).id;
  });
  afterAll(() => app.close());

  it('creates a service account as a reader member of its project and lists it', async () => {
    const created = await app.request('POST', accounts(), { token: owner.access, json: { name: 'ci-runner' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), email: expect.stringMatching(EMAIL), projectId, internal: false });
    expect(created.body.email.startsWith('ci-runner-')).toBe(true);

    const listed = await app.request('GET', accounts(), { token: owner.access });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toContainEqual(created.body);

    const members = await app.request('GET', `/v1/projects/${projectId}/members`, { token: owner.access });
    expect(members.body.items).toContainEqual({ subject: created.body.email, subjectType: 'service-account', role: 'reader' });

    // The same name twice gives two accounts: the generated suffix keeps emails unique.
    const again = await createAccount('ci-runner');
    expect(again.email).not.toBe(created.body.email);
  });

  it('serves the same API under /v1 and /v1alpha, with or without a trailing slash', async () => {
    const account = await createAccount('aliases', 'editor');
    for (const prefix of ['/v1', '/v1alpha']) {
      for (const slash of ['', '/']) {
        const listed = await app.request('GET', `${prefix}/projects/${projectId}/service-accounts${slash}`, { token: owner.access });
        expect(listed.status).toBe(200);
        expect(listed.body.items).toContainEqual(account);
      }
    }
    const token = await app.request('POST', `/v1/projects/${projectId}/service-accounts/${account.email}/access-tokens/`, {
      token: owner.access,
      json: { ttlDays: 1 },
    });
    expect(token.status).toBe(201);
  });

  it('issues an access token shown once that authenticates as the account until revoked', async () => {
    const account = await createAccount('trainer');
    const before = Date.now();
    const response = await app.request('POST', `${accounts()}/${account.email}/access-tokens`, { token: owner.access, json: { ttlDays: 30 } });
    expect(response.status).toBe(201);
    const created = response.body;
    expect(created).toEqual({ id: expect.any(String), createdAt: expect.any(String), validUntil: expect.any(String), active: true, token: expect.any(String) });
    const claims = jwtPayload(created.token);
    expect(claims).toMatchObject({ token_type: 'sa-access', jti: created.id, sub: account.id, aud: CONSOLE_AUDIENCE, iss: 'tessera' });
    expect(Date.parse(created.validUntil)).toBe(claims.exp * 1000);
    const thirtyDays = 30 * 86_400_000;
    expect(Date.parse(created.validUntil)).toBeGreaterThanOrEqual(before + thirtyDays - 1000);
    expect(Date.parse(created.validUntil)).toBeLessThanOrEqual(Date.now() + thirtyDays);

    const listed = await app.request('GET', `${accounts()}/${account.email}/access-tokens`, { token: owner.access });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([{ id: created.id, createdAt: created.createdAt, validUntil: created.validUntil, active: true }]);

    // As a bearer it lists the account's project and nothing else.
    const projects = await app.request('GET', '/v1/projects', { token: created.token });
    expect(projects.status).toBe(200);
    expect(projects.body.items.map((p: { id: string }) => p.id)).toEqual([projectId]);
    expect((await app.request('GET', accounts(), { token: created.token })).status).toBe(200);

    const revoked = await app.request('DELETE', `${accounts()}/${account.email}/access-tokens/${created.id}`, { token: owner.access });
    expect(revoked.status).toBe(200);
    expectInvalidToken(await app.request('GET', '/v1/projects', { token: created.token }));

    // Its uses are written every 10 s; written now, the list shows them (no trusted proxy: the connection's address).
    await app.app.get(TokenUseQueues).flush();
    const after = await app.request('GET', `${accounts()}/${account.email}/access-tokens`, { token: owner.access });
    expect(after.body.items).toEqual([
      {
        id: created.id,
        createdAt: created.createdAt,
        validUntil: created.validUntil,
        active: false,
        lastUsedAt: expect.any(String),
        lastUsedIps: [{ ip: '127.0.0.1', lastUsedAt: expect.any(String) }],
      },
    ]);

    expectStackitError(await app.request('DELETE', `${accounts()}/${account.email}/access-tokens/${created.id}`, { token: owner.access }), 409, 'Conflict');
    expectStackitError(await app.request('DELETE', `${accounts()}/${account.email}/access-tokens/${UNKNOWN_UUID}`, { token: owner.access }), 404, 'Not Found');
    expectStackitError(await app.request('DELETE', `${accounts()}/${account.email}/access-tokens/not-a-uuid`, { token: owner.access }), 400, 'Bad Request');
  });

  it("revokes one token without touching the account's other tokens", async () => {
    const account = await createAccount('two-tokens');
    const first = await createToken(account.email);
    const second = await createToken(account.email, 180);
    await app.request('DELETE', `${accounts()}/${account.email}/access-tokens/${first.id}`, { token: owner.access });
    expect((await app.request('GET', '/v1/projects', { token: first.token })).status).toBe(401);
    expect((await app.request('GET', '/v1/projects', { token: second.token })).status).toBe(200);
  });

  it('deletes an account: its tokens stop working at once and it leaves the project', async () => {
    const account = await createAccount('short-lived', 'editor');
    const { token } = await createToken(account.email);
    expect((await app.request('GET', '/v1/projects', { token })).status).toBe(200);

    const deleted = await app.request('DELETE', `${accounts()}/${account.email}`, { token: owner.access });
    expect(deleted.status).toBe(200);
    expectInvalidToken(await app.request('GET', '/v1/projects', { token }));

    expect((await app.request('GET', accounts(), { token: owner.access })).body.items).not.toContainEqual(account);
    const members = await app.request('GET', `/v1/projects/${projectId}/members`, { token: owner.access });
    expect(members.body.items.map((m: { subject: string }) => m.subject)).not.toContain(account.email);

    expectStackitError(await app.request('DELETE', `${accounts()}/${account.email}`, { token: owner.access }), 404, 'Not Found');
    expectStackitError(await app.request('GET', `${accounts()}/${account.email}/access-tokens`, { token: owner.access }), 404, 'Not Found');
    expectStackitError(
      await app.request('POST', `${accounts()}/${account.email}/access-tokens`, { token: owner.access, json: { ttlDays: 1 } }),
      404,
      'Not Found',
    );
  });

  it('lets readers and editors list, and only owners change accounts and tokens', async () => {
    const reader = await app.createUser('sa-reader@tessera.test');
    const editor = await app.createUser('sa-editor@tessera.test');
    const outsider = await app.createUser('sa-outsider@tessera.test');
    for (const [who, role] of [
      [reader, 'reader'],
      [editor, 'editor'],
    ] as const) {
      const added = await app.request('POST', `/v1/projects/${projectId}/members`, { token: owner.access, json: { subject: who.email, role } });
      expect(added.status).toBe(201);
    }
    const account = await createAccount('guarded');
    const token = await createToken(account.email);

    for (const who of [reader, editor]) {
      expect((await app.request('GET', accounts(), { token: who.access })).status).toBe(200);
      expect((await app.request('GET', `${accounts()}/${account.email}/access-tokens`, { token: who.access })).status).toBe(200);
      expectStackitError(await app.request('POST', accounts(), { token: who.access, json: { name: 'sneaky' } }), 403, 'Forbidden');
      expectStackitError(
        await app.request('POST', `${accounts()}/${account.email}/access-tokens`, { token: who.access, json: { ttlDays: 1 } }),
        403,
        'Forbidden',
      );
      expectStackitError(await app.request('DELETE', `${accounts()}/${account.email}/access-tokens/${token.id}`, { token: who.access }), 403, 'Forbidden');
      expectStackitError(await app.request('DELETE', `${accounts()}/${account.email}`, { token: who.access }), 403, 'Forbidden');
    }
    // An editor must not mint an account stronger than itself.
    expectStackitError(await app.request('POST', accounts(), { token: editor.access, json: { name: 'escalate', role: 'owner' } }), 403, 'Forbidden');

    for (const request of [
      app.request('GET', accounts(), { token: outsider.access }),
      app.request('GET', `${accounts()}/${account.email}/access-tokens`, { token: outsider.access }),
      app.request('POST', accounts(), { token: outsider.access, json: { name: 'intruder' } }),
    ]) {
      expectStackitError(await request, 403, 'Forbidden');
    }
    // The token survived every refused attempt.
    expect((await app.request('GET', '/v1/projects', { token: token.token })).status).toBe(200);

    // Platform admins manage any project's accounts.
    const byAdmin = await app.request('POST', `${accounts()}/${account.email}/access-tokens`, { token: admin.access, json: { ttlDays: 2 } });
    expect(byAdmin.status).toBe(201);
    expect((await app.request('DELETE', `${accounts()}/${account.email}/access-tokens/${byAdmin.body.id}`, { token: admin.access })).status).toBe(200);
  });

  it("acts with the account's membership role and never with platform-admin powers", async () => {
    const readerAccount = await createAccount('sa-as-reader');
    const readerToken = (await createToken(readerAccount.email)).token;
    expect((await app.request('GET', `/v1/projects/${projectId}`, { token: readerToken })).status).toBe(200);
    expect((await app.request('GET', `/v1/projects/${projectId}/members`, { token: readerToken })).status).toBe(200);
    expectStackitError(await app.request('PATCH', `/v1/projects/${projectId}`, { token: readerToken, json: { name: 'renamed' } }), 403, 'Forbidden');
    expectStackitError(await app.request('POST', accounts(), { token: readerToken, json: { name: 'child' } }), 403, 'Forbidden');
    expectStackitError(await app.request('POST', '/v1/projects', { token: readerToken, json: { name: 'own' } }), 403, 'Forbidden');

    const ownerAccount = await createAccount('sa-as-owner', 'owner');
    const ownerToken = (await createToken(ownerAccount.email)).token;
    const child = await createAccount('child', 'reader', ownerToken);
    expect((await app.request('POST', `${accounts()}/${child.email}/access-tokens`, { token: ownerToken, json: { ttlDays: 1 } })).status).toBe(201);
    expect((await app.request('DELETE', `${accounts()}/${child.email}`, { token: ownerToken })).status).toBe(200);

    // Platform-admin routes refuse service accounts, and other projects stay closed to them.
    const users = await app.request('GET', '/console/api/users/', { token: ownerToken });
    expect(users.status).toBe(403);
    expect(users.body).toEqual({ detail: expect.any(String), code: 'permission_denied' });
    const other = (await app.request('POST', '/v1/projects', { token: admin.access, json: { name: 'elsewhere' } })).body.id;
    expectStackitError(await app.request('GET', `/v1/projects/${other}`, { token: ownerToken }), 403, 'Forbidden');
    expectStackitError(await app.request('GET', accounts(other), { token: ownerToken }), 403, 'Forbidden');
    expect((await app.request('GET', '/v1/projects', { token: ownerToken })).body.items.map((p: { id: string }) => p.id)).toEqual([projectId]);
  });

  it('keeps accounts and tokens inside their project', async () => {
    const account = await createAccount('home');
    const token = await createToken(account.email);
    const otherProject = (await app.request('POST', '/v1/projects', { token: owner.access, json: { name: 'other' } })).body.id;
    const otherAccount = await createAccount('away', undefined, owner.access, otherProject);

    // The owner of both projects still cannot reach an account through the wrong project.
    expectStackitError(await app.request('GET', `${accounts(otherProject)}/${account.email}/access-tokens`, { token: owner.access }), 404, 'Not Found');
    expectStackitError(await app.request('DELETE', `${accounts(otherProject)}/${account.email}`, { token: owner.access }), 404, 'Not Found');
    expectStackitError(
      await app.request('POST', `${accounts(otherProject)}/${account.email}/access-tokens`, { token: owner.access, json: { ttlDays: 1 } }),
      404,
      'Not Found',
    );
    // Nor revoke a token through another account.
    expectStackitError(
      await app.request('DELETE', `${accounts(otherProject)}/${otherAccount.email}/access-tokens/${token.id}`, { token: owner.access }),
      404,
      'Not Found',
    );
    expect((await app.request('GET', accounts(otherProject), { token: owner.access })).body.items).toEqual([otherAccount]);
    expect((await app.request('GET', '/v1/projects', { token: token.token })).status).toBe(200);

    expectStackitError(await app.request('GET', accounts(UNKNOWN_UUID), { token: owner.access }), 404, 'Not Found');
    expectStackitError(await app.request('GET', `${accounts()}/nobody-abcdefgh@sa.tessera.local/access-tokens`, { token: owner.access }), 404, 'Not Found');
  });

  it('keeps a project owned: the last owner cannot be deleted', async () => {
    const founder = await app.createUser('founder@tessera.test');
    const project = (await app.request('POST', '/v1/projects', { token: founder.access, json: { name: 'handed-over' } })).body.id;
    const account = await createAccount('successor', 'owner', founder.access, project);
    const { token } = await createToken(account.email, 1, founder.access, project);
    expect((await app.request('DELETE', `/v1/projects/${project}/members/${founder.email}`, { token: founder.access })).status).toBe(204);

    expectStackitError(await app.request('DELETE', `${accounts(project)}/${account.email}`, { token }), 409, 'Conflict');
    expectStackitError(await app.request('DELETE', `${accounts(project)}/${account.email}`, { token: admin.access }), 409, 'Conflict');
    expect((await app.request('GET', `/v1/projects/${project}`, { token })).status).toBe(200);
  });

  it('rejects invalid input with 400 in the STACKIT error body', async () => {
    const badBodies: unknown[] = [
      {},
      { name: '' },
      { name: 'Uppercase' },
      { name: '1starts-with-digit' },
      { name: 'trailing-' },
      { name: 'double--hyphen' },
      { name: 'a'.repeat(21) },
      { name: 42 },
      { name: 'ok', role: 'admin' },
      { name: 'ok', extra: true },
    ];
    for (const json of badBodies) {
      const response = await app.request('POST', accounts(), { token: owner.access, json });
      expectStackitError(response, 400, 'Bad Request');
    }
    expect((await app.request('POST', accounts(), { token: owner.access, json: { name: 'a'.repeat(20) } })).status).toBe(201);
    const malformed = await app.request('POST', accounts(), { token: owner.access, raw: '{"name":', headers: { 'content-type': 'application/json' } });
    expectStackitError(malformed, 400, 'Bad Request');

    const account = await createAccount('validated');
    for (const ttlDays of [0, 181, 1.5, 'x', '30', null, -1]) {
      const response = await app.request('POST', `${accounts()}/${account.email}/access-tokens`, { token: owner.access, json: { ttlDays } });
      expectStackitError(response, 400, 'Bad Request');
      expect(response.body.message).toMatch(/ttlDays/);
    }
    expectStackitError(await app.request('POST', `${accounts()}/${account.email}/access-tokens`, { token: owner.access, json: {} }), 400, 'Bad Request');
    const unknownField = await app.request('POST', `${accounts()}/${account.email}/access-tokens`, { token: owner.access, json: { ttlDays: 1, scope: 'all' } });
    expectStackitError(unknownField, 400, 'Bad Request');
    expect(unknownField.body.message).toMatch(/scope should not exist/);

    expectStackitError(await app.request('GET', '/v2/projects/not-a-uuid/service-accounts', { token: owner.access }), 400, 'Bad Request');
    expectStackitError(await app.request('GET', `${accounts()}/not-an-email/access-tokens`, { token: owner.access }), 400, 'Bad Request');
    expectStackitError(await app.request('DELETE', `${accounts()}/not-an-email`, { token: owner.access }), 400, 'Bad Request');
  });

  it('refuses requests without a token and tokens of other types', async () => {
    const unauthenticated = await app.request('GET', accounts());
    expectStackitError(unauthenticated, 401, 'Unauthorized');
    expect(unauthenticated.headers.get('www-authenticate')).toBe('Bearer');

    const { refresh } = await app.login('owner@tessera.test', 'user-password-123');
    expectInvalidToken(await app.request('GET', accounts(), { token: refresh }));

    const signer = app.app.get(TokenSigner);
    const account = await createAccount('typed');
    const expiresAt = new Date(Date.now() + 3_600_000);
    const forged = [
      // Instance and model tokens name their resource as audience.
      signer.issue({ type: 'instance', subject: account.id, audience: `instance:${UNKNOWN_UUID}`, expiresAt }).token,
      signer.issue({ type: 'model-session', subject: account.id, audience: 'model:demo', expiresAt }).token,
      // Even with the console audience, only access and sa-access token types are bearer identities.
      signer.issue({ type: 'instance', subject: account.id, audience: CONSOLE_AUDIENCE, expiresAt }).token,
      signer.issue({ type: 'model-external', subject: account.id, audience: CONSOLE_AUDIENCE, expiresAt }).token,
      // A well-signed sa-access token that was never issued (no row for its jti).
      signer.issue({ type: 'sa-access', subject: account.id, audience: CONSOLE_AUDIENCE, expiresAt }).token,
      // An expired one.
      signer.issue({ type: 'sa-access', subject: account.id, audience: CONSOLE_AUDIENCE, expiresAt: new Date(Date.now() - 60_000) }).token,
      'not.a.jwt',
    ];
    for (const token of forged) expectInvalidToken(await app.request('GET', accounts(), { token }));

    // A token issued for one account does not authenticate as another.
    const issued = await createToken(account.email);
    const other = await createAccount('other-sub');
    const swapped = signer.issue({ type: 'sa-access', subject: other.id, audience: CONSOLE_AUDIENCE, expiresAt, id: issued.id }).token;
    expectInvalidToken(await app.request('GET', accounts(), { token: swapped }));
  });
});
