import { createPublicKey, createVerify } from 'node:crypto';
import { ADMIN_EMAIL, ADMIN_PASSWORD, jwtHeader, jwtPayload, TestApp } from './support/test-app';

describe('console auth (Practicus-compatible)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(() => app.close());

  it('logs in with email and password, with or without the trailing slash', async () => {
    for (const path of ['/console/api/auth/', '/console/api/auth']) {
      const response = await app.request('POST', path, { json: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(['access', 'refresh']);
      expect(jwtPayload(response.body.access)).toMatchObject({ token_type: 'access', iss: 'tessera', aud: 'tessera' });
      expect(jwtPayload(response.body.refresh)).toMatchObject({ token_type: 'refresh' });
      expect(jwtHeader(response.body.access)).toMatchObject({ alg: 'ES256', typ: 'JWT' });
      expect(jwtHeader(response.body.access).kid).toEqual(expect.any(String));
    }
  });

  it('gives wrong password and unknown email the same 401', async () => {
    const wrong = await app.request('POST', '/console/api/auth/', { json: { email: ADMIN_EMAIL, password: 'nope-nope-nope' } });
    const unknown = await app.request('POST', '/console/api/auth/', { json: { email: 'ghost@tessera.test', password: 'nope-nope-nope' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual({ detail: expect.any(String), code: 'no_active_account' });
    expect(unknown.body).toEqual(wrong.body);
  });

  it('ignores a stale Authorization header on login (seed variant 001 sends one)', async () => {
    const response = await app.request('POST', '/console/api/auth/', {
      json: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
      headers: { authorization: 'Bearer stale.token.value' },
    });
    expect(response.status).toBe(200);
  });

  it('refreshes with the body and the bearer header, as the seed does, and the refresh token stays reusable', async () => {
    const { refresh } = await app.login();
    for (let i = 0; i < 2; i++) {
      const response = await app.request('POST', '/console/api/auth/refresh/', { json: { refresh }, headers: { authorization: `Bearer ${refresh}` } });
      expect(response.status).toBe(200);
      expect(jwtPayload(response.body.access).token_type).toBe('access');
      expect(response.body.refresh).toBeUndefined();
    }
    const headerOnly = await app.request('POST', '/console/api/auth/refresh/', { headers: { authorization: `Bearer ${refresh}` } });
    expect(headerOnly.status).toBe(200);
  });

  it('refuses an access token where a refresh token is expected, and the reverse', async () => {
    const { access, refresh } = await app.login();
    const asRefresh = await app.request('POST', '/console/api/auth/refresh/', { json: { refresh: access } });
    expect(asRefresh.status).toBe(401);
    expect(asRefresh.body.code).toBe('token_not_valid');
    expect(asRefresh.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    const asAccess = await app.request('GET', '/console/api/users/me/', { token: refresh });
    expect(asAccess.status).toBe(401);
    expect(asAccess.body.code).toBe('token_not_valid');
  });

  it('verifies tokens and revokes a refresh token on logout', async () => {
    const { access, refresh } = await app.login();
    expect((await app.request('POST', '/console/api/auth/verify/', { json: { token: access } })).status).toBe(200);
    expect((await app.request('POST', '/console/api/auth/verify/', { json: { token: 'a.b.c' } })).status).toBe(401);
    expect((await app.request('POST', '/console/api/auth/logout/', { json: { refresh } })).status).toBe(200);
    const after = await app.request('POST', '/console/api/auth/refresh/', { json: { refresh } });
    expect(after.status).toBe(401);
    expect((await app.request('POST', '/console/api/auth/verify/', { json: { token: refresh } })).status).toBe(401);
  });

  it('publishes the verification keys as a JWKS that verifies issued tokens', async () => {
    const { access } = await app.login();
    const jwks = await app.request('GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    const jwk = jwks.body.keys.find((key: { kid: string }) => key.kid === jwtHeader(access).kid);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    const [header, payload, signature] = access.split('.');
    const verifier = createVerify('SHA256').update(`${header}.${payload}`);
    expect(verifier.verify({ key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))).toBe(true);
  });

  it('rejects malformed JSON, wrong types and unknown fields with 400 in the console error shape', async () => {
    const malformed = await app.request('POST', '/console/api/auth/', { raw: '{"email": ', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ detail: expect.any(String), code: 'bad_request' });
    const wrongType = await app.request('POST', '/console/api/auth/', { json: { email: 42, password: ['x'] } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.detail).toMatch(/email/);
    const unknown = await app.request('POST', '/console/api/auth/', { json: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, admin: true } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toMatch(/admin should not exist/);
    const notObject = await app.request('POST', '/console/api/auth/', { json: [1, 2] });
    expect(notObject.status).toBe(400);
  });

  it('rejects oversized bodies with 413', async () => {
    const response = await app.request('POST', '/console/api/auth/', { json: { email: ADMIN_EMAIL, password: 'x'.repeat(200_000) } });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('payload_too_large');
  });

  it('answers health and readiness without a token and echoes X-Request-Id', async () => {
    const live = await app.request('GET', '/healthz', { headers: { 'x-request-id': 'req-123' } });
    expect(live.status).toBe(200);
    expect(live.headers.get('x-request-id')).toBe('req-123');
    const ready = await app.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.headers.get('x-request-id')).toEqual(expect.any(String));
  });

  it('requires a token everywhere else', async () => {
    const response = await app.request('GET', '/console/api/users/');
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('not_authenticated');
  });
});
