import { givenInstance, givenProject, Instance, Project } from './support/fixtures';
import { rawExchange, RawResponse, trickle } from './support/raw-http';
import { grant } from './support/model-registry';
import { HttpResponse, TestApp } from './support/test-app';

const PREFIXES = '/console/api/modelhost/model-prefixes/';
const EXTERNAL_TOKENS = '/console/api/modelhost/external-api-tokens/';

/** `depth` nested arrays around `inner`, as text. */
const nested = (depth: number, inner = '1') => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;

function expectStackitError(response: HttpResponse | RawResponse, status: number, message?: string | RegExp) {
  expect(response.status).toBe(status);
  expect(Object.keys(response.body).sort()).toEqual(['code', 'message', 'status']);
  expect(response.body.code).toBe(status);
  if (message) expect(response.body.message).toMatch(message);
  expect(header(response, 'x-request-id')).toBeTruthy();
}

function expectConsoleError(response: HttpResponse | RawResponse, status: number, message?: string | RegExp) {
  expect(response.status).toBe(status);
  expect(Object.keys(response.body).sort()).toEqual(['code', 'detail']);
  if (message) expect(response.body.detail).toMatch(message);
  expect(header(response, 'x-request-id')).toBeTruthy();
}

const header = (response: HttpResponse | RawResponse, name: string) =>
  response.headers instanceof Headers ? response.headers.get(name) : response.headers[name];

describe('hostile input', () => {
  let app: TestApp;
  let admin: string;
  let project: Project;
  let tracking: Instance;

  beforeAll(async () => {
    app = await TestApp.start();
    admin = (await app.login()).access;
    project = await givenProject(app, { access: admin });
    tracking = await givenInstance(app, project);
  });
  afterAll(() => app.close());

  describe('JSON nesting', () => {
    it('refuses 5,000 brackets with 400 naming the limit, before authentication, on both API families', async () => {
      const body = `{"name": ${nested(5000)}}`;
      expectConsoleError(
        await app.request('POST', '/console/api/auth/', { raw: body, headers: { 'content-type': 'application/json' } }),
        400,
        'request body is nested deeper than 32 levels',
      );
      expectStackitError(
        await app.request('POST', '/v1/projects', { raw: body, headers: { 'content-type': 'application/json' } }),
        400,
        'request body is nested deeper than 32 levels',
      );
      expectStackitError(
        await app.request('POST', tracking.tokensPath, { token: admin, raw: body, headers: { 'content-type': 'application/json' } }),
        400,
        /nested deeper/,
      );
    });

    it('counts levels exactly and ignores brackets inside strings', async () => {
      const post = (raw: string) => app.request('POST', '/v1/projects', { token: admin, raw, headers: { 'content-type': 'application/json' } });
      // 31 arrays inside the object: 32 levels, allowed (then refused by validation, not by depth).
      const atLimit = await post(`{"name": ${nested(31)}}`);
      expectStackitError(atLimit, 400);
      expect(atLimit.body.message).not.toMatch(/nested/);
      expectStackitError(await post(`{"name": ${nested(32)}}`), 400, /nested deeper than 32/);
      const inString = await post(JSON.stringify({ name: `x${'['.repeat(100)}\\"[{` }));
      expect(inString.body.message).not.toMatch(/nested/);
    });

    it('keeps /healthz answering while several clients send deep bodies', async () => {
      const deep = `{"email": ${nested(45_000)}}`; // 90 KB, within the body limit
      const attackers = Array.from({ length: 4 }, async () => {
        const statuses: number[] = [];
        for (let i = 0; i < 10; i++) {
          statuses.push((await app.request('POST', '/console/api/auth/', { raw: deep, headers: { 'content-type': 'application/json' } })).status);
        }
        return statuses;
      });
      const probes = Array.from(
        { length: 20 },
        (_, i) => new Promise<number>((resolve) => setTimeout(() => void app.request('GET', '/healthz').then((r) => resolve(r.status)), i * 20)),
      );
      const [attacks, health] = await Promise.all([Promise.all(attackers), Promise.all(probes)]);
      expect(attacks.flat()).toEqual(Array(40).fill(400));
      expect(health).toEqual(Array(20).fill(200));
    });
  });

  describe('lone UTF-16 surrogates', () => {
    const lone = '"a\\ud800b"';
    const cases: [string, () => [string, string, string | undefined]][] = [
      ['a user email', () => ['POST', '/console/api/users/', `{"email": "x${lone.slice(1, -1)}@tessera.test", "password": "long-enough-password"}`]],
      ['a member subject', () => ['POST', `/v1/projects/${project.id}/members`, `{"subject": ${lone}, "role": "reader"}`]],
      ['a prefix description', () => ['POST', PREFIXES, `{"key": "lone", "prefix": "models/lone", "description": ${lone}}`]],
      ['a grant email', () => ['POST', `${PREFIXES}practicus/grants/`, `{"email": ${lone}}`]],
      ['an instance token name', () => ['POST', tracking.tokensPath, `{"name": ${lone}}`]],
      ['a label key', () => ['POST', tracking.tokensPath, `{"name": "ci", "labels": {"\\udc00": "x"}}`]],
      ['a trailing high surrogate', () => ['POST', '/v1/projects', `{"name": "ok\\ud83d"}`]],
    ];

    it.each(cases)('refuses one in %s with 400', async (_, build) => {
      const [method, path, raw] = build();
      const response = await app.request(method, path, { token: admin, raw, headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(400);
      expect(response.text).toMatch(/lone UTF-16 surrogate/);
      expect(response.headers.get('x-request-id')).toBeTruthy();
    });

    it('accepts a well-formed pair written as escapes', async () => {
      const response = await app.request('POST', tracking.tokensPath, {
        token: admin,
        raw: '{"name": "ci", "description": "rocket \\ud83d\\ude80"}',
        headers: { 'content-type': 'application/json' },
      });
      // The description pattern refuses non-ASCII: a validation message, not a surrogate error.
      expectStackitError(response, 400);
      expect(response.body.message).not.toMatch(/surrogate/);
    });

    it('refuses encoded surrogates in path parameters with a 4xx, and reads them in query strings as U+FFFD', async () => {
      for (const path of [
        '/console/api/users/%ED%A0%80/',
        '/console/api/users/%uD800/',
        `/v2/projects/${project.id}/service-accounts/%ED%A0%80%40sa.tessera.test/access-tokens`,
      ]) {
        const response = await app.request('GET', path, { token: admin });
        expect([400, 404]).toContain(response.status);
        expect(response.headers.get('x-request-id')).toBeTruthy();
      }
      // UTF-8 cannot encode a lone surrogate: decoders turn such bytes into U+FFFD, well-formed text.
      const audit = await app.request('GET', `/v1/projects/${project.id}/audit-events?resourceId=%ED%A0%80`, { token: admin });
      expect(audit.status).toBe(200);
    });
  });

  describe('NUL characters, which PostgreSQL cannot store', () => {
    it('refuses one in a body string or key with 400', async () => {
      for (const raw of ['{"name": "a\\u0000b"}', '{"name": "ci", "labels": {"a\\u0000": "x"}}']) {
        const response = await app.request('POST', tracking.tokensPath, { token: admin, raw, headers: { 'content-type': 'application/json' } });
        expectStackitError(response, 400, /NUL character/);
      }
    });

    it('refuses one in a path or query parameter with 400, forward-auth included', async () => {
      expectConsoleError(await app.request('GET', `${PREFIXES}a%00b/`, { token: admin }), 400, /NUL character/);
      expectConsoleError(await app.request('GET', '/console/api/modelhost/models/?prefix_key=%00', { token: admin }), 400, /NUL character/);
      expectStackitError(await app.request('DELETE', `/v1/projects/${project.id}/members/a%00b`, { token: admin }), 400, /NUL character/);
      const verify = await app.request('GET', '/v1/auth/instances/a%00b/verify', { token: admin });
      expect(verify.status).toBeLessThan(500);
      expect(verify.headers.get('x-request-id')).toBeTruthy();
    });
  });

  describe('null in optional fields is read as absent', () => {
    it('creates an instance token with "ttlDuration": null and the default lifetime', async () => {
      const response = await app.request('POST', tracking.tokensPath, {
        token: admin,
        json: { name: 'nulls', ttlDuration: null, description: null, labels: null },
      });
      expect(response.status).toBe(202);
      const days = (Date.parse(response.body.token.validUntil) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(182);
      expect(response.body.token.description).toBeUndefined();
    });

    it('creates a user with "is_admin": null as a non-admin', async () => {
      const response = await app.request('POST', '/console/api/users/', {
        token: admin,
        json: { email: 'null-admin@tessera.test', password: 'long-enough-password', is_admin: null },
      });
      expect(response.status).toBe(201);
      expect(response.body.is_admin).toBe(false);
      const patched = await app.request('PATCH', `/console/api/users/${response.body.id}/`, { token: admin, json: { is_admin: null, is_active: null } });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ is_admin: false, is_active: true });
    });

    it('grants with "can_deploy": null as no deploy right, and creates an external token with "model_id": null', async () => {
      expect((await app.request('POST', PREFIXES, { token: admin, json: { key: 'practicus', prefix: 'models/practicus', description: null } })).status).toBe(
        201,
      );
      const user = await app.createUser('grantee@tessera.test');
      const granted = await app.request('POST', `${PREFIXES}practicus/grants/`, { token: admin, json: { email: user.email, can_deploy: null, admin: null } });
      expect(granted.status).toBe(201);
      expect(granted.body).toMatchObject({ can_deploy: false, admin: false });
      await grant(app, admin, 'practicus', 'admin@tessera.test', { admin: true }).catch(() => undefined);
      const external = await app.request('POST', EXTERNAL_TOKENS, {
        token: admin,
        json: { name: 'partner', prefix_key: 'practicus', model_id: null, expires_at: null, ttl: null, claims: null },
      });
      expect(external.status).toBe(201);
      expect(external.body).toMatchObject({ scope: 'prefix', model_id: null });
    });

    it('keeps null meaning "remove" for a PATCH description', async () => {
      const created = await app.request('POST', tracking.tokensPath, { token: admin, json: { name: 'described', description: 'keep me' } });
      const path = `${tracking.tokensPath}/${created.body.token.id}`;
      const renamed = await app.request('PATCH', path, { token: admin, json: { name: null, labels: null } });
      expect(renamed.status).toBe(202);
      expect(renamed.body.token).toMatchObject({ name: 'described', description: 'keep me' });
      const cleared = await app.request('PATCH', path, { token: admin, json: { description: null } });
      expect(cleared.status).toBe(202);
      expect(cleared.body.token.description).toBeUndefined();
    });
  });

  describe('content types and empty bodies', () => {
    it('accepts an empty body sent with Content-Type: application/json on DELETE and GET', async () => {
      const headers = { 'content-type': 'application/json' };
      const created = await app.request('POST', tracking.tokensPath, { token: admin, json: { name: 'to-delete' } });
      const deleted = await app.request('DELETE', `${tracking.tokensPath}/${created.body.token.id}`, { token: admin, headers });
      expect(deleted.status).toBe(202);
      expect((await app.request('GET', `/v1/projects/${project.id}`, { token: admin, headers })).status).toBe(200);
      // Unauthenticated, it is the authentication that fails, not the body.
      expectStackitError(await app.request('DELETE', `/v1/projects/${project.id}`, { headers }), 401);
      expectConsoleError(await app.request('DELETE', `${PREFIXES}practicus/`, { headers }), 401);
    });

    it('answers a JSON route without Content-Type: application/json with 415 naming it', async () => {
      const body = JSON.stringify({ name: 'typed' });
      expectStackitError(
        await app.request('POST', '/v1/projects', { token: admin, raw: body, headers: { 'content-type': 'text/plain' } }),
        415,
        'Content-Type: application/json',
      );
      // fetch labels a string body text/plain unless told otherwise; a Blob without a type sends none.
      const untyped = await fetch(`${app.baseUrl}/console/api/users/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}` },
        body: new Blob([body]),
      });
      expect(untyped.status).toBe(415);
      expect(await untyped.json()).toEqual({ detail: expect.stringContaining('Content-Type: application/json'), code: 'unsupported_media_type' });
    });

    it('answers an oversized body with 413 naming the limit in bytes', async () => {
      const big = JSON.stringify({ name: 'x'.repeat(110_000) });
      expectStackitError(
        await app.request('POST', '/v1/projects', { token: admin, raw: big, headers: { 'content-type': 'application/json' } }),
        413,
        'request body is larger than 102400 bytes',
      );
      expectConsoleError(
        await app.request('POST', '/console/api/auth/', { raw: big, headers: { 'content-type': 'application/json' } }),
        413,
        'request body is larger than 102400 bytes',
      );
    });
  });

  describe('framework-level errors', () => {
    it('answers oversized headers with 431 in the documented shape with x-request-id', async () => {
      const huge = 'x'.repeat(20_000);
      const stackit = await rawExchange(app.baseUrl, (socket) => socket.write(`GET /v1/projects HTTP/1.1\r\nhost: localhost\r\nx-filler: ${huge}\r\n\r\n`));
      expectStackitError(stackit, 431, 'request headers are larger than 16384 bytes');
      const console = await rawExchange(app.baseUrl, (socket) =>
        socket.write(`GET /console/api/users/ HTTP/1.1\r\nhost: localhost\r\nx-filler: ${huge}\r\n\r\n`),
      );
      expectConsoleError(console, 431, 'request headers are larger than 16384 bytes');
      expect(console.closed).toBe(true);
    });

    it('answers malformed HTTP with 400 in the documented shape', async () => {
      const response = await rawExchange(app.baseUrl, (socket) => socket.write('GET /v1/projects HTTP/1.1\r\nhost: localhost\r\nbad header line\r\n\r\n'));
      expectStackitError(response, 400, 'malformed HTTP request');
    });

    it('answers malformed percent-encoding in the documented shape', async () => {
      expectStackitError(await app.request('GET', `/v1/projects/%E0%A4%A`, { token: admin }), 400);
      expectConsoleError(await app.request('GET', `/console/api/users/%E0%A4%A/`, { token: admin }), 400);
    });
  });
});

// Apps with their own limits, each started once the shared one is closed: two apps in one process
// share passport's strategy registry, so a second app would invalidate the first one's tokens.
describe('configured limits', () => {
  it('honours TESSERA_JSON_MAX_DEPTH', async () => {
    const strict = await TestApp.start({ TESSERA_JSON_MAX_DEPTH: '4' });
    try {
      const response = await strict.request('POST', '/console/api/auth/', { raw: `{"email": ${nested(4)}}`, headers: { 'content-type': 'application/json' } });
      expectConsoleError(response, 400, 'request body is nested deeper than 4 levels');
    } finally {
      await strict.close();
    }
  });
});

describe('slow requests', () => {
  let slow: TestApp;
  beforeAll(async () => {
    slow = await TestApp.start({ TESSERA_BODY_TIMEOUT: '2s', TESSERA_HEADER_TIMEOUT: '1s' });
  });
  afterAll(() => slow.close());

  it('answers a body shorter than its Content-Length with 408 and closes the connection', async () => {
    const response = await rawExchange(slow.baseUrl, (socket) =>
      socket.write(
        'POST /v1/projects HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 50000\r\nx-request-id: short-body-1\r\n\r\n{"name":1',
      ),
    );
    expectStackitError(response, 408, /not received in time/);
    expect(response.headers['x-request-id']).toBe('short-body-1');
    expect(response.closed).toBe(true);
  });

  it('answers a body trickled one byte at a time with 408 and closes the connection', async () => {
    const body = JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(40) });
    const response = await rawExchange(slow.baseUrl, (socket) => {
      socket.write(`POST /console/api/auth/ HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`);
      trickle(socket, [...body], 250);
    });
    expectConsoleError(response, 408, /whole request within 2 s/);
    expect(response.closed).toBe(true);
  });

  it('answers headers that never finish with 408', async () => {
    const response = await rawExchange(slow.baseUrl, (socket) =>
      trickle(
        socket,
        ['GET /v1/projects HTTP/1.1\r\n', 'host: localhost\r\n', 'x-a: 1\r\n', 'x-b: 2\r\n', 'x-c: 3\r\n', 'x-d: 4\r\n', 'x-e: 5\r\n', 'x-f: 6\r\n'],
        400,
      ),
    );
    // Node's parser does not say which path unfinished headers were for: the generic shape.
    expectConsoleError(response, 408, /headers within 1 s/);
    expect(response.closed).toBe(true);
  });

  it('still serves a request that arrives in time', async () => {
    expect((await slow.request('GET', '/healthz')).status).toBe(200);
  });
});
