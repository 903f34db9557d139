import { TokenVerifier } from '../src/instances/verification/token-verifier.service';
import { Caller, givenInstance, givenProject, givenToken, Instance, InstanceToken } from './support/fixtures';
import { TestApp } from './support/test-app';

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
