import { Agent, createServer, request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { Caller, givenInstance, givenProject, givenToken, Instance } from './support/fixtures';
import { seedModel } from './support/model-registry';
import { TestApp } from './support/test-app';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  socket: Socket;
}

const NOT_FOUND = { code: 404, message: expect.any(String), status: 'Not Found' };
const UNAUTHORIZED = { code: 401, message: expect.any(String), status: 'Unauthorized' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The forward-auth lane: a node:http handler in front of Fastify that answers
 * `/v1/auth/{instances|models}/{id}/verify[/...]` itself and hands everything else to Fastify.
 * Requests go through node:http with the path as written (fetch would normalise it and drop
 * fragments), so what is tested is what a gateway sends.
 */
describe('forward-auth lane in front of Fastify', () => {
  let app: TestApp;
  let owner: Caller;
  let tracking: Instance;
  let instanceToken: string;
  let modelId: number;
  let sessionToken: string;

  /** One request with the path sent verbatim; `agent` keeps the connection for the next one. */
  function send(
    method: string,
    path: string,
    options: { token?: string; headers?: Record<string, string>; body?: string | Buffer | string[]; agent?: Agent } = {},
  ): Promise<RawResponse> {
    const { port } = new URL(app.baseUrl);
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    // A list of chunks is sent chunked, without content-length.
    if (options.body !== undefined && !Array.isArray(options.body)) headers['content-length'] = String(Buffer.byteLength(options.body));
    return new Promise((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: options.agent ?? false }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8'), socket: response.socket }),
        );
      });
      request.on('error', reject);
      if (Array.isArray(options.body)) for (const chunk of options.body) request.write(chunk);
      else if (options.body !== undefined) request.write(options.body);
      request.end();
    });
  }

  const json = (response: RawResponse) => JSON.parse(response.text);

  beforeAll(async () => {
    app = await TestApp.start();
    const admin = await app.login();
    owner = await app.createUser('owner@tessera.test');
    tracking = await givenInstance(app, await givenProject(app, owner));
    instanceToken = (await givenToken(app, tracking)).content;
    modelId = (await seedModel(app, admin.access, { versions: [{ version: '1' }] })).modelId;
    const session = await app.request('POST', '/console/api/modelhost/model-auth/', { token: admin.access, json: { model_id: modelId } });
    expect(session.status).toBe(200);
    sessionToken = session.body.token;
  });
  afterAll(() => app.close());

  it('leaves paths that only look like checks to Fastify: 404 in the /v1 error shape, even with a valid token', async () => {
    const instance = `/v1/auth/instances/${tracking.id}`;
    const paths = [
      `${instance}/verifyx`,
      `${instance}/verif`,
      `${instance}/VERIFY`,
      `${instance}/verify.json`,
      `${instance}/x/verify`,
      `${instance}`,
      `${instance}/`,
      `${instance}?verify`,
      // The query string and the fragment are not part of the path.
      `${instance}?next=/verify`,
      `${instance}?/verify`,
      `${instance}#/verify`,
      `${instance}/verifyx?next=/verify`,
      '/v1/auth/instances//verify',
      '/v1/auth/instances/verify',
      `/v1/auth//instances/${tracking.id}/verify`,
      `/v1/auth/other/${tracking.id}/verify`,
      `/v1/auth/instance/${tracking.id}/verify`,
      `/v1/auth/Instances/${tracking.id}/verify`,
      `/v1/auth/${tracking.id}/verify`,
      '/v1/auth/instances',
      '/v1/auth/',
      '/v1/auth',
      `/v1/auth/models/${modelId}`,
      `/v1/auth/models/${modelId}/verifyx`,
      `/v1/auth/models/${modelId}?x=/verify`,
      `/v1alpha/auth/instances/${tracking.id}/verify`,
      `/v2/auth/instances/${tracking.id}/verify`,
    ];
    for (const path of paths) {
      const response = await send('GET', path, { token: instanceToken, headers: { 'x-request-id': 'look-alike' } });
      expect({ path, status: response.status, body: json(response) }).toEqual({ path, status: 404, body: NOT_FOUND });
      expect(response.headers['www-authenticate']).toBeUndefined();
      expect(response.headers['x-request-id']).toBe('look-alike');
    }
    // POST too: Fastify, not the lane, answers (and a check never has a 404).
    const post = await send('POST', `${instance}/verifyx`, { token: instanceToken, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect([post.status, json(post)]).toEqual([404, NOT_FOUND]);
  });

  it('serves the check with a query string, a trailing slash and deep sub-paths', async () => {
    const base = tracking.verifyPath;
    const suffixes = ['', '?x=1', '/', '/?x=1', '?next=/elsewhere', '/a/b/c/model.bin', '//double', '/%2e%2e/%2e%2e/secret', '/verify', '#fragment', '?'];
    for (const suffix of suffixes) {
      const granted = await send('GET', `${base}${suffix}`, { token: instanceToken });
      expect({ suffix, status: granted.status, text: granted.text }).toEqual({ suffix, status: 204, text: '' });
      expect(granted.headers['x-tessera-instance-id']).toBe(tracking.id);
      const refused = await send('GET', `${base}${suffix}`);
      expect({ suffix, status: refused.status, body: json(refused) }).toEqual({ suffix, status: 401, body: UNAUTHORIZED });
    }
    const model = await send('GET', `/v1/auth/models/${modelId}/verify/v1/predict?batch=1`, { token: sessionToken });
    expect([model.status, model.headers['x-prt-model-id']]).toEqual([204, String(modelId)]);
  });

  it('decodes a percent-encoded id and matches an instance id in any case', async () => {
    const encoded = (id: string) => [...id].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    for (const id of [encoded(tracking.id), encoded(tracking.id.toUpperCase()), tracking.id.toUpperCase(), encoded(tracking.id).toLowerCase()]) {
      const response = await send('GET', `/v1/auth/instances/${id}/verify`, { token: instanceToken });
      expect({ id, status: response.status }).toEqual({ id, status: 204 });
      expect(response.headers['x-tessera-instance-id']).toBe(tracking.id);
    }
    const model = await send('GET', `/v1/auth/models/${encoded(String(modelId))}/verify`, { token: sessionToken });
    expect([model.status, model.headers['x-prt-model-id']]).toEqual([204, String(modelId)]);
    // An encoded slash is part of the id, not a path separator: no such instance.
    const slash = await send('GET', `/v1/auth/instances/${tracking.id}%2Fverify/verify`, { token: instanceToken });
    expect([slash.status, json(slash)]).toEqual([401, UNAUTHORIZED]);
  });

  it('answers a model id that is not a positive integer like an instance id that is no UUID: 401, as for a resource no token opens', async () => {
    const challenges = { true: 'Bearer realm="tessera", error="invalid_token", Basic realm="tessera"', false: 'Bearer realm="tessera", Basic realm="tessera"' };
    const checks = [
      ...['abc', '0', '-1', '1.5', '1e3', '%20' + modelId, '99999999999'].map((id) => ({ path: `/v1/auth/models/${id}/verify/predict`, token: sessionToken })),
      ...['not-a-uuid', `${tracking.id}0`].map((id) => ({ path: `/v1/auth/instances/${id}/verify`, token: instanceToken })),
    ];
    for (const { path, token: valid } of checks) {
      for (const token of [valid, undefined]) {
        const response = await send('POST', path, { token });
        expect({ path, token: Boolean(token), status: response.status, body: json(response) }).toEqual({
          path,
          token: Boolean(token),
          status: 401,
          body: UNAUTHORIZED,
        });
        expect(response.headers['www-authenticate']).toBe(challenges[String(Boolean(token)) as 'true' | 'false']);
        expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      }
    }
  });

  it('answers a malformed escape in the documented shape: Fastify refuses the URL before the lane sees an id', async () => {
    const BAD_REQUEST = { code: 400, message: expect.any(String), status: 'Bad Request' };
    for (const path of ['/v1/auth/models/%ZZ/verify', `/v1/auth/instances/${tracking.id}%E0%A4%A/verify`, '/v1/projects/%ZZ']) {
      const response = await send('GET', path, { token: instanceToken, headers: { 'x-request-id': 'bad-url-1' } });
      expect([path, response.status, response.headers['www-authenticate'], json(response)]).toEqual([path, 400, undefined, BAD_REQUEST]);
      expect(response.headers['x-request-id']).toBe('bad-url-1');
    }
    const consoleRoute = await send('GET', '/console/api/modelhost/models/%ZZ/', {});
    expect([consoleRoute.status, json(consoleRoute)]).toEqual([400, { detail: expect.stringMatching(/URL/), code: 'bad_request' }]);
  });

  it('echoes a sane x-request-id and replaces an insane or missing one, on the lane and on Fastify alike', async () => {
    const sane = ['gw-123', 'a'.repeat(128), 'trace:0af7651916cd43dd.b7ad6b71_69-01'];
    const insane = ['has space', 'a'.repeat(129), 'a/b', 'a,b', ''];
    const routes = [
      { path: tracking.verifyPath, token: instanceToken, status: 204 },
      { path: tracking.verifyPath, status: 401 },
      { path: `/v1/auth/models/${modelId}/verify`, token: sessionToken, status: 204 },
      { path: '/v1/auth/models/abc/verify', status: 401 },
      { path: `/v1/auth/instances/${tracking.id}/verifyx`, status: 404 },
      { path: '/healthz', status: 200 },
    ];
    for (const route of routes) {
      for (const id of sane) {
        const response = await send('GET', route.path, { token: route.token, headers: { 'x-request-id': id } });
        expect({ path: route.path, status: response.status, id: response.headers['x-request-id'] }).toEqual({ path: route.path, status: route.status, id });
      }
      const generated = new Set<string>();
      for (const id of [...insane, undefined]) {
        const response = await send('GET', route.path, { token: route.token, headers: id === undefined ? {} : { 'x-request-id': id } });
        expect({ path: route.path, status: response.status, id: response.headers['x-request-id'] }).toEqual({
          path: route.path,
          status: route.status,
          id: expect.stringMatching(UUID),
        });
        generated.add(response.headers['x-request-id'] as string);
      }
      expect(generated.size).toBe(insane.length + 1);
    }
  });

  it('sends 401 bodies as JSON with their exact length, and HEAD with the same headers but no body', async () => {
    const cases = [
      { label: 'no token', token: undefined, challenge: 'Bearer realm="tessera", Basic realm="tessera"' },
      { label: 'bad token', token: 'junk', challenge: 'Bearer realm="tessera", error="invalid_token", Basic realm="tessera"' },
    ];
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const { label, token, challenge } of cases) {
        for (const method of ['GET', 'POST', 'OPTIONS', 'DELETE']) {
          const response = await send(method, `${tracking.verifyPath}/api`, { token, agent });
          expect({ label, method, status: response.status, body: json(response) }).toEqual({ label, method, status: 401, body: UNAUTHORIZED });
          expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
          expect(response.headers['content-length']).toBe(String(Buffer.byteLength(response.text)));
          expect(response.headers['www-authenticate']).toBe(challenge);
        }
        const get = await send('GET', tracking.verifyPath, { token, agent });
        const head = await send('HEAD', tracking.verifyPath, { token, agent });
        expect([head.status, head.text]).toEqual([401, '']);
        for (const header of ['content-type', 'content-length', 'www-authenticate'])
          expect([header, head.headers[header]]).toEqual([header, get.headers[header]]);
        // Had the HEAD answer carried a body, this response on the same connection would be garbled.
        const next = await send('GET', '/healthz', { agent });
        expect(next.status).toBe(200);
        expect(next.socket).toBe(head.socket);
      }
      const granted = await send('HEAD', tracking.verifyPath, { token: instanceToken, agent });
      expect([granted.status, granted.text, granted.headers['x-tessera-instance-id']]).toEqual([204, '', tracking.id]);
    } finally {
      agent.destroy();
    }
  });

  it('keeps one connection alive across checks with unread bodies and Fastify routes', async () => {
    const server = app.app.getHttpServer();
    let connections = 0;
    const count = () => connections++;
    server.on('connection', count);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const big = Buffer.alloc(app.config.http.bodyLimitBytes * 3, 'x');
    const steps: [string, () => Promise<RawResponse>, number][] = [
      [
        'check, JSON body',
        () => send('POST', tracking.verifyPath, { token: instanceToken, agent, headers: { 'content-type': 'application/json' }, body: '{"truncated' }),
        204,
      ],
      ['Fastify GET', () => send('GET', '/v1/projects', { token: owner.access, agent }), 200],
      [
        'check, body over the body limit',
        () =>
          send('PUT', `${tracking.verifyPath}/artifacts/model.bin`, {
            token: instanceToken,
            agent,
            headers: { 'content-type': 'application/octet-stream' },
            body: big,
          }),
        204,
      ],
      [
        'Fastify POST with a JSON body',
        () =>
          send('POST', '/console/api/auth/verify', { agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: owner.access }) }),
        200,
      ],
      [
        'check, chunked body',
        () =>
          send('POST', `/v1/auth/models/${modelId}/verify/predict`, {
            token: sessionToken,
            agent,
            headers: { 'content-type': 'application/json' },
            body: ['{"rows": [', '1, 2', ']}'],
          }),
        204,
      ],
      ['refused check, chunked body', () => send('PATCH', tracking.verifyPath, { agent, headers: { 'content-type': 'text/plain' }, body: ['a', 'b'] }), 401],
      ['Fastify 404 next to the lane', () => send('GET', `${tracking.verifyPath}x`, { agent }), 404],
      ['HEAD check', () => send('HEAD', tracking.verifyPath, { agent }), 401],
      ['bad model id', () => send('GET', '/v1/auth/models/abc/verify', { agent }), 401],
      ['Fastify 401', () => send('GET', '/console/api/users/me', { agent, token: 'junk' }), 401],
      ['OPTIONS check', () => send('OPTIONS', tracking.verifyPath, { token: instanceToken, agent }), 204],
    ];
    try {
      const sockets = new Set<Socket>();
      for (let round = 0; round < 3; round++) {
        for (const [label, step, status] of steps) {
          const response = await step();
          expect({ round, label, status: response.status }).toEqual({ round, label, status });
          sockets.add(response.socket);
        }
      }
      expect(sockets.size).toBe(1);
      expect(connections).toBe(1);
    } finally {
      server.off('connection', count);
      agent.destroy();
    }
  });

  it('runs the server with the timeouts Fastify would have set', async () => {
    const server = app.app.getHttpServer();
    // requestTimeout is in Fastify's initial config, not in its typing.
    const options = app.app.getHttpAdapter().getInstance().initialConfig as { keepAliveTimeout?: number; requestTimeout?: number; connectionTimeout?: number };
    // Fastify's defaults differ from node's, or this test would prove nothing.
    const plain = createServer();
    expect([options.keepAliveTimeout, options.requestTimeout]).not.toEqual([plain.keepAliveTimeout, plain.requestTimeout]);
    expect(options.requestTimeout).toEqual(expect.any(Number));
    expect(server.keepAliveTimeout).toBe(options.keepAliveTimeout);
    expect(server.requestTimeout).toBe(options.requestTimeout);
    expect(server.timeout).toBe(options.connectionTimeout);
    const agent = new Agent({ keepAlive: true });
    try {
      for (const path of [tracking.verifyPath, '/healthz']) {
        const response = await send('GET', path, { agent });
        expect([path, response.headers['keep-alive']]).toEqual([path, `timeout=${Math.floor((options.keepAliveTimeout ?? 0) / 1000)}`]);
      }
    } finally {
      agent.destroy();
    }
  });
});
