import { generateKeyPairSync } from 'node:crypto';
import { PrismaService } from '../src/database/prisma.service';
import { MetricsEndpoint } from '../src/metrics/metrics-endpoint';
import { givenInstance, givenProject, givenToken, verifyPath } from './support/fixtures';
import { signJwt, thumbprint } from './support/jwt';
import { seedModel } from './support/model-registry';
import { TestApp, usingPostgres } from './support/test-app';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
const UUID_ANYWHERE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const VERIFY_ROUTE = '/v1/auth/instances/:instanceId/verify';

/** One scrape: every sample by `name{label="value",...}` with labels in a fixed order. */
type Samples = Map<string, number>;

function parseExposition(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels = [...(match[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map(([, name, value]) => `${name}=${value}`).sort();
    samples.set(`${match[1]}{${labels.join(',')}}`, Number(match[3]));
  }
  return samples;
}

/** The sample's value, 0 when absent (a counter not yet created). */
function sample(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  const key = `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(',')}}`;
  return samples.get(key) ?? 0;
}

async function scrape(url: string, token?: string): Promise<{ status: number; contentType: string | null; text: string }> {
  const response = await fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

describe('Prometheus metrics', () => {
  describe('on TESSERA_METRICS_PORT, behind TESSERA_METRICS_TOKEN', () => {
    let app: TestApp;
    let metricsUrl: string;
    const read = async () => {
      const scraped = await scrape(metricsUrl, METRICS_TOKEN);
      expect(scraped.status).toBe(200);
      return { samples: parseExposition(scraped.text), text: scraped.text };
    };

    beforeAll(async () => {
      app = await TestApp.start({ TESSERA_METRICS_PORT: '0', TESSERA_METRICS_HOST: '127.0.0.1', TESSERA_METRICS_TOKEN: METRICS_TOKEN });
      metricsUrl = app.app.get(MetricsEndpoint).url!;
    });
    afterAll(() => app?.close());

    it('serves the text format on its own port only, and only with the bearer token', async () => {
      expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(metricsUrl).not.toBe(app.baseUrl);
      const without = await scrape(metricsUrl);
      expect(without.status).toBe(401);
      expect(JSON.parse(without.text)).toEqual({ detail: expect.stringContaining('Bearer'), code: 'not_authenticated' });
      expect((await scrape(metricsUrl, `${METRICS_TOKEN}x`)).status).toBe(401);
      expect((await scrape(metricsUrl, METRICS_TOKEN.slice(0, -1))).status).toBe(401);
      const granted = await scrape(metricsUrl, METRICS_TOKEN);
      expect(granted.status).toBe(200);
      expect(granted.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(granted.text).toContain('# TYPE tessera_token_verifications_total counter');
      expect(granted.text).toContain('# TYPE tessera_token_verification_duration_seconds histogram');
      // The default process and event-loop metrics.
      expect(granted.text).toMatch(/^process_cpu_user_seconds_total \d/m);
      expect(granted.text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
      // The public port does not serve it, and the metrics port serves nothing else.
      const publicPort = await app.request('GET', '/metrics', { token: METRICS_TOKEN });
      expect(publicPort.status).toBe(404);
      expect((await fetch(`${metricsUrl}/readyz`)).status).toBe(404);
      expect((await fetch(`${metricsUrl}/metrics`, { method: 'POST', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(405);
    });

    it('counts a token flow by kind and result, and no label carries an id or a token', async () => {
      const before = (await read()).samples;

      const owner = await app.login();
      const failedLogin = await app.request('POST', '/console/api/auth/', { json: { email: 'admin@tessera.test', password: 'wrong-password' } });
      expect(failedLogin.status).toBe(401);
      const project = await givenProject(app, owner);
      const instance = await givenInstance(app, project);
      const other = await givenInstance(app, project, { name: 'other' });
      const token = await givenToken(app, instance);
      const expiring = await givenToken(app, instance, { name: 'expiring' });
      await app.app.get(PrismaService).instanceToken.update({ where: { id: expiring.id }, data: { validUntil: new Date(Date.now() - 1000) } });
      const doomed = await givenToken(app, instance, { name: 'doomed' });
      expect((await app.request('DELETE', doomed.path, { token: owner.access })).status).toBe(202);

      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const forged = signJwt(
        { alg: 'ES256', typ: 'JWT', kid: thumbprint(privateKey) },
        { token_type: 'instance', iss: 'tessera', aud: instance.id, exp: 2e9 },
        privateKey,
      );
      const verify = (instanceId: string, bearer?: string) =>
        app.request('GET', verifyPath(instanceId), bearer === undefined ? {} : { headers: { authorization: `Bearer ${bearer}` } });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await verify(instance.id, token.content)).status);
      statuses.push((await verify(instance.id)).status); // malformed: no token
      statuses.push((await verify(instance.id, 'not-a-jwt')).status); // malformed
      statuses.push((await verify(instance.id, forged)).status); // bad_signature
      statuses.push((await verify(instance.id, owner.access)).status); // wrong_audience: a console token
      statuses.push((await verify(other.id, token.content)).status); // wrong_audience: another instance
      statuses.push((await verify(instance.id, expiring.content)).status); // expired
      statuses.push((await verify(instance.id, doomed.content)).status); // unknown: deleted
      expect(statuses).toEqual([204, 204, 204, 401, 401, 401, 401, 401, 401, 401]);

      const listed = await app.request('GET', instance.tokensPath, { token: owner.access });
      expect(listed.status).toBe(200);
      const introspected = await app.request('POST', '/v1/introspect', { token: owner.access, json: { token: token.content } });
      expect(introspected.body.active).toBe(true);
      expect((await app.request('GET', '/v1/projects', { token: 'junk' })).status).toBe(401);

      const { samples: after, text } = await read();
      const moved = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);
      const verifications = (kind: string, result: string) => moved('tessera_token_verifications_total', { kind, result });

      expect(verifications('instance', 'valid')).toBe(3);
      expect(verifications('instance', 'malformed')).toBe(2);
      expect(verifications('instance', 'bad_signature')).toBe(1);
      expect(verifications('instance', 'wrong_audience')).toBe(2);
      expect(verifications('instance', 'expired')).toBe(1);
      expect(verifications('instance', 'unknown')).toBe(1);
      expect(verifications('instance', 'revoked')).toBe(0);
      expect(verifications('introspection', 'valid')).toBe(1);
      expect(verifications('model', 'valid')).toBe(0);
      // Console: every authenticated request above (9 of them) and the junk one.
      expect(verifications('console', 'valid')).toBe(9);
      expect(verifications('console', 'malformed')).toBe(1);
      expect(moved('tessera_token_verification_duration_seconds_count', { kind: 'instance', result: 'valid' })).toBe(3);
      expect(moved('tessera_token_verification_duration_seconds_bucket', { kind: 'instance', result: 'valid', le: '+Inf' })).toBe(3);
      expect(moved('tessera_token_verification_duration_seconds_sum', { kind: 'instance', result: 'valid' })).toBeGreaterThan(0);

      // HTTP requests by route template, forward-auth lane included.
      const requests = (route: string, method: string, status_class: string) => moved('tessera_http_requests_total', { route, method, status_class });
      expect(requests(VERIFY_ROUTE, 'GET', '2xx')).toBe(3);
      expect(requests(VERIFY_ROUTE, 'GET', '4xx')).toBe(7);
      expect(requests('/v1/projects/:projectId/regions/:regionId/instances/:instanceId/tokens', 'GET', '2xx')).toBe(1);
      expect(requests('/v1/projects/:projectId/regions/:regionId/instances/:instanceId/tokens', 'POST', '2xx')).toBe(3);
      expect(requests('/v1/projects/:projectId/regions/:regionId/instances/:instanceId/tokens/:tokenId', 'DELETE', '2xx')).toBe(1);
      expect(requests('/console/api/auth', 'POST', '2xx')).toBe(1);
      expect(requests('/console/api/auth', 'POST', '4xx')).toBe(1);
      expect(moved('tessera_http_request_duration_seconds_count', { route: VERIFY_ROUTE, method: 'GET', status_class: '2xx' })).toBe(3);

      expect(moved('tessera_logins_total', { outcome: 'success' })).toBe(1);
      expect(moved('tessera_logins_total', { outcome: 'invalid_credentials' })).toBe(1);
      expect(sample(after, 'tessera_tokens', { kind: 'instance', state: 'active' })).toBe(1);
      expect(sample(after, 'tessera_tokens', { kind: 'instance', state: 'expired' })).toBe(1);
      expect(sample(after, 'tessera_tokens', { kind: 'refresh', state: 'active' })).toBeGreaterThanOrEqual(1);

      // Labels carry kinds, results, templates and classes: no id, token or raw URL anywhere.
      expect(text).not.toMatch(UUID_ANYWHERE);
      for (const secret of [token.content, owner.access, forged, project.id, instance.id, token.id]) expect(text).not.toContain(secret);
      for (const line of text.split('\n').filter((l) => l.startsWith('tessera_http_'))) {
        expect(line).toMatch(/route="(unmatched|\/[^"]*)"/);
        expect(line).not.toMatch(/route="[^"]*\/[0-9a-f-]{36}/);
      }
    });

    it('counts model forward-auth checks by result', async () => {
      const admin = await app.login();
      const { modelId } = await seedModel(app, admin.access, { versions: [{ version: '1' }] });
      const session = await app.request('POST', '/console/api/modelhost/model-auth/', { token: admin.access, json: { model_id: modelId } });
      expect(session.status).toBe(200);
      const before = (await read()).samples;
      const verify = (id: number | string, bearer: string) =>
        app.request('GET', `/v1/auth/models/${id}/verify/v1/predict`, { headers: { authorization: `Bearer ${bearer}` } });
      const statuses = [
        (await verify(modelId, session.body.token)).status,
        (await verify(modelId, session.body.token)).status,
        (await verify(modelId, admin.access)).status, // wrong_audience: a console token
        (await verify(modelId + 1000, session.body.token)).status, // unknown: no such model
        (await verify(modelId, 'junk')).status, // malformed
        (await verify('not-a-number', session.body.token)).status, // unknown: no model can have this id
      ];
      expect(statuses).toEqual([204, 204, 401, 401, 401, 401]);
      const after = (await read()).samples;
      const moved = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
      expect(moved('tessera_token_verifications_total', { kind: 'model', result: 'valid' })).toBe(2);
      expect(moved('tessera_token_verifications_total', { kind: 'model', result: 'wrong_audience' })).toBe(1);
      expect(moved('tessera_token_verifications_total', { kind: 'model', result: 'unknown' })).toBe(2);
      expect(moved('tessera_token_verifications_total', { kind: 'model', result: 'malformed' })).toBe(1);
      expect(moved('tessera_http_requests_total', { route: '/v1/auth/models/:modelId/verify', method: 'GET', status_class: '2xx' })).toBe(2);
      expect(moved('tessera_http_requests_total', { route: '/v1/auth/models/:modelId/verify', method: 'GET', status_class: '4xx' })).toBe(4);
    });

    it('counts refused console bearer tokens as malformed only when they are no JWS with a JSON header', async () => {
      const admin = await app.login();
      const [header, payload, signature] = admin.access.split('.');
      const ours = JSON.parse(Buffer.from(header, 'base64url').toString());
      const b64 = (text: string) => Buffer.from(text).toString('base64url');
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const refused = {
        malformed: [
          'not-a-jwt',
          `${b64('not json')}.${payload}.${signature}`, // a header that is no JSON
          `${b64('null')}.${payload}.${signature}`, // a header that is JSON null
          `${header}.${payload}`, // two parts
          `${header}.${payload}.${signature}.${signature}`, // four parts
          `${header}.${b64('not json')}.${signature}`, // our kid over a payload that is no JSON
        ],
        bad_signature: [
          `${b64(JSON.stringify({ ...ours, kid: 'not-a-kid-of-ours' }))}.${payload}.${signature}`,
          `${b64(JSON.stringify({ alg: ours.alg, typ: ours.typ }))}.${payload}.${signature}`, // no kid
          `${b64(JSON.stringify({ ...ours, kid: 'not-a-kid-of-ours' }))}.${b64('not json')}.${signature}`,
          signJwt({ alg: 'ES256', typ: 'JWT', kid: thumbprint(privateKey) }, { ...JSON.parse(Buffer.from(payload, 'base64url').toString()) }, privateKey),
        ],
      };
      const before = (await read()).samples;
      for (const tokens of Object.values(refused)) {
        for (const token of tokens) expect({ token, status: (await app.request('GET', '/v1/projects', { token })).status }).toEqual({ token, status: 401 });
      }
      expect((await app.request('GET', '/v1/projects', { token: admin.access })).status).toBe(200);
      const after = (await read()).samples;
      const moved = (result: string) =>
        sample(after, 'tessera_token_verifications_total', { kind: 'console', result }) -
        sample(before, 'tessera_token_verifications_total', { kind: 'console', result });
      expect({ malformed: moved('malformed'), bad_signature: moved('bad_signature'), valid: moved('valid') }).toEqual({
        malformed: refused.malformed.length,
        bad_signature: refused.bad_signature.length,
        valid: 1,
      });
    });

    (usingPostgres() ? it : it.skip)('reports the invalidation listener and counts notices from another replica (PostgreSQL)', async () => {
      expect(sample((await read()).samples, 'tessera_invalidation_listener_connected')).toBe(1);
      const before = sample((await read()).samples, 'tessera_invalidation_notices_received_total');
      const replica = await app.startReplica();
      try {
        const owner = await replica.login();
        const instance = await givenInstance(replica, await givenProject(replica, owner, 'replicated'));
        const token = await givenToken(replica, instance);
        expect((await replica.request('DELETE', token.path, { token: owner.access })).status).toBe(202);
        let received = 0;
        for (let attempt = 0; attempt < 50 && received === 0; attempt++) {
          received = sample((await read()).samples, 'tessera_invalidation_notices_received_total') - before;
          if (received === 0) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(received).toBeGreaterThan(0);
      } finally {
        await replica.close();
      }
    });
  });

  describe('on the service port when only TESSERA_METRICS_TOKEN is set', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await TestApp.start({ TESSERA_METRICS_TOKEN: METRICS_TOKEN });
    });
    afterAll(() => app?.close());

    it('answers 401 without the token and 200 with it, and stays out of the OpenAPI document', async () => {
      const without = await scrape(app.baseUrl);
      expect(without.status).toBe(401);
      expect(JSON.parse(without.text)).toEqual({ detail: expect.any(String), code: 'not_authenticated' });
      const withConsoleToken = await scrape(app.baseUrl, (await app.login()).access);
      expect(withConsoleToken.status).toBe(401);
      const granted = await scrape(app.baseUrl, METRICS_TOKEN);
      expect(granted.status).toBe(200);
      expect(granted.text).toContain('tessera_token_verifications_total{kind="instance",result="valid"} 0');
      const document = await app.request('GET', '/openapi.json', { undocumented: 'the document itself is not one of its operations' });
      expect(Object.keys(document.body.paths)).not.toContain('/metrics');
    });
  });

  describe('with neither TESSERA_METRICS_PORT nor TESSERA_METRICS_TOKEN', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await TestApp.start();
    });
    afterAll(() => app?.close());

    it('does not serve /metrics', async () => {
      const response = await app.request('GET', '/metrics');
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ detail: expect.any(String), code: 'not_found' });
      expect(app.app.get(MetricsEndpoint).url).toBeUndefined();
    });
  });
});
