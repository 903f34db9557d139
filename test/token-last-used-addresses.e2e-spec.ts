import { SqlDatabase } from '../src/database/sql-database';
import { TokenVerifier } from '../src/instances/verification/token-verifier.service';
import { TokenUseQueues } from '../src/token-uses/token-use-queue';
import { Caller, givenInstance, givenProject, givenServiceAccount, givenToken, Instance, InstanceToken, Project } from './support/fixtures';
import { seedModel } from './support/model-registry';
import { jwtPayload, TestApp } from './support/test-app';

interface LastUsedIp {
  ip: string;
  lastUsedAt: string;
}

interface AuditEventBody {
  action: string;
  resource: { id: string };
  outcome: string;
  details: { address: string; instanceId: string };
}

/**
 * `lastUsedIps` through the real HTTP server: every check below comes from 127.0.0.1, which is a
 * trusted proxy or not depending on TESSERA_TRUSTED_PROXIES. Uses are written by the verifier's
 * flush (every 10 s in production), which the test calls itself.
 */
describe('last-used client addresses of instance tokens (lastUsedIps)', () => {
  async function world(app: TestApp): Promise<{ owner: Caller; tracking: Instance }> {
    const owner = await app.createUser('owner@tessera.test');
    return { owner, tracking: await givenInstance(app, await givenProject(app, owner)) };
  }

  const check = (app: TestApp, instance: Instance, token: InstanceToken, headers: Record<string, string> = {}) =>
    app.request('GET', `${instance.verifyPath}/api/2.0/mlflow/runs/search`, { headers: { authorization: `Bearer ${token.content}`, ...headers } });

  async function lastUsedIps(app: TestApp, owner: Caller, token: InstanceToken): Promise<LastUsedIp[] | undefined> {
    await app.app.get(TokenVerifier).flushUses();
    const response = await app.request('GET', token.path, { token: owner.access });
    expect(response.status).toBe(200);
    return response.body.token.lastUsedIps;
  }

  describe('without trusted proxies (the default)', () => {
    let app: TestApp;
    let owner: Caller;
    let tracking: Instance;

    beforeAll(async () => {
      app = await TestApp.start();
      ({ owner, tracking } = await world(app));
    });
    afterAll(() => app.close());

    it('records the connection address, whatever X-Forwarded-For and X-Real-IP claim', async () => {
      const token = await givenToken(app, tracking);
      expect(await lastUsedIps(app, owner, token)).toBeUndefined();
      expect((await check(app, tracking, token, { 'x-forwarded-for': '203.0.113.9', 'x-real-ip': '203.0.113.8' })).status).toBe(204);
      const ips = await lastUsedIps(app, owner, token);
      expect(ips).toEqual([{ ip: '127.0.0.1', lastUsedAt: expect.any(String) }]);
      expect(Math.abs(Date.parse(ips![0].lastUsedAt) - Date.now())).toBeLessThan(60_000);
    });

    it('shows the addresses in the token list too', async () => {
      const used = await givenToken(app, tracking, { name: 'used' });
      const unused = await givenToken(app, tracking, { name: 'unused' });
      expect((await check(app, tracking, used)).status).toBe(204);
      await app.app.get(TokenVerifier).flushUses();
      const listed = await app.request('GET', tracking.tokensPath, { token: owner.access });
      const byId = new Map(listed.body.tokens.map((token: { id: string }) => [token.id, token]));
      expect(byId.get(used.id)).toMatchObject({ lastUsedIps: [{ ip: '127.0.0.1', lastUsedAt: expect.any(String) }] });
      expect(byId.get(unused.id)).not.toHaveProperty('lastUsedIps');
    });
  });

  describe('behind a trusted proxy (TESSERA_TRUSTED_PROXIES=127.0.0.1/32)', () => {
    let app: TestApp;
    let owner: Caller;
    let tracking: Instance;

    beforeAll(async () => {
      app = await TestApp.start({ TESSERA_TRUSTED_PROXIES: '127.0.0.1/32' });
      ({ owner, tracking } = await world(app));
    });
    afterAll(() => app.close());

    it('records the address the proxy forwarded: the rightmost hop it did not add itself', async () => {
      const token = await givenToken(app, tracking);
      // The client claimed 198.51.100.1; the proxy appended the address it saw, 203.0.113.9.
      expect((await check(app, tracking, token, { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' })).status).toBe(204);
      expect((await lastUsedIps(app, owner, token))?.map((entry) => entry.ip)).toEqual(['203.0.113.9']);
    });

    it('records X-Real-IP when the proxy sent no X-Forwarded-For, and IPv6 addresses as they are', async () => {
      const token = await givenToken(app, tracking);
      expect((await check(app, tracking, token, { 'x-real-ip': '2001:db8::7' })).status).toBe(204);
      expect((await lastUsedIps(app, owner, token))?.map((entry) => entry.ip)).toEqual(['2001:db8::7']);
    });

    it('keeps the 5 most recent distinct addresses, most recent first', async () => {
      const token = await givenToken(app, tracking);
      // Used in descending order, so should two uses fall in the same millisecond the tie-break
      // (address, ascending) agrees with recency.
      const addresses = ['203.0.113.6', '203.0.113.5', '203.0.113.4', '203.0.113.3', '203.0.113.2', '203.0.113.1'];
      for (const address of addresses) expect((await check(app, tracking, token, { 'x-forwarded-for': address })).status).toBe(204);
      // A known address within the minute is not written again.
      expect((await check(app, tracking, token, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(204);
      const ips = await lastUsedIps(app, owner, token);
      expect(ips?.map((entry) => entry.ip)).toEqual(['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5']);

      // A seventh address pushes out the oldest of them; the list shows the same.
      expect((await check(app, tracking, token, { 'x-forwarded-for': '198.51.100.7' })).status).toBe(204);
      const now = await lastUsedIps(app, owner, token);
      expect(now?.map((entry) => entry.ip)).toEqual(['198.51.100.7', '203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']);
      const listed = await app.request('GET', tracking.tokensPath, { token: owner.access });
      expect(listed.body.tokens.find((entry: { id: string }) => entry.id === token.id).lastUsedIps).toEqual(now);
    });

    it('audits the use from a new address, at most once per token per minute', async () => {
      const token = await givenToken(app, tracking);
      expect((await check(app, tracking, token, { 'x-forwarded-for': '192.0.2.10' })).status).toBe(204);
      expect((await check(app, tracking, token, { 'x-forwarded-for': '192.0.2.10' })).status).toBe(204);
      expect((await check(app, tracking, token, { 'x-forwarded-for': '192.0.2.11' })).status).toBe(204);
      await app.app.get(TokenVerifier).flushUses();
      const query = `/v1/projects/${tracking.project.id}/audit-events?action=instance-token.used-from-new-address&resourceId=${token.id}`;
      // Recorded off the request path: wait for the first, then make sure it stays the only one.
      let events: AuditEventBody[] = [];
      for (let attempt = 0; attempt < 100 && !events.length; attempt++) {
        if (attempt) await new Promise((resolve) => setTimeout(resolve, 20));
        events = (await app.request('GET', query, { token: owner.access })).body.events;
      }
      expect((await app.request('GET', query, { token: owner.access })).body.events).toEqual(events);
      expect(events).toEqual([
        expect.objectContaining({
          action: 'instance-token.used-from-new-address',
          resource: { type: 'instance-token', id: token.id },
          actor: { type: 'instance-token', id: token.id },
          outcome: 'success',
          details: { instanceId: tracking.id, address: '192.0.2.10' },
        }),
      ]);
      // Both addresses are recorded all the same.
      expect((await lastUsedIps(app, owner, token))?.map((entry) => entry.ip).sort()).toEqual(['192.0.2.10', '192.0.2.11']);
    });

    it('sets request.ip on ordinary routes by the same rule (login throttling counts the forwarded address)', async () => {
      // One attempt a minute per address: a second login from the same forwarded address gets 429,
      // one from another forwarded address does not.
      const limited = await TestApp.start({ TESSERA_TRUSTED_PROXIES: '127.0.0.1/32', TESSERA_LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: '1' });
      try {
        const login = (address: string) =>
          limited.request('POST', '/console/api/auth/', {
            json: { email: 'nobody@tessera.test', password: 'wrong-password' },
            headers: { 'x-forwarded-for': address },
          });
        expect((await login('203.0.113.20')).status).toBe(401);
        expect((await login('203.0.113.20')).status).toBe(429);
        expect((await login('203.0.113.21')).status).toBe(401);
      } finally {
        await limited.close();
      }
    });
  });
});

/**
 * The same bookkeeping for service-account access tokens (API calls: request.ip) and external
 * model tokens (model forward-auth), behind a trusted proxy so each request names its address.
 */
describe('last use of service-account access tokens and external model tokens', () => {
  let app: TestApp;
  let owner: Caller;
  let project: Project;
  let admin: string;
  let modelId: number;

  const SIX = ['203.0.113.6', '203.0.113.5', '203.0.113.4', '203.0.113.3', '203.0.113.2', '203.0.113.1'];
  const KEPT = ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5'];

  beforeAll(async () => {
    app = await TestApp.start({ TESSERA_TRUSTED_PROXIES: '127.0.0.1/32' });
    owner = await app.createUser('owner@tessera.test');
    project = await givenProject(app, owner);
    admin = (await app.login()).access;
    ({ modelId } = await seedModel(app, admin, { versions: [{ version: '1' }] }));
  });
  afterAll(() => app.close());

  describe('service-account access tokens', () => {
    const call = (robot: Caller, address: string) =>
      app.request('GET', `/v2/projects/${project.id}/service-accounts`, { token: robot.access, headers: { 'x-forwarded-for': address } });

    async function metadata(robot: Caller): Promise<{ lastUsedAt?: string; lastUsedIps?: LastUsedIp[] }> {
      await app.app.get(TokenUseQueues).flush();
      const listed = await app.request('GET', `/v2/projects/${project.id}/service-accounts/${robot.email}/access-tokens`, { token: owner.access });
      expect(listed.status).toBe(200);
      return listed.body.items.find((token: { id: string }) => token.id === jwtPayload(robot.access).jti);
    }

    it('records lastUsedAt and the forwarded address of an API call', async () => {
      const robot = await givenServiceAccount(app, project, 'reader', 'first-robot');
      const unused = await metadata(robot);
      expect(unused).not.toHaveProperty('lastUsedAt');
      expect(unused).not.toHaveProperty('lastUsedIps');
      expect((await call(robot, '198.51.100.1, 203.0.113.9')).status).toBe(200);
      const used = await metadata(robot);
      expect(Math.abs(Date.parse(used.lastUsedAt!) - Date.now())).toBeLessThan(60_000);
      expect(used.lastUsedIps).toEqual([{ ip: '203.0.113.9', lastUsedAt: expect.any(String) }]);
    });

    it('keeps the 5 most recent distinct addresses, most recent first', async () => {
      const robot = await givenServiceAccount(app, project, 'reader', 'busy-robot');
      for (const address of SIX) expect((await call(robot, address)).status).toBe(200);
      expect((await metadata(robot)).lastUsedIps?.map((entry) => entry.ip)).toEqual(KEPT);
    });

    it('audits the use from a new address, at most once per token per minute', async () => {
      const robot = await givenServiceAccount(app, project, 'reader', 'roaming-robot');
      const tokenId = jwtPayload(robot.access).jti;
      for (const address of ['192.0.2.10', '192.0.2.10', '192.0.2.11']) expect((await call(robot, address)).status).toBe(200);
      await app.app.get(TokenUseQueues).flush();
      const query = `/v1/projects/${project.id}/audit-events?action=service-account-token.used-from-new-address&resourceId=${tokenId}`;
      const events = await firstEvents(() => app.request('GET', query, { token: owner.access }).then((response) => response.body.events));
      expect((await app.request('GET', query, { token: owner.access })).body.events).toEqual(events);
      expect(events).toEqual([
        expect.objectContaining({
          actor: { type: 'service-account', id: robot.id },
          resource: { type: 'service-account-token', id: tokenId },
          outcome: 'success',
          details: { serviceAccountId: robot.id, address: '192.0.2.10' },
        }),
      ]);
      expect((await metadata(robot)).lastUsedIps?.map((entry) => entry.ip).sort()).toEqual(['192.0.2.10', '192.0.2.11']);
    });
  });

  describe('external model tokens', () => {
    async function externalToken(name: string): Promise<{ id: string; token: string }> {
      const created = await app.request('POST', '/console/api/modelhost/external-api-tokens/', {
        token: admin,
        json: { name, prefix_key: 'practicus', ttl: '30d' },
      });
      expect(created.status).toBe(201);
      return created.body;
    }
    const verify = (token: string, address: string) =>
      app.request('GET', `/v1/auth/models/${modelId}/verify`, { token, headers: { 'x-forwarded-for': address } });

    async function metadata(id: string): Promise<{ last_used_at?: string; last_used_ips?: { ip: string; last_used_at: string }[] }> {
      await app.app.get(TokenUseQueues).flush();
      const response = await app.request('GET', `/console/api/modelhost/external-api-tokens/${id}/`, { token: admin });
      expect(response.status).toBe(200);
      return response.body;
    }

    it('records last_used_at and the forwarded address at model forward-auth, in the list too', async () => {
      const { id, token } = await externalToken('partner');
      expect(await metadata(id)).not.toHaveProperty('last_used_ips');
      expect((await verify(token, '198.51.100.1, 203.0.113.9')).status).toBe(204);
      const used = await metadata(id);
      expect(Math.abs(Date.parse(used.last_used_at!) - Date.now())).toBeLessThan(60_000);
      expect(used.last_used_ips).toEqual([{ ip: '203.0.113.9', last_used_at: expect.any(String) }]);
      const listed = await app.request('GET', '/console/api/modelhost/external-api-tokens/', { token: admin });
      expect(listed.body.find((entry: { id: string }) => entry.id === id).last_used_ips).toEqual(used.last_used_ips);
    });

    it('keeps the 5 most recent distinct addresses, most recent first', async () => {
      const { id, token } = await externalToken('busy partner');
      for (const address of SIX) expect((await verify(token, address)).status).toBe(204);
      expect((await metadata(id)).last_used_ips?.map((entry) => entry.ip)).toEqual(KEPT);
    });

    it('audits the use from a new address, at most once per token per minute', async () => {
      const { id, token } = await externalToken('roaming partner');
      for (const address of ['192.0.2.10', '192.0.2.10', '192.0.2.11']) expect((await verify(token, address)).status).toBe(204);
      // External tokens belong to no project, so no project's audit list shows the event: read the table.
      const read = () =>
        app.app
          .get(SqlDatabase)
          .query<{ actorType: string; details: string }>('SELECT "actorType", "details" FROM "AuditEvent" WHERE "action" = $1 AND "resourceId" = $2', [
            'external-token.used-from-new-address',
            id,
          ]);
      const events = await firstEvents(read);
      expect(await read()).toEqual(events);
      expect(events).toHaveLength(1);
      expect(events[0].actorType).toBe('external-token');
      expect(JSON.parse(events[0].details)).toMatchObject({ address: '192.0.2.10' });
    });
  });
});

/** Audit events are recorded off the request path: the first non-empty answer of `read`. */
async function firstEvents<T>(read: () => Promise<T[]>): Promise<T[]> {
  let events: T[] = [];
  for (let attempt = 0; attempt < 100 && !events.length; attempt++) {
    if (attempt) await new Promise((resolve) => setTimeout(resolve, 20));
    events = await read();
  }
  return events;
}
