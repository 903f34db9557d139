import { PrismaService } from '../src/database/prisma.service';
import { TokenVerifier } from '../src/instances/verification/token-verifier.service';
import { TokenSigner } from '../src/keys/token-signer.service';
import { Caller, givenInstance, givenMember, givenProject, givenToken, Instance, Project, verifyPath } from './support/fixtures';
import { TestApp } from './support/test-app';

interface AuditEventBody {
  resource: { id: string };
  details: { reason: string };
}

const CHALLENGE_INVALID = 'Bearer realm="tessera", error="invalid_token", Basic realm="tessera"';

describe('instance token verification (forward auth) and introspection', () => {
  let app: TestApp;
  let owner: Caller;
  let project: Project;
  let tracking: Instance;

  const verify = (instance: string, token?: string, options: { method?: string; suffix?: string; headers?: Record<string, string>; raw?: string } = {}) =>
    app.request(options.method ?? 'GET', `${verifyPath(instance)}${options.suffix ?? ''}`, {
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers },
      raw: options.raw,
    });

  /** Denials are recorded off the request path: waits until the events satisfy `ready`. */
  async function auditEvents(query: string, ready: (events: AuditEventBody[]) => boolean): Promise<AuditEventBody[]> {
    for (let attempt = 0; ; attempt++) {
      const response = await app.request('GET', `/v1/projects/${project.id}/audit-events?${query}`, { token: owner.access });
      if (ready(response.body.events) || attempt === 50) return response.body.events;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  beforeAll(async () => {
    app = await TestApp.start();
    owner = await app.createUser('owner@tessera.test');
    project = await givenProject(app, owner);
    tracking = await givenInstance(app, project);
  });
  afterAll(() => app.close());

  it('answers 204 naming token, instance and project for a valid bearer token', async () => {
    const token = await givenToken(app, tracking);
    for (let i = 0; i < 2; i++) {
      const response = await verify(tracking.id, token.content);
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
      expect(response.headers.get('x-tessera-token-id')).toBe(token.id);
      expect(response.headers.get('x-tessera-instance-id')).toBe(tracking.id);
      expect(response.headers.get('x-tessera-project-id')).toBe(project.id);
    }
  });

  it('accepts the token as the Basic auth password, any method and any sub-path', async () => {
    const token = await givenToken(app, tracking);
    const basic = `Basic ${Buffer.from(`mlflow-user:${token.content}`).toString('base64')}`;
    expect((await verify(tracking.id, undefined, { headers: { authorization: basic } })).status).toBe(204);
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']) {
      const response = await verify(tracking.id, token.content, { method, suffix: '/api/2.0/mlflow/runs/log-metric?run_id=1' });
      expect([method, response.status]).toEqual([method, 204]);
    }
    // Gateways copy the client's body headers; verification must not try to parse a body.
    const emptyJson = await verify(tracking.id, token.content, { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(emptyJson.status).toBe(204);
    const upload = await verify(tracking.id, token.content, {
      method: 'PUT',
      suffix: '/api/2.0/mlflow-artifacts/artifacts/model.bin',
      headers: { 'content-type': 'application/octet-stream' },
      raw: 'binary artifact bytes',
    });
    expect(upload.status).toBe(204);
    const badJson = await verify(tracking.id, token.content, { method: 'POST', headers: { 'content-type': 'application/json' }, raw: '{"truncated' });
    expect(badJson.status).toBe(204);
  });

  it('answers 401 with WWW-Authenticate in the STACKIT body when no or a bad token is sent', async () => {
    const none = await verify(tracking.id);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="tessera", Basic realm="tessera"');
    expect(none.body).toEqual({ code: 401, message: expect.any(String), status: 'Unauthorized' });

    const token = await givenToken(app, tracking);
    const [header, payload, signature] = token.content.split('.');
    const forgedSignature = `${header}.${payload}.${signature.slice(0, -4)}${signature.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const tamperedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), aud: 'instance:other' })).toString(
      'base64url',
    );
    const basicWithoutPassword = `Basic ${Buffer.from(token.content).toString('base64')}`;
    for (const authorization of [
      'Bearer junk',
      'Bearer a.b.c',
      `Bearer ${forgedSignature}`,
      `Bearer ${header}.${tamperedPayload}.${signature}`,
      `Token ${token.content}`,
      basicWithoutPassword,
      'Bearer',
      `Bearer ${'x'.repeat(5000)}`,
    ]) {
      const response = await verify(tracking.id, undefined, { headers: { authorization } });
      expect([authorization.slice(0, 20), response.status]).toEqual([authorization.slice(0, 20), 401]);
    }
    const invalid = await verify(tracking.id, 'junk');
    expect(invalid.headers.get('www-authenticate')).toBe(CHALLENGE_INVALID);
    expect(invalid.body).toEqual({ code: 401, message: 'token is not valid for this instance', status: 'Unauthorized' });
    expect((await verify(tracking.id.toUpperCase(), token.content)).status).toBe(204);
    // A malformed instance id is a 401 too: nginx would turn a 400 into a 500.
    expect((await verify('not-a-uuid', token.content)).status).toBe(401);
  });

  it('refuses a correctly signed instance token that was never stored (no row, no access)', async () => {
    const signer = app.app.get(TokenSigner);
    const { token } = signer.issue({ type: 'instance', subject: owner.id, audience: `instance:${tracking.id}`, expiresAt: new Date(Date.now() + 60_000) });
    expect((await verify(tracking.id, token)).status).toBe(401);
    expect((await verify(tracking.id, token)).status).toBe(401);
    // Nor does another kind of token signed by the same key open an instance.
    expect((await verify(tracking.id, owner.access)).status).toBe(401);
  });

  it('refuses a valid token of another instance and audits the attempt under the token', async () => {
    const other = await givenInstance(app, project, { name: 'other' });
    const token = await givenToken(app, tracking);
    expect((await verify(tracking.id, token.content)).status).toBe(204);
    const response = await verify(other.id, token.content, { headers: { 'x-request-id': 'wrong-instance-1' } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(CHALLENGE_INVALID);
    expect(await auditEvents(`action=instance-token.verify&resourceId=${token.id}`, (events) => events.length > 0)).toEqual([
      {
        id: expect.any(String),
        time: expect.any(String),
        actor: { type: 'instance-token', id: token.id },
        action: 'instance-token.verify',
        resource: { type: 'instance-token', id: token.id },
        outcome: 'denied',
        requestId: 'wrong-instance-1',
        details: { reason: 'wrong-instance', instanceId: tracking.id, requestedInstanceId: other.id },
      },
    ]);
  });

  it('refuses a deleted token from the moment the DELETE returns, although it was cached', async () => {
    const token = await givenToken(app, tracking);
    expect((await verify(tracking.id, token.content)).status).toBe(204);
    expect((await app.request('DELETE', `${tracking.tokensPath}/${token.id}`, { token: owner.access })).status).toBe(202);
    expect((await verify(tracking.id, token.content)).status).toBe(401);
  });

  it('refuses the tokens of a deleted instance and of a deleted project at once', async () => {
    const instance = await givenInstance(app, project, { name: 'going' });
    const token = await givenToken(app, instance);
    expect((await verify(instance.id, token.content)).status).toBe(204);
    expect((await app.request('DELETE', instance.path, { token: owner.access })).status).toBe(202);
    expect((await verify(instance.id, token.content)).status).toBe(401);

    const doomed = await givenProject(app, owner, 'doomed');
    const inProject = await givenInstance(app, doomed);
    const projectToken = await givenToken(app, inProject);
    expect((await verify(inProject.id, projectToken.content)).status).toBe(204);
    expect((await app.request('DELETE', `/v1/projects/${doomed.id}`, { token: owner.access })).status).toBe(204);
    expect((await verify(inProject.id, projectToken.content)).status).toBe(401);
  });

  it('refuses an expired token, lists it as inactive and audits the rejected use once', async () => {
    const token = await givenToken(app, tracking, { name: 'brief', ttlDuration: '1s' });
    expect((await verify(tracking.id, token.content)).status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(token.validUntil) - Date.now() + 50));
    expect((await verify(tracking.id, token.content)).status).toBe(401);
    expect((await verify(tracking.id, token.content)).status).toBe(401);
    const listed = await app.request('GET', tracking.tokensPath, { token: owner.access });
    expect(listed.body.tokens.find((t: { id: string }) => t.id === token.id).state).toBe('inactive');
    // A token first presented after its expiry (nothing cached) is refused and still attributed.
    const fresh = await givenToken(app, tracking, { name: 'brief2', ttlDuration: '1s' });
    await new Promise((resolve) => setTimeout(resolve, Date.parse(fresh.validUntil) - Date.now() + 50));
    expect((await verify(tracking.id, fresh.content)).status).toBe(401);
    const isExpiry = (e: AuditEventBody) => e.details.reason === 'expired';
    const expired = (await auditEvents('action=instance-token.verify', (events) => events.filter(isExpiry).length >= 2)).filter(isExpiry);
    expect(expired.map((e) => e.resource.id).sort()).toEqual([token.id, fresh.id].sort());
  });

  it('records lastUsedAt at most once a minute per token, off the request path', async () => {
    const token = await givenToken(app, tracking);
    const url = `${tracking.tokensPath}/${token.id}`;
    expect((await app.request('GET', url, { token: owner.access })).body.token.lastUsedAt).toBeUndefined();
    expect((await verify(tracking.id, token.content)).status).toBe(204);
    const verifier = app.app.get(TokenVerifier);
    await verifier.flushUses();
    const first = (await app.request('GET', url, { token: owner.access })).body.token.lastUsedAt;
    expect(Math.abs(Date.parse(first) - Date.now())).toBeLessThan(60_000);
    const stored = await app.app.get(PrismaService).instanceToken.findUniqueOrThrow({ where: { id: token.id } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await verify(tracking.id, token.content)).status).toBe(204);
    await verifier.flushUses();
    const again = await app.app.get(PrismaService).instanceToken.findUniqueOrThrow({ where: { id: token.id } });
    expect(again.lastUsedAt).toEqual(stored.lastUsedAt);
  });

  describe('RFC 7662 introspection', () => {
    it('describes a live token to a reader of its project, by form or JSON', async () => {
      const reader = await givenMember(app, project, 'reader');
      const token = await givenToken(app, tracking);
      const expected = {
        active: true,
        token_type: 'Bearer',
        sub: owner.id,
        aud: `instance:${tracking.id}`,
        iss: 'tessera',
        exp: Date.parse(token.validUntil) / 1000,
        iat: expect.any(Number),
        jti: token.id,
        instance_id: tracking.id,
        project_id: project.id,
      };
      const form = await app.request('POST', '/v1/introspect', { token: reader.access, form: { token: token.content, token_type_hint: 'access_token' } });
      expect(form.status).toBe(200);
      expect(form.headers.get('cache-control')).toBe('no-store');
      expect(form.body).toEqual(expected);
      const json = await app.request('POST', '/v1/introspect', { token: owner.access, json: { token: token.content } });
      expect(json.body).toEqual(expected);
    });

    it('answers only {active: false} for junk, deleted tokens and callers outside the project', async () => {
      const outsider = await app.createUser('outsider@tessera.test');
      const token = await givenToken(app, tracking);
      const outside = await app.request('POST', '/v1/introspect', { token: outsider.access, form: { token: token.content } });
      expect(outside.status).toBe(200);
      expect(outside.body).toEqual({ active: false });
      for (const junk of ['junk', 'a.b.c', owner.access]) {
        expect((await app.request('POST', '/v1/introspect', { token: owner.access, form: { token: junk } })).body).toEqual({ active: false });
      }
      await app.request('DELETE', `${tracking.tokensPath}/${token.id}`, { token: owner.access });
      expect((await app.request('POST', '/v1/introspect', { token: owner.access, form: { token: token.content } })).body).toEqual({ active: false });
    });

    it('requires an authenticated caller and a token parameter', async () => {
      const token = await givenToken(app, tracking);
      const anonymous = await app.request('POST', '/v1/introspect', { form: { token: token.content } });
      expect(anonymous.status).toBe(401);
      expect((await app.request('POST', '/v1/introspect', { token: token.content, form: { token: token.content } })).status).toBe(401);
      expect((await app.request('POST', '/v1/introspect', { token: owner.access, form: { nothing: 'x' } })).status).toBe(400);
    });
  });
});
