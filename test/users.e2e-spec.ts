import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN_EMAIL, ADMIN_PASSWORD, HttpResponse, jwtPayload, TestApp } from './support/test-app';

const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';

function expectConsoleError(response: HttpResponse, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.body).toEqual({ detail: expect.any(String), code });
}

function expectInvalidToken(response: HttpResponse) {
  expectConsoleError(response, 401, 'token_not_valid');
  expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
}

describe('users admin API', () => {
  let app: TestApp;
  let admin: { access: string };

  beforeAll(async () => {
    app = await TestApp.start();
    admin = await app.login();
  });
  afterAll(() => app.close());

  it('creates, lists and reads users', async () => {
    const created = await app.request('POST', '/console/api/users/', {
      token: admin.access,
      json: { email: 'Carol@Tessera.test', password: 'carol-password-1' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), email: 'carol@tessera.test', is_admin: false, is_active: true, created_at: expect.any(String) });
    expect(created.text).not.toContain('carol-password-1');

    const listed = await app.request('GET', '/console/api/users/', { token: admin.access });
    expect(listed.status).toBe(200);
    expect(listed.body.map((u: { email: string }) => u.email)).toEqual([ADMIN_EMAIL, 'carol@tessera.test']);
    expect(JSON.stringify(listed.body)).not.toMatch(/password/i);

    expect((await app.request('GET', `/console/api/users/${created.body.id}`, { token: admin.access })).body).toEqual(created.body);
    const carol = await app.login('carol@tessera.test', 'carol-password-1');
    expect((await app.request('GET', '/console/api/users/me/', { token: carol.access })).body).toEqual(created.body);
    expect((await app.request('GET', `/console/api/users/${created.body.id}/`, { token: carol.access })).status).toBe(200);

    expectConsoleError(
      await app.request('POST', '/console/api/users/', { token: admin.access, json: { email: 'carol@tessera.test', password: 'another-password' } }),
      409,
      'conflict',
    );
    expectConsoleError(await app.request('GET', `/console/api/users/${UNKNOWN_UUID}`, { token: admin.access }), 404, 'not_found');
    expectConsoleError(await app.request('GET', '/console/api/users/not-a-uuid', { token: admin.access }), 400, 'bad_request');
  });

  it('validates user input', async () => {
    const bodies: unknown[] = [
      { email: 'not-an-email', password: 'long-enough-password' },
      { email: 'short@tessera.test', password: 'too-short' },
      { email: 'typed@tessera.test', password: 123456789012345 },
      { email: 'flag@tessera.test', password: 'long-enough-password', is_admin: 'yes' },
      { email: 'extra@tessera.test', password: 'long-enough-password', role: 'admin' },
      {},
    ];
    for (const json of bodies) {
      const response = await app.request('POST', '/console/api/users/', { token: admin.access, json });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ detail: expect.any(String), code: 'invalid' });
    }
    const user = await app.createUser('valid@tessera.test');
    expect((await app.request('PATCH', `/console/api/users/${user.id}`, { token: admin.access, json: { is_active: 'no' } })).status).toBe(400);
    expect((await app.request('PATCH', `/console/api/users/${user.id}`, { token: admin.access, json: { email: 'x@y.z' } })).status).toBe(400);
    expect((await app.request('POST', `/console/api/users/${user.id}/password`, { token: admin.access, json: { password: 'short' } })).status).toBe(400);
    expect((await app.request('GET', '/console/api/users/', { token: admin.access })).body.map((u: { email: string }) => u.email)).not.toContain(
      'extra@tessera.test',
    );
  });

  it('refuses every admin operation to non-admins with 403', async () => {
    const dave = await app.createUser('dave@tessera.test');
    const erin = await app.createUser('erin@tessera.test');
    const calls = [
      app.request('GET', '/console/api/users/', { token: dave.access }),
      app.request('POST', '/console/api/users/', { token: dave.access, json: { email: 'sneaky@tessera.test', password: 'sneaky-password' } }),
      app.request('GET', `/console/api/users/${erin.id}`, { token: dave.access }),
      app.request('PATCH', `/console/api/users/${erin.id}`, { token: dave.access, json: { is_active: false } }),
      app.request('PATCH', `/console/api/users/${dave.id}`, { token: dave.access, json: { is_admin: true } }),
      app.request('POST', `/console/api/users/${erin.id}/password`, { token: dave.access, json: { password: 'taken-over-password' } }),
    ];
    for (const call of calls) expectConsoleError(await call, 403, 'permission_denied');
    // Nothing happened: erin still logs in with her password, dave is still no admin.
    await app.login('erin@tessera.test', 'user-password-123');
    expect((await app.request('GET', '/console/api/users/me', { token: dave.access })).body.is_admin).toBe(false);
    expect((await app.login()).access).toEqual(expect.any(String));
    expect((await app.request('GET', '/console/api/users/', { token: admin.access })).body.map((u: { email: string }) => u.email)).not.toContain(
      'sneaky@tessera.test',
    );
  });

  it('promotes a user to platform admin and back', async () => {
    const frank = await app.createUser('frank@tessera.test');
    const promoted = await app.request('PATCH', `/console/api/users/${frank.id}`, { token: admin.access, json: { is_admin: true } });
    expect(promoted.status).toBe(200);
    expect(promoted.body.is_admin).toBe(true);
    expect((await app.request('GET', '/console/api/users/', { token: frank.access })).status).toBe(200);
    expect((await app.request('PATCH', `/console/api/users/${frank.id}`, { token: admin.access, json: { is_admin: false } })).body.is_admin).toBe(false);
    expectConsoleError(await app.request('GET', '/console/api/users/', { token: frank.access }), 403, 'permission_denied');
  });

  it('disables a user: access and refresh tokens stop working at once, login fails until enabled, old tokens stay dead', async () => {
    const grace = await app.createUser('grace@tessera.test');
    expect((await app.request('GET', '/console/api/users/me', { token: grace.access })).status).toBe(200);

    const disabled = await app.request('PATCH', `/console/api/users/${grace.id}`, { token: admin.access, json: { is_active: false } });
    expect(disabled.status).toBe(200);
    expect(disabled.body.is_active).toBe(false);

    expectInvalidToken(await app.request('GET', '/console/api/users/me', { token: grace.access }));
    const onV1 = await app.request('GET', '/v1/projects', { token: grace.access });
    expect(onV1.status).toBe(401);
    expect(onV1.body).toEqual({ code: 401, message: expect.any(String), status: 'Unauthorized' });
    expectInvalidToken(await app.request('POST', '/console/api/auth/refresh/', { json: { refresh: grace.refresh } }));
    expect((await app.request('POST', '/console/api/auth/verify/', { json: { token: grace.access } })).status).toBe(401);
    const login = await app.request('POST', '/console/api/auth/', { json: { email: 'grace@tessera.test', password: 'user-password-123' } });
    expectConsoleError(login, 401, 'no_active_account');

    const enabled = await app.request('PATCH', `/console/api/users/${grace.id}`, { token: admin.access, json: { is_active: true } });
    expect(enabled.body.is_active).toBe(true);
    const again = await app.login('grace@tessera.test', 'user-password-123');
    expect((await app.request('GET', '/console/api/users/me', { token: again.access })).status).toBe(200);
    // Tokens issued before the disable stay dead: re-enabling does not revive them.
    expectInvalidToken(await app.request('GET', '/console/api/users/me', { token: grace.access }));
    expect((await app.request('POST', '/console/api/auth/verify/', { json: { token: grace.access } })).status).toBe(401);
    expectInvalidToken(await app.request('POST', '/console/api/auth/refresh/', { json: { refresh: grace.refresh } }));
  });

  it('does not let an admin disable or demote their own account', async () => {
    const me = (await app.request('GET', '/console/api/users/me', { token: admin.access })).body;
    expectConsoleError(await app.request('PATCH', `/console/api/users/${me.id}`, { token: admin.access, json: { is_active: false } }), 409, 'conflict');
    expectConsoleError(await app.request('PATCH', `/console/api/users/${me.id}`, { token: admin.access, json: { is_admin: false } }), 409, 'conflict');
    expectConsoleError(await app.request('PATCH', `/console/api/users/${UNKNOWN_UUID}`, { token: admin.access, json: { is_active: false } }), 404, 'not_found');
  });

  it('resets a password: the old one, old access tokens and old refresh tokens stop working', async () => {
    const heidi = await app.createUser('heidi@tessera.test');
    expect((await app.request('GET', '/console/api/users/me', { token: heidi.access })).status).toBe(200);
    const reset = await app.request('POST', `/console/api/users/${heidi.id}/password/`, { token: admin.access, json: { password: 'brand-new-password' } });
    expect(reset.status).toBe(204);

    const old = await app.request('POST', '/console/api/auth/', { json: { email: 'heidi@tessera.test', password: 'user-password-123' } });
    expectConsoleError(old, 401, 'no_active_account');
    expectInvalidToken(await app.request('POST', '/console/api/auth/refresh/', { json: { refresh: heidi.refresh } }));
    expectInvalidToken(await app.request('GET', '/console/api/users/me', { token: heidi.access }));
    expect((await app.request('GET', '/v1/projects', { token: heidi.access })).status).toBe(401);
    expect((await app.request('POST', '/console/api/auth/verify/', { json: { token: heidi.access } })).status).toBe(401);
    // A token issued right after the reset (within the same second) works.
    const fresh = await app.login('heidi@tessera.test', 'brand-new-password');
    expect((await app.request('GET', '/console/api/users/me', { token: fresh.access })).status).toBe(200);
    expect((await app.request('POST', '/console/api/auth/refresh/', { json: { refresh: fresh.refresh } })).status).toBe(200);
    expectConsoleError(
      await app.request('POST', `/console/api/users/${UNKNOWN_UUID}/password`, { token: admin.access, json: { password: 'brand-new-password' } }),
      404,
      'not_found',
    );
  });
});

describe('login throttling', () => {
  it('locks an account after too many failures with 429 and Retry-After, leaving others alone', async () => {
    const app = await TestApp.start({ TESSERA_LOGIN_FAILURES_PER_ACCOUNT: '3' });
    try {
      const victim = await app.createUser('victim@tessera.test', 'victim-password-1');
      for (let i = 0; i < 3; i++) {
        const wrong = await app.request('POST', '/console/api/auth/', { json: { email: 'victim@tessera.test', password: `guess-${i}-guess` } });
        expectConsoleError(wrong, 401, 'no_active_account');
      }
      for (const password of ['guess-4-guess', 'victim-password-1']) {
        const locked = await app.request('POST', '/console/api/auth/', { json: { email: 'VICTIM@tessera.test', password } });
        expectConsoleError(locked, 429, 'throttled');
        const retryAfter = Number(locked.headers.get('retry-after'));
        expect(Number.isInteger(retryAfter)).toBe(true);
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(15 * 60);
      }
      // Tokens issued before the lock keep working; other accounts still log in.
      expect((await app.request('GET', '/console/api/users/me', { token: victim.access })).status).toBe(200);
      await app.login();
      // Unknown accounts are throttled the same way, so the lock reveals nothing.
      for (let i = 0; i < 3; i++) await app.request('POST', '/console/api/auth/', { json: { email: 'ghost@tessera.test', password: 'whatever-pass' } });
      expect((await app.request('POST', '/console/api/auth/', { json: { email: 'ghost@tessera.test', password: 'whatever-pass' } })).status).toBe(429);
    } finally {
      await app.close();
    }
  });

  it('limits attempts per client address with 429 and Retry-After', async () => {
    const app = await TestApp.start({ TESSERA_LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: '3' });
    try {
      await app.login();
      const wrong = await app.request('POST', '/console/api/auth/', { json: { email: 'nobody@tessera.test', password: 'wrong-password' } });
      expect(wrong.status).toBe(401);
      await app.login();
      const limited = await app.request('POST', '/console/api/auth/', { json: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
      expectConsoleError(limited, 429, 'throttled');
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
    } finally {
      await app.close();
    }
  });
});

describe('refresh token rotation (TESSERA_REFRESH_ROTATION=true)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({ TESSERA_REFRESH_ROTATION: 'true' });
  });
  afterAll(() => app.close());

  const refresh = (token: string) => app.request('POST', '/console/api/auth/refresh/', { json: { refresh: token } });

  it('returns a new refresh token each time; reusing a rotated one revokes the whole family', async () => {
    const first = await app.login();
    const second = await refresh(first.refresh);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ access: expect.any(String), refresh: expect.any(String) });
    expect(second.body.refresh).not.toBe(first.refresh);
    expect(jwtPayload(second.body.refresh).token_type).toBe('refresh');
    expect((await app.request('GET', '/console/api/users/me', { token: second.body.access })).status).toBe(200);

    const third = await refresh(second.body.refresh);
    expect(third.status).toBe(200);

    // The first token comes back: someone holds a copy, so its whole family dies.
    expectInvalidToken(await refresh(first.refresh));
    expectInvalidToken(await refresh(third.body.refresh));
    expectInvalidToken(await refresh(second.body.refresh));
    // Other login sessions (other families) are untouched.
    const other = await app.login();
    expect((await refresh(other.refresh)).status).toBe(200);
  });
});

describe('expired tokens', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({ TESSERA_ACCESS_TOKEN_TTL: '1s', TESSERA_REFRESH_TOKEN_TTL: '1s' });
  });
  afterAll(() => app.close());

  it('refuses expired access and refresh tokens with token_not_valid', async () => {
    const { access, refresh } = await app.login();
    for (const token of [access, refresh]) {
      const claims = jwtPayload(token);
      expect(claims.exp - claims.iat).toBeLessThanOrEqual(1);
    }
    const expiry = jwtPayload(access).exp * 1000;
    await sleep(Math.max(0, expiry - Date.now()) + 1100);

    // Expired, not merely invalid: the message and the RFC 6750 description say so and what renews it.
    const expiredAccess =
      /^Bearer error="invalid_token", error_description="The access token has expired; get a new one from \/console\/api\/auth\/refresh\/ .*"$/;
    const onConsole = await app.request('GET', '/console/api/users/me', { token: access });
    expectConsoleError(onConsole, 401, 'token_not_valid');
    expect(onConsole.body.detail).toMatch(/access token has expired/);
    expect(onConsole.headers.get('www-authenticate')).toMatch(expiredAccess);
    const onV1 = await app.request('GET', '/v1/projects', { token: access });
    expect(onV1.status).toBe(401);
    expect(onV1.headers.get('www-authenticate')).toMatch(expiredAccess);
    const refreshed = await app.request('POST', '/console/api/auth/refresh/', { json: { refresh } });
    expectConsoleError(refreshed, 401, 'token_not_valid');
    expect(refreshed.body.detail).toMatch(/refresh token has expired; log in again/);
    expect((await app.request('POST', '/console/api/auth/verify/', { json: { token: access } })).status).toBe(401);
  });
});
