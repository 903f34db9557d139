import { createHash } from 'node:crypto';
import { SqlDatabase } from '../src/database/sql-database';
import { TokenUseQueues } from '../src/token-uses/token-use-queue';
import { grant, SeededModel, seedModel } from './support/model-registry';
import { jwtPayload, TestApp } from './support/test-app';

const TOKENS = '/console/api/modelhost/external-api-tokens/';

describe('external API tokens for models', () => {
  let app: TestApp;
  let admin: string;
  let prefixAdmin: { id: string; email: string; access: string };
  let deployer: { id: string; email: string; access: string };
  let diamond: SeededModel;
  let churn: SeededModel;
  let foreign: SeededModel;

  const verify = (modelId: number, token: string) => app.request('GET', `/v1/auth/models/${modelId}/verify`, { token });

  beforeAll(async () => {
    app = await TestApp.start();
    admin = (await app.login()).access;
    diamond = await seedModel(app, admin, { versions: [{ version: '1' }] });
    churn = await seedModel(app, admin, { name: 'churn', versions: [{ version: '1' }] });
    foreign = await seedModel(app, admin, { key: 'other', prefix: 'other/models', name: 'foreign', versions: [{ version: '1' }] });
    prefixAdmin = await app.createUser('prefix-admin@tessera.test');
    deployer = await app.createUser('deployer@tessera.test');
    await grant(app, admin, 'practicus', prefixAdmin.email, { admin: true });
    await grant(app, admin, 'practicus', deployer.email, { can_deploy: true });
  });
  afterAll(() => app.close());

  it('creates a prefix-scoped token, shown once, that opens every model of the prefix and nothing else', async () => {
    const created = await app.request('POST', TOKENS, {
      token: prefixAdmin.access,
      json: { name: 'partner api', prefix_key: 'practicus', ttl: '30d', claims: { tenant: 'acme', tier: 2, beta: true } },
    });
    expect(created.status).toBe(201);
    const { token, ...metadata } = created.body;
    expect(metadata).toEqual({
      id: expect.any(String),
      name: 'partner api',
      scope: 'prefix',
      prefix: 'models/practicus',
      prefix_key: 'practicus',
      model_id: null,
      claims: { tenant: 'acme', tier: 2, beta: true },
      state: 'active',
      expires_at: expect.any(String),
      revoked_at: null,
      created_by: prefixAdmin.id,
      created_at: expect.any(String),
    });
    const claims = jwtPayload(token);
    expect(claims).toMatchObject({
      token_type: 'model-external',
      aud: 'model-prefix:practicus',
      jti: metadata.id,
      sub: metadata.id,
      scope: 'prefix',
      prefix: 'models/practicus',
      tenant: 'acme',
      tier: 2,
      beta: true,
    });
    // exp and iat are whole seconds read a moment apart.
    expect(30 * 86400 - (claims.exp - claims.iat)).toBeGreaterThanOrEqual(0);
    expect(30 * 86400 - (claims.exp - claims.iat)).toBeLessThanOrEqual(1);

    for (const model of [diamond, churn]) {
      const response = await verify(model.modelId, token);
      expect(response.status).toBe(204);
      expect(response.headers.get('x-tessera-token-type')).toBe('model-external');
      expect(response.headers.get('x-tessera-token-id')).toBe(metadata.id);
    }
    expect((await verify(foreign.modelId, token)).status).toBe(401);
    expect((await app.request('GET', '/models/practicus/churn/?get_meta=true', { token })).status).toBe(200);
    expect((await app.request('GET', '/other/models/foreign/?get_meta=true', { token })).status).toBe(401);

    // Uses are written every 10 s; written now, the metadata shows them (no trusted proxy: the connection's address).
    await app.app.get(TokenUseQueues).flush();
    const used = { ...metadata, last_used_at: expect.any(String), last_used_ips: [{ ip: '127.0.0.1', last_used_at: expect.any(String) }] };
    const listed = await app.request('GET', TOKENS, { token: prefixAdmin.access });
    const row = listed.body.find((item: { id: string }) => item.id === metadata.id);
    expect(row).toEqual(used);
    expect(listed.text).not.toContain(token);
    expect((await app.request('GET', `${TOKENS}${metadata.id}/`, { token: prefixAdmin.access })).body).toEqual(used);
  });

  it('creates a model-scoped token that opens only that model', async () => {
    const created = await app.request('POST', TOKENS, {
      token: admin,
      json: { name: 'churn only', model_id: churn.modelId, expires_at: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ scope: 'model', model_id: churn.modelId, prefix_key: 'practicus', claims: null });
    expect(jwtPayload(created.body.token)).toMatchObject({ aud: `model:${churn.modelId}`, model_id: churn.modelId, scope: 'model' });
    expect((await verify(churn.modelId, created.body.token)).status).toBe(204);
    expect((await verify(diamond.modelId, created.body.token)).status).toBe(401);
    const filtered = await app.request('GET', `${TOKENS}?model_id=${churn.modelId}`, { token: admin });
    expect(filtered.body.map((item: { id: string }) => item.id)).toEqual([created.body.id]);
  });

  it('keeps only the SHA-256 of the token in the database', async () => {
    const created = await app.request('POST', TOKENS, { token: admin, json: { name: 'stored', prefix_key: 'practicus' } });
    const rows = await app.app.get(SqlDatabase).query<Record<string, unknown>>('SELECT * FROM "ExternalApiToken"');
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(created.body.token);
    expect(dump).not.toContain(created.body.token.split('.')[2]);
    const row = rows.find((r) => r.id === created.body.id)!;
    expect(row.tokenHash).toBe(createHash('sha256').update(created.body.token).digest('hex'));
  });

  it('revokes: refused from the moment DELETE returns, listed as revoked, DELETE again is harmless', async () => {
    const created = await app.request('POST', TOKENS, { token: prefixAdmin.access, json: { name: 'short lived', prefix_key: 'practicus' } });
    const { id, token } = created.body;
    expect((await verify(diamond.modelId, token)).status).toBe(204);
    expect((await app.request('DELETE', `${TOKENS}${id}/`, { token: deployer.access })).status).toBe(403);
    expect((await app.request('DELETE', `${TOKENS}${id}/`, { token: prefixAdmin.access })).status).toBe(204);
    expect((await verify(diamond.modelId, token)).status).toBe(401);
    expect((await app.request('GET', '/models/practicus/diamond-price/?get_meta=true', { token })).status).toBe(401);
    const row = (await app.request('GET', `${TOKENS}${id}/`, { token: prefixAdmin.access })).body;
    expect(row).toMatchObject({ state: 'revoked', revoked_at: expect.any(String) });
    expect((await app.request('DELETE', `${TOKENS}${id}/`, { token: prefixAdmin.access })).status).toBe(204);
    expect((await app.request('DELETE', `${TOKENS}00000000-0000-4000-8000-000000000000/`, { token: admin })).status).toBe(404);
    expect((await app.request('DELETE', `${TOKENS}not-a-uuid/`, { token: admin })).status).toBe(400);
  });

  it('refuses a token whose hash does not match the stored one, even with a valid signature', async () => {
    const created = await app.request('POST', TOKENS, { token: admin, json: { name: 'tampered', prefix_key: 'practicus' } });
    await app.app.get(SqlDatabase).execute('UPDATE "ExternalApiToken" SET "tokenHash" = $1 WHERE "id" = $2', ['0'.repeat(64), created.body.id]);
    // Never verified before, so nothing is cached: the check reads the changed row.
    expect((await verify(churn.modelId, created.body.token)).status).toBe(401);
  });

  it('is managed by prefix admins and platform admins only', async () => {
    expect((await app.request('POST', TOKENS, { token: deployer.access, json: { name: 'x', prefix_key: 'practicus' } })).status).toBe(403);
    expect((await app.request('POST', TOKENS, { token: prefixAdmin.access, json: { name: 'x', prefix_key: 'other' } })).status).toBe(403);
    expect((await app.request('POST', TOKENS, { token: prefixAdmin.access, json: { name: 'x', model_id: foreign.modelId } })).status).toBe(403);
    expect((await app.request('GET', TOKENS, { token: deployer.access })).body).toEqual([]);
    expect((await app.request('GET', `${TOKENS}?prefix_key=other`, { token: prefixAdmin.access })).status).toBe(403);
    const foreignToken = await app.request('POST', TOKENS, { token: admin, json: { name: 'foreign', prefix_key: 'other' } });
    expect((await app.request('GET', `${TOKENS}${foreignToken.body.id}/`, { token: prefixAdmin.access })).status).toBe(403);
    const mine = await app.request('GET', TOKENS, { token: prefixAdmin.access });
    expect(mine.body.map((item: { prefix_key: string }) => item.prefix_key)).not.toContain('other');
    expect((await app.request('GET', TOKENS)).status).toBe(401);
  });

  it('validates scope, expiry and extra claims', async () => {
    const bad: Record<string, unknown>[] = [
      { prefix_key: 'practicus' },
      { name: 'x' },
      { name: 'x', prefix_key: 'practicus', model_id: diamond.modelId },
      { name: 'x', model_id: 'abc' },
      { name: 'bad/name', prefix_key: 'practicus' },
      { name: 'x', prefix_key: 'practicus', ttl: '0s' },
      { name: 'x', prefix_key: 'practicus', ttl: 'forever' },
      { name: 'x', prefix_key: 'practicus', ttl: '3600' },
      { name: 'x', prefix_key: 'practicus', ttl: '400d' },
      { name: 'x', prefix_key: 'practicus', expires_at: '2020-01-01T00:00:00Z' },
      { name: 'x', prefix_key: 'practicus', expires_at: 'tomorrow' },
      { name: 'x', prefix_key: 'practicus', expires_at: new Date(Date.now() + 86_400_000).toISOString(), ttl: '1d' },
      { name: 'x', prefix_key: 'practicus', claims: { aud: 'someone-else' } },
      { name: 'x', prefix_key: 'practicus', claims: { exp: 9999999999 } },
      { name: 'x', prefix_key: 'practicus', claims: { token_type: 'access' } },
      { name: 'x', prefix_key: 'practicus', claims: { model_id: 1 } },
      { name: 'x', prefix_key: 'practicus', claims: { nested: { a: 1 } } },
      { name: 'x', prefix_key: 'practicus', claims: { list: [1, 2] } },
      { name: 'x', prefix_key: 'practicus', claims: { empty: null } },
      { name: 'x', prefix_key: 'practicus', claims: { long: 'x'.repeat(257) } },
      { name: 'x', prefix_key: 'practicus', claims: { 'bad name': 1 } },
      { name: 'x', prefix_key: 'practicus', claims: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`c${i}`, i])) },
      { name: 'x', prefix_key: 'practicus', claims: Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`c${i}`, 'y'.repeat(200)])) },
      { name: 'x', prefix_key: 'practicus', claims: ['a'] },
      { name: 'x', prefix_key: 'practicus', claims: 'tenant=acme' },
      { name: 'x', prefix_key: 'practicus', secret: 'mine' },
    ];
    for (const body of bad) {
      const response = await app.request('POST', TOKENS, { token: admin, json: body });
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      expect(response.body.code).toMatch(/^(invalid|bad_request)$/);
    }
    const reserved = await app.request('POST', TOKENS, { token: admin, json: { name: 'x', prefix_key: 'practicus', claims: { sub: 'admin' } } });
    expect(reserved.body.detail).toBe('claims: "sub" is set by Tessera and cannot be overridden');
    expect((await app.request('POST', TOKENS, { token: admin, json: { name: 'x', prefix_key: 'nope' } })).status).toBe(404);
    expect((await app.request('POST', TOKENS, { token: admin, json: { name: 'x', model_id: 987654 } })).status).toBe(404);
  });

  it('goes with its model or prefix: deleting either makes the token unusable and unlisted', async () => {
    const doomed = await seedModel(app, admin, { name: 'doomed', versions: [{ version: '1' }] });
    const created = await app.request('POST', TOKENS, { token: admin, json: { name: 'doomed', model_id: doomed.modelId } });
    expect((await verify(doomed.modelId, created.body.token)).status).toBe(204);
    expect((await app.request('DELETE', `/console/api/modelhost/models/${doomed.modelId}/`, { token: admin })).status).toBe(204);
    expect((await verify(doomed.modelId, created.body.token)).status).toBe(401);
    expect((await app.request('GET', `${TOKENS}${created.body.id}/`, { token: admin })).status).toBe(404);

    const gone = await seedModel(app, admin, { key: 'gone', prefix: 'gone', name: 'm', versions: [{ version: '1' }] });
    const prefixToken = await app.request('POST', TOKENS, { token: admin, json: { name: 'gone', prefix_key: 'gone' } });
    expect((await verify(gone.modelId, prefixToken.body.token)).status).toBe(204);
    expect((await app.request('DELETE', '/console/api/modelhost/model-prefixes/gone/', { token: admin })).status).toBe(204);
    expect((await app.request('GET', `${TOKENS}${prefixToken.body.id}/`, { token: admin })).status).toBe(404);
  });
});

describe('external API token expiry', () => {
  let app: TestApp;
  afterAll(() => app?.close());

  it('refuses an expired token and lists it as expired', async () => {
    app = await TestApp.start();
    const admin = (await app.login()).access;
    const model = await seedModel(app, admin, { versions: [{ version: '1' }] });
    const created = await app.request('POST', TOKENS, { token: admin, json: { name: 'brief', prefix_key: 'practicus', ttl: '1s' } });
    expect(created.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await app.request('GET', `/v1/auth/models/${model.modelId}/verify`, { token: created.body.token })).status).toBe(401);
    expect((await app.request('GET', `${TOKENS}${created.body.id}/`, { token: admin })).body.state).toBe('expired');
  });
});
