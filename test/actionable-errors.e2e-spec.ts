import { CONSOLE_AUDIENCE, TokenSigner } from '../src/keys/token-signer.service';
import { givenInstance, givenProject, givenToken, instancesPath, tokensPath, verifyPath } from './support/fixtures';
import { jwtPayload, TestApp } from './support/test-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** RFC 6750 §3: `error="invalid_token"` and an `error_description` a person can read. */
const INVALID_TOKEN_CHALLENGE = /^Bearer .*error="invalid_token", error_description="[^"]*expired[^"]*"/;

describe('errors a person can act on', () => {
  let app: TestApp;
  let admin: { access: string; refresh: string };

  beforeAll(async () => {
    app = await TestApp.start();
    admin = await app.login();
  });
  afterAll(() => app.close());

  describe('expired tokens say so', () => {
    it('an expired console access token: token_not_valid, "expired" and where to renew it, on console and STACKIT routes', async () => {
      // Signed by the app as a login would, an hour ago, for 30 minutes.
      const { sub, email } = jwtPayload(admin.access);
      const expiresAt = new Date(Date.now() - 1_800_000);
      const access = app.app
        .get(TokenSigner)
        .issue({ type: 'access', subject: sub, audience: CONSOLE_AUDIENCE, expiresAt, claims: { user_id: sub, email } }).token;
      const console = await app.request('GET', '/console/api/users/me/', { token: access });
      expect(console.status).toBe(401);
      expect(console.body).toEqual({ code: 'token_not_valid', detail: expect.stringMatching(/expired.*\/console\/api\/auth\/refresh\//) });
      expect(console.headers.get('www-authenticate')).toMatch(INVALID_TOKEN_CHALLENGE);

      const stackit = await app.request('GET', '/v1/projects', { token: access });
      expect(stackit.status).toBe(401);
      expect(stackit.body).toEqual({ code: 401, status: 'Unauthorized', message: expect.stringMatching(/expired.*auth\/refresh\//) });
      expect(stackit.headers.get('www-authenticate')).toMatch(INVALID_TOKEN_CHALLENGE);

      // The renewal the message points to works.
      const renewed = await app.request('POST', '/console/api/auth/refresh/', { json: { refresh: admin.refresh } });
      expect(renewed.status).toBe(200);
    });

    it('an expired service-account access token says it expired and how to get a new one', async () => {
      const expired = app.app
        .get(TokenSigner)
        .issue({ type: 'sa-access', subject: 'sa', audience: CONSOLE_AUDIENCE, expiresAt: new Date(Date.now() - 60_000) }).token;
      const response = await app.request('GET', '/v1/projects', { token: expired });
      expect(response.status).toBe(401);
      expect(response.body.message).toMatch(/service account access token has expired; create a new one/);
      expect(response.headers.get('www-authenticate')).toMatch(INVALID_TOKEN_CHALLENGE);
    });

    it('a garbage token is still just "not valid", without the word expired', async () => {
      const response = await app.request('GET', '/console/api/users/me/', { token: 'a.b.c' });
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('token_not_valid');
      expect(response.body.detail).not.toMatch(/expired/);
    });

    it('an expired refresh token says to log in again', async () => {
      const expired = app.app
        .get(TokenSigner)
        .issue({ type: 'refresh', subject: 'someone', audience: CONSOLE_AUDIENCE, expiresAt: new Date(Date.now() - 60_000) }).token;
      const response = await app.request('POST', '/console/api/auth/refresh/', { json: { refresh: expired } });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ code: 'token_not_valid', detail: expect.stringMatching(/refresh token has expired; log in again/) });
    });

    it('an expired instance token: forward auth answers 401 with an RFC 6750 description that says expired', async () => {
      const fresh = await app.login();
      const instance = await givenInstance(app, await givenProject(app, fresh));
      const token = await givenToken(app, instance, { name: 'brief', ttlDuration: '1s' });
      await sleep(2_100);
      const response = await app.request('GET', instance.verifyPath, { token: token.content });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ code: 401, status: 'Unauthorized', message: expect.stringContaining('expired') });
      expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token", error_description="The instance token has expired"/);
    });
  });

  describe('a known path with a wrong method is a 405 with Allow', () => {
    const cases: [string, string, string, 'stackit' | 'console'][] = [
      ['PUT', '/v1/projects', 'GET, HEAD, POST', 'stackit'],
      ['GET', '/console/api/auth/refresh/', 'POST', 'console'],
      // `me` also matches PATCH users/{userId}: Allow reports what the router serves.
      ['DELETE', '/console/api/users/me/', 'GET, HEAD, PATCH', 'console'],
      ['PUT', '/v2/projects/00000000-0000-4000-8000-000000000000/service-accounts', 'GET, HEAD, POST', 'stackit'],
      [
        'GET',
        '/v1alpha/projects/00000000-0000-4000-8000-000000000000/regions/eu01/instances/00000000-0000-4000-8000-000000000000/tokens/x/nope',
        '',
        'stackit',
      ],
    ];

    it.each(cases)('%s %s', async (method, path, allow, family) => {
      const response = await app.request(method, path, { token: admin.access, undocumented: 'a method the path does not serve, on purpose' });
      if (!allow) {
        expect(response.status).toBe(404);
        return;
      }
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
      if (family === 'stackit') expect(response.body).toEqual({ code: 405, status: 'Method Not Allowed', message: expect.stringContaining(allow) });
      else expect(response.body).toEqual({ code: 'method_not_allowed', detail: expect.stringContaining(allow) });
    });

    it('leaves the forward-auth checks answering every method', async () => {
      const response = await app.request('PROPFIND', verifyPath('00000000-0000-4000-8000-000000000000'), {
        undocumented: 'a WebDAV method OpenAPI cannot name',
      });
      expect(response.status).toBe(401);
    });

    it('still answers an unknown path with 404', async () => {
      const response = await app.request('POST', '/console/api/nothing-here/', { token: admin.access, undocumented: 'an unknown path, on purpose' });
      expect(response.status).toBe(404);
    });
  });

  describe('validation messages name the rule in words', () => {
    it.each([
      [
        'an instance token name',
        (projectId: string, instanceId: string) => [tokensPath(projectId, instanceId), { name: 'bad!name' }],
        'name may contain letters, digits, spaces, "_" and "-"',
      ],
      [
        'an instance description',
        (projectId: string) => [instancesPath(projectId), { name: 'ok', description: 'no#hash' }],
        'description may contain letters, digits, spaces, ".", ":", "/" and "-"',
      ],
      ['a project name', () => ['/v1/projects', { name: 'bad!name' }], 'name may contain letters, digits, spaces, ".", "_" and "-"'],
      [
        'a service-account name',
        (projectId: string) => [`/v2/projects/${projectId}/service-accounts`, { name: 'Bad_Name' }],
        'name must start with a lower-case letter',
      ],
    ] as const)('%s', async (_, target, words) => {
      const fresh = await app.login();
      const instance = await givenInstance(app, await givenProject(app, fresh));
      const [path, json] = target(instance.project.id, instance.id);
      const response = await app.request('POST', path as string, { token: fresh.access, json });
      expect(response.status).toBe(400);
      expect(response.body.message).toContain(words);
      expect(response.body.message).not.toMatch(/\^|\$|\\[a-z]/);
    });
  });
});
