import { isDeepStrictEqual } from 'node:util';
import { hashSecret } from '../src/common/secret-hash';
import { PrismaService } from '../src/database/prisma.service';
import { SqlDatabase } from '../src/database/sql-database';
import { TokenVerifier } from '../src/instances/verification/token-verifier.service';
import { InvalidationTransport } from '../src/cache/invalidation-transport';
import { Caller, givenInstance, givenProject, givenRoleHolders, givenToken, Instance, Project, tokensPath } from './support/fixtures';
import { pollUntil } from './support/replicas';
import { jwtPayload, TestApp, usingPostgres } from './support/test-app';

const MISSING = '00000000-0000-4000-8000-000000000000';
const JWT = /^[A-Za-z0-9-_]+\.[A-Za-z0-9-_]+\.[A-Za-z0-9-_]+$/;
const DAY = 86_400_000;

describe('instance tokens (STACKIT AI Model Experiments contract)', () => {
  let app: TestApp;
  let owner: Caller;
  let project: Project;
  let tracking: Instance;
  let path: string;

  beforeAll(async () => {
    app = await TestApp.start();
    owner = await app.createUser('owner@tessera.test');
    project = await givenProject(app, owner);
    tracking = await givenInstance(app, project);
    path = tracking.tokensPath;
  });
  afterAll(() => app.close());

  it('creates a token (202) whose content is a JWT for the instance, shown once', async () => {
    const before = Date.now();
    const created = await app.request('POST', path, {
      token: owner.access,
      json: { name: 'my-token', description: 'CI pipeline', labels: { team: 'ml' }, ttlDuration: '30d' },
    });
    expect(created.status).toBe(202);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const { token } = created.body;
    expect(created.body).toEqual({
      message: 'successfully created instance token',
      token: {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        content: expect.stringMatching(JWT),
        name: 'my-token',
        description: 'CI pipeline',
        labels: { team: 'ml' },
        region: 'eu01',
        state: 'active',
        validUntil: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      },
    });
    const validUntil = Date.parse(token.validUntil);
    expect(validUntil).toBeGreaterThanOrEqual(before + 30 * DAY);
    expect(validUntil).toBeLessThanOrEqual(Date.now() + 30 * DAY + 1000);
    expect(jwtPayload(token.content)).toMatchObject({
      jti: token.id,
      aud: `instance:${tracking.id}`,
      exp: validUntil / 1000,
      sub: owner.id,
      token_type: 'instance',
      iss: 'tessera',
    });

    const fetched = await app.request('GET', `${path}/${token.id}`, { token: owner.access });
    expect(fetched.status).toBe(200);
    const { content: _, ...metadata } = token;
    expect(fetched.body).toEqual({ message: 'successfully fetched instance token', token: metadata });
    expect(fetched.text).not.toContain(token.content);
    const listed = await app.request('GET', path, { token: owner.access });
    expect(listed.status).toBe(200);
    expect(listed.body.message).toBe('successfully fetched instance tokens');
    expect(listed.body.tokens).toContainEqual(metadata);
    expect(listed.text).not.toContain(token.content.split('.')[2]);
  });

  it.each([
    [undefined, 183 * DAY],
    ['80d', 80 * DAY],
    ['5h30m40s', (5 * 3600 + 30 * 60 + 40) * 1000],
    ['1.5h', 1.5 * 3_600_000],
    ['2d12h', 2.5 * DAY],
    ['12h', 12 * 3_600_000],
    ['1w', 7 * DAY],
    ['183d', 183 * DAY],
  ])('accepts ttlDuration %s', async (ttlDuration, expectedMs) => {
    const before = Date.now();
    const token = await givenToken(app, tracking, { name: 'ttl', ...(ttlDuration ? { ttlDuration } : {}) });
    const validUntil = Date.parse(token.validUntil);
    expect(validUntil).toBeGreaterThanOrEqual(before + expectedMs);
    expect(validUntil).toBeLessThanOrEqual(Date.now() + expectedMs + 1000);
  });

  it.each(['0s', '0d', '-1h', 'abc', '184d', '1y', '', '3600', '5 h 3 m', 12])(
    'refuses ttlDuration %p with a 400 saying what is accepted',
    async (ttlDuration) => {
      const response = await app.request('POST', path, { token: owner.access, json: { name: 'ttl', ttlDuration } });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe(400);
      expect(response.body.message).toContain('ttlDuration');
      if (typeof ttlDuration === 'string') expect(response.body.message).toMatch(/"30d".*at most 183 days/);
    },
  );

  it.each([
    ['name missing', { description: 'x' }],
    ['name empty', { name: '' }],
    ['name too long', { name: 'n'.repeat(65) }],
    ['name with a slash', { name: 'a/b' }],
    ['description too long', { name: 'x', description: 'd'.repeat(161) }],
    ['description with an underscore', { name: 'x', description: 'a_b' }],
    ['reserved label key', { name: 'x', labels: { 'stackit-x': 'y' } }],
    ['label value with a slash', { name: 'x', labels: { k: 'a/b' } }],
    ['unknown field', { name: 'x', content: 'my-own-secret' }],
    ['not an object', ['x']],
  ])('refuses a create with %s (400)', async (_, body) => {
    const response = await app.request('POST', path, { token: owner.access, json: body });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ code: 400, message: expect.any(String), status: 'Bad Request' });
  });

  it('stores an empty description as absent', async () => {
    const token = await givenToken(app, tracking, { name: 'x', description: '' });
    expect(token).not.toHaveProperty('description');
  });

  it('patches (202) name, description and labels, with the LabelPatch null removal', async () => {
    const token = await givenToken(app, tracking, { name: 'before', description: 'old', labels: { a: '1', b: '2' } });
    const patched = await app.request('PATCH', `${path}/${token.id}`, { token: owner.access, json: { name: 'after', labels: { a: null, c: '3' } } });
    expect(patched.status).toBe(202);
    expect(patched.body).toEqual({
      message: 'successfully updated instance token',
      token: { id: token.id, name: 'after', description: 'old', labels: { b: '2', c: '3' }, region: 'eu01', state: 'active', validUntil: token.validUntil },
    });
    expect((await app.request('GET', `${path}/${token.id}`, { token: owner.access })).body.token).toEqual(patched.body.token);
    const cleared = await app.request('PATCH', `${path}/${token.id}`, { token: owner.access, json: { description: '', labels: { b: null, c: null } } });
    expect(cleared.body.token).toEqual({ id: token.id, name: 'after', region: 'eu01', state: 'active', validUntil: token.validUntil });
  });

  it('refuses patches whose result a GET could not return, explaining why (400)', async () => {
    const token = await givenToken(app, tracking);
    const url = `${path}/${token.id}`;
    const longName = await app.request('PATCH', url, { token: owner.access, json: { name: 'n'.repeat(100) } });
    expect(longName.status).toBe(400);
    expect(longName.body.message).toContain('maxLength 64');
    const longDescription = await app.request('PATCH', url, { token: owner.access, json: { description: 'd'.repeat(500) } });
    expect(longDescription.status).toBe(400);
    expect(longDescription.body.message).toContain('maxLength 160');
    for (const body of [{ name: '' }, { name: 'n'.repeat(201) }, { description: 'd'.repeat(2001) }, { labels: { 'stackit-a': 'b' } }, { ttlDuration: '1d' }]) {
      const response = await app.request('PATCH', url, { token: owner.access, json: body });
      expect([response.status, body]).toEqual([400, body]);
    }
    // null in an optional field is read as absent (docs/security.md): nothing changes.
    expect((await app.request('PATCH', url, { token: owner.access, json: { name: null } })).status).toBe(202);
    expect((await app.request('GET', url, { token: owner.access })).body.token.name).toBe('ci');
  });

  it('deletes a token (202 with its metadata); then GET, PATCH and DELETE answer 404', async () => {
    const token = await givenToken(app, tracking, { name: 'doomed' });
    const url = `${path}/${token.id}`;
    const deleted = await app.request('DELETE', url, { token: owner.access });
    expect(deleted.status).toBe(202);
    expect(deleted.body).toEqual({
      message: 'successfully deleted instance token',
      token: expect.objectContaining({ id: token.id, name: 'doomed', state: 'deleting' }),
    });
    expect(deleted.text).not.toContain(token.content);
    for (const [method, json] of [['GET'], ['PATCH', { name: 'x' }], ['DELETE']] as const) {
      const response = await app.request(method, url, { token: owner.access, json });
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ code: 404, message: 'token not found', status: 'Not Found' });
    }
  });

  it('keeps expired tokens listed as inactive', async () => {
    const token = await givenToken(app, tracking, { name: 'old' });
    await app.app.get(PrismaService).instanceToken.update({ where: { id: token.id }, data: { validUntil: new Date(Date.now() - 1000) } });
    expect((await app.request('GET', `${path}/${token.id}`, { token: owner.access })).body.token.state).toBe('inactive');
    const listed = await app.request('GET', path, { token: owner.access });
    expect(listed.body.tokens.find((t: { id: string }) => t.id === token.id).state).toBe('inactive');
  });

  it('isolates instances, regions and projects: a token id from elsewhere is a 404', async () => {
    const other = await givenInstance(app, project, { name: 'other' });
    const token = await givenToken(app, tracking);
    const wrongInstance = `${other.tokensPath}/${token.id}`;
    for (const [method, json] of [['GET'], ['PATCH', { name: 'x' }], ['DELETE']] as const) {
      expect((await app.request(method, wrongInstance, { token: owner.access, json })).status).toBe(404);
    }
    expect((await app.request('GET', other.tokensPath, { token: owner.access })).body.tokens).toEqual([]);

    const second = await givenProject(app, owner, 'second');
    const secondInstance = await givenInstance(app, second);
    expect((await app.request('GET', `${secondInstance.tokensPath}/${token.id}`, { token: owner.access })).status).toBe(404);
    expect((await app.request('GET', `${tokensPath(second.id, tracking.id)}/${token.id}`, { token: owner.access })).status).toBe(404);
    expect((await app.request('GET', tokensPath(second.id, tracking.id), { token: owner.access })).status).toBe(404);
    expect((await app.request('POST', tokensPath(second.id, tracking.id), { token: owner.access, json: { name: 'x' } })).status).toBe(404);

    const stranger = await app.createUser('stranger@tessera.test');
    const strangerProject = (await givenProject(app, stranger, 'strangers')).id;
    expect((await app.request('GET', `${tokensPath(strangerProject, tracking.id)}/${token.id}`, { token: stranger.access })).status).toBe(404);
    expect((await app.request('GET', `${path}/${token.id}`, { token: stranger.access })).status).toBe(403);

    expect((await app.request('GET', `${path}/${MISSING}`, { token: owner.access })).status).toBe(404);
    expect((await app.request('GET', `${path}/not-a-uuid`, { token: owner.access })).body.message).toBe('tokenId: must be a UUID');
    expect((await app.request('GET', tokensPath(project.id, MISSING), { token: owner.access })).status).toBe(404);
    expect((await app.request('POST', tokensPath(project.id, MISSING), { token: owner.access, json: { name: 'x' } })).status).toBe(404);
  });

  it('lets readers list and get; editors, owners and editor service accounts create, patch and delete', async () => {
    const { reader, editor, saReader, saEditor } = await givenRoleHolders(app, project);
    const token = await givenToken(app, tracking);

    for (const who of [reader.access, saReader.access]) {
      expect((await app.request('GET', path, { token: who })).status).toBe(200);
      expect((await app.request('GET', `${path}/${token.id}`, { token: who })).status).toBe(200);
      expect((await app.request('POST', path, { token: who, json: { name: 'x' } })).status).toBe(403);
      expect((await app.request('PATCH', `${path}/${token.id}`, { token: who, json: { name: 'x' } })).status).toBe(403);
      expect((await app.request('DELETE', `${path}/${token.id}`, { token: who })).status).toBe(403);
    }
    const bySa = await app.request('POST', path, { token: saEditor.access, json: { name: 'sa-made' } });
    expect(bySa.status).toBe(202);
    expect(jwtPayload(bySa.body.token.content).sub).toBe(saEditor.id);
    expect((await app.request('PATCH', `${path}/${bySa.body.token.id}`, { token: editor.access, json: { name: 'edited' } })).status).toBe(202);
    expect((await app.request('DELETE', `${path}/${bySa.body.token.id}`, { token: saEditor.access })).status).toBe(202);
    // An instance token is no bearer token for the API.
    expect((await app.request('GET', path, { token: token.content })).status).toBe(401);
  });

  it('runs the Terraform flow: create with ttlDuration "80d", read, patch labels, delete, then 404', async () => {
    const alpha = tokensPath(project.id, tracking.id, 'eu01', 'v1alpha');
    const created = await app.request('POST', alpha, {
      token: owner.access,
      json: { name: 'tf-token', description: 'managed by terraform', labels: { env: 'prod', owner: 'ml' }, ttlDuration: '80d' },
    });
    expect(created.status).toBe(202);
    expect(created.body.token.state).toBe('active');
    const url = `${alpha}/${created.body.token.id}`;
    const read = await app.request('GET', url, { token: owner.access });
    expect(read.status).toBe(200);
    const { content: _, ...metadata } = created.body.token;
    expect(read.body.token).toEqual(metadata);
    const patched = await app.request('PATCH', url, { token: owner.access, json: { labels: { owner: null, tier: 'gold' } } });
    expect(patched.body.token.labels).toEqual({ env: 'prod', tier: 'gold' });
    expect((await app.request('DELETE', url, { token: owner.access })).status).toBe(202);
    expect((await app.request('GET', url, { token: owner.access })).status).toBe(404);
  });

  it('deleting an instance deletes its tokens in the same transaction', async () => {
    const instance = await givenInstance(app, project, { name: 'with-tokens' });
    const tokens = await Promise.all([1, 2, 3].map(() => givenToken(app, instance)));
    expect((await app.request('DELETE', instance.path, { token: owner.access })).status).toBe(202);
    const prisma = app.app.get(PrismaService);
    expect(await prisma.instanceToken.count({ where: { instanceId: instance.id } })).toBe(0);
    expect(await prisma.instanceToken.count({ where: { tokenHash: { in: tokens.map((t) => hashSecret(t.content)) } } })).toBe(0);
    expect((await app.request('GET', instance.tokensPath, { token: owner.access })).status).toBe(404);
    expect((await app.request('GET', `${instance.tokensPath}/${tokens[0].id}`, { token: owner.access })).status).toBe(404);
  });

  it('loses nothing under 50 concurrent creates and 25 concurrent deletes', async () => {
    const instance = await givenInstance(app, project, { name: 'busy' });
    const url = instance.tokensPath;
    const seed = await Promise.all(Array.from({ length: 25 }, (_, i) => givenToken(app, instance, { name: `seed-${i}` })));
    const [creates, deletes] = await Promise.all([
      Promise.all(Array.from({ length: 50 }, (_, i) => app.request('POST', url, { token: owner.access, json: { name: `burst-${i}` } }))),
      Promise.all(seed.map((token) => app.request('DELETE', `${url}/${token.id}`, { token: owner.access }))),
    ]);
    expect(creates.map((r) => r.status)).toEqual(Array(50).fill(202));
    expect(deletes.map((r) => r.status)).toEqual(Array(25).fill(202));
    const createdIds = creates.map((r) => r.body.token.id);
    expect(new Set(createdIds).size).toBe(50);
    expect(new Set(creates.map((r) => r.body.token.content)).size).toBe(50);

    const listed = await app.request('GET', url, { token: owner.access });
    expect(listed.body.tokens.map((t: { id: string }) => t.id).sort()).toEqual([...createdIds].sort());
    const prisma = app.app.get(PrismaService);
    const rows = await prisma.instanceToken.findMany({ where: { instanceId: instance.id } });
    expect(rows).toHaveLength(50);
    expect(rows.map((row) => row.tokenHash).sort()).toEqual(creates.map((r) => hashSecret(r.body.token.content)).sort());
    // No orphans anywhere: every stored hash belongs to a live instance.
    const orphans = await prisma.instanceToken.count({ where: { instance: { deletedAt: { not: null } } } });
    expect(orphans).toBe(0);
    for (const token of seed) expect((await app.request('GET', instance.verifyPath, { token: token.content })).status).toBe(401);
  });

  it('leaves no token behind when token creates race the delete of their instance', async () => {
    const instance = await givenInstance(app, project, { name: 'racing' });
    const url = instance.tokensPath;
    let deletion: Promise<{ status: number }> | undefined;
    let done = 0;
    const creates = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        app.request('POST', url, { token: owner.access, json: { name: `race-${i}` } }).then((response) => {
          // Delete the instance while most creates are still in flight.
          if (++done === 3) deletion = app.request('DELETE', instance.path, { token: owner.access });
          return response;
        }),
      ),
    );
    expect((await deletion!).status).toBe(202);
    for (const response of creates) expect([202, 404]).toContain(response.status);
    expect(await app.app.get(PrismaService).instanceToken.count({ where: { instanceId: instance.id } })).toBe(0);
    for (const response of creates.filter((r) => r.status === 202)) {
      expect((await app.request('GET', instance.verifyPath, { token: response.body.token.content })).status).toBe(401);
    }
  });

  it('never stores a token content (nor its payload or signature) in any table or column', async () => {
    const instance = await givenInstance(app, project, { name: 'scan' });
    const tokens = [];
    for (let i = 0; i < 3; i++) tokens.push(await givenToken(app, instance, { name: `scan-${i}`, labels: { i: String(i) } }));
    // An idempotent create stores its response: it must be sealed too.
    const replayable = await app.request('POST', instance.tokensPath, {
      token: owner.access,
      json: { name: 'idem' },
      headers: { 'idempotency-key': 'scan-key' },
    });
    tokens.push(replayable.body.token);
    const needles = tokens.flatMap((t) => [t.content, t.content.split('.')[1], t.content.split('.')[2]]);

    const sql = app.app.get(SqlDatabase);
    const tables = usingPostgres()
      ? (
          await sql.query<{ name: string }>(
            `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
          )
        ).map((t) => t.name)
      : (await sql.query<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['InstanceToken', 'IdempotencyRecord', 'AuditEvent']));
    let cells = 0;
    for (const table of tables) {
      const rows = await sql.query<Record<string, unknown>>(`SELECT * FROM "${table}"`);
      for (const row of rows) {
        for (const value of Object.values(row)) {
          cells++;
          const text = value instanceof Date ? value.toISOString() : Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
          for (const needle of needles) expect(text.includes(needle) ? `${table} holds a token secret` : 'clean').toBe('clean');
        }
      }
    }
    expect(cells).toBeGreaterThan(100);
    const stored = await app.app.get(PrismaService).instanceToken.findMany({ where: { instanceId: instance.id } });
    expect(stored.map((row) => row.tokenHash).sort()).toEqual(tokens.map((t) => hashSecret(t.content)).sort());
  });
});

/**
 * Lists are cached. The app that wrote shows the write in its very next list; another app on the
 * same database within 1 s (PostgreSQL announces changes; on SQLite it checks the revision).
 */
describe('instance token lists stay current', () => {
  let app: TestApp;
  let replica: TestApp;
  let owner: Caller;
  let project: Project;

  beforeAll(async () => {
    app = await TestApp.start();
    replica = await app.startReplica();
    owner = await app.createUser('lists@tessera.test');
    project = await givenProject(app, owner);
  });
  afterAll(async () => {
    await replica?.close();
    await app?.close();
  });

  const newInstance = () => givenInstance(app, project, { name: 'listed' });

  async function list(via: TestApp, instance: Instance, api = 'v1'): Promise<Record<string, any>[]> {
    const response = await via.request('GET', tokensPath(project.id, instance.id, 'eu01', api), { token: owner.access });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.body.message).toBe('successfully fetched instance tokens');
    return response.body.tokens;
  }

  /** What `read` answers once that equals `expected`, polled for up to 1 s; else its last answer. */
  async function within1s<T>(read: () => Promise<T>, expected: T): Promise<T> {
    let last!: T;
    await pollUntil(async () => isDeepStrictEqual((last = await read()), expected), 1_000);
    return last;
  }

  async function metadata(instance: Instance, tokenId: string) {
    const response = await app.request('GET', `${instance.tokensPath}/${tokenId}`, { token: owner.access });
    expect(response.status).toBe(200);
    return response.body.token;
  }

  it('lists what GET shows for each token, and shows a create, patch or delete in the very next list', async () => {
    const instance = await newInstance();
    const path = instance.tokensPath;
    expect(await list(app, instance)).toEqual([]);
    const first = await givenToken(app, instance, { name: 'first', description: 'ci', labels: { team: 'ml' } });
    expect(await list(app, instance)).toEqual([await metadata(instance, first.id)]);
    expect(await list(app, instance, 'v1alpha')).toEqual(await list(app, instance));

    const second = await givenToken(app, instance, { name: 'second' });
    expect((await list(app, instance)).map((t) => t.id)).toEqual([first.id, second.id]);

    const patched = await app.request('PATCH', `${path}/${first.id}`, {
      token: owner.access,
      json: { name: 'renamed', description: '', labels: { team: null, tier: 'gold' } },
    });
    expect(patched.status).toBe(202);
    const listed = await list(app, instance);
    expect(listed[0]).toEqual(patched.body.token);
    expect(listed[0]).toEqual({ id: first.id, name: 'renamed', labels: { tier: 'gold' }, region: 'eu01', state: 'active', validUntil: first.validUntil });

    expect((await app.request('DELETE', `${path}/${second.id}`, { token: owner.access })).status).toBe(202);
    expect((await list(app, instance)).map((t) => t.id)).toEqual([first.id]);
  });

  it('flips a listed token to inactive once its validUntil passes, with no write in between', async () => {
    const instance = await newInstance();
    const lasting = await givenToken(app, instance, { name: 'lasting' });
    const brief = await givenToken(app, instance, { name: 'brief', ttlDuration: '1s' });
    const states = async () => Object.fromEntries((await list(app, instance)).map((t) => [t.id, t.state]));
    expect(await states()).toEqual({ [lasting.id]: 'active', [brief.id]: 'active' });
    await new Promise((resolve) => setTimeout(resolve, Date.parse(brief.validUntil) - Date.now() + 50));
    expect(await states()).toEqual({ [lasting.id]: 'active', [brief.id]: 'inactive' });
  });

  it('shows lastUsedAt once a verification is written', async () => {
    const instance = await newInstance();
    const token = await givenToken(app, instance);
    expect((await list(app, instance))[0]).not.toHaveProperty('lastUsedAt');
    expect((await list(replica, instance))[0]).not.toHaveProperty('lastUsedAt');
    expect((await app.request('GET', instance.verifyPath, { token: token.content })).status).toBe(204);
    await app.app.get(TokenVerifier).flushUses();
    const { lastUsedAt } = await metadata(instance, token.id);
    expect(lastUsedAt).toEqual(expect.any(String));
    expect((await list(app, instance))[0].lastUsedAt).toBe(lastUsedAt);
    expect(await within1s(async () => (await list(replica, instance))[0].lastUsedAt, lastUsedAt)).toBe(lastUsedAt);
  });

  it('answers 404 for an instance deleted after its list was served', async () => {
    const instance = await newInstance();
    await givenToken(app, instance);
    await list(app, instance);
    await list(replica, instance);
    expect((await app.request('DELETE', instance.path, { token: owner.access })).status).toBe(202);
    const listed = (via: TestApp) => async () => {
      const { status, body } = await via.request('GET', instance.tokensPath, { token: owner.access });
      return { status, body };
    };
    const gone = { status: 404, body: { code: 404, message: 'instance not found', status: 'Not Found' } };
    expect(await listed(app)()).toEqual(gone);
    expect(await within1s(listed(replica), gone)).toEqual(gone);
  });

  it('still answers a token create whose list notice fails: the token is written and listed', async () => {
    const instance = await newInstance();
    const transport = app.app.get(InvalidationTransport);
    const broadcast = transport.broadcast.bind(transport);
    const failing = jest.spyOn(transport, 'broadcast').mockImplementation(async (change) => {
      if (change.kind === 'instance-tokens') throw new Error('NOTIFY failed');
      return broadcast(change);
    });
    try {
      const made = await givenToken(app, instance, { name: 'unannounced' });
      expect(failing).toHaveBeenCalledWith({ kind: 'instance-tokens', id: instance.id });
      expect((await metadata(instance, made.id)).name).toBe('unannounced');
      expect(await within1s(async () => (await list(replica, instance)).map((t) => t.id), [made.id])).toEqual([made.id]);
    } finally {
      failing.mockRestore();
    }
  });

  // Project access is cached like principals: the app that changes a role or a name applies it at
  // once; another process hears of it only through PostgreSQL, as SQLite serves one process.
  const members = (project: Project) => `/v1/projects/${project.id}/members`;

  it('applies role changes and renames at once on the app that made them', async () => {
    const here = await givenProject(app, owner, 'roles here');
    const instance = await givenInstance(app, here);
    const reader = await app.createUser('here-reader@tessera.test');
    const status = async () => (await app.request('GET', instance.tokensPath, { token: reader.access })).status;
    expect(await status()).toBe(403); // now cached as "no role"
    const added = await app.request('POST', members(here), { token: owner.access, json: { subject: reader.email, role: 'reader' } });
    expect(added.status).toBe(201);
    expect(await status()).toBe(200);
    expect((await app.request('DELETE', `${members(here)}/${reader.email}`, { token: owner.access })).status).toBe(204);
    expect(await status()).toBe(403);

    const name = async () => (await app.request('GET', `/v1/projects/${here.id}`, { token: owner.access })).body.name;
    expect(await name()).toBe('roles here');
    expect((await app.request('PATCH', `/v1/projects/${here.id}`, { token: owner.access, json: { name: 'renamed here' } })).status).toBe(200);
    expect(await name()).toBe('renamed here');
  });

  const onPostgres = usingPostgres() ? it : it.skip;
  onPostgres('applies role changes and renames within 1 s on another app (PostgreSQL only: on SQLite no other app shares the caches)', async () => {
    const shared = await givenProject(app, owner, 'roles shared');
    const instance = await givenInstance(app, shared);
    const reader = await app.createUser('shared-reader@tessera.test');
    const status = (via: TestApp) => async () => (await via.request('GET', instance.tokensPath, { token: reader.access })).status;
    expect([await status(app)(), await status(replica)()]).toEqual([403, 403]); // now cached as "no role"
    const added = await app.request('POST', members(shared), { token: owner.access, json: { subject: reader.email, role: 'reader' } });
    expect(added.status).toBe(201);
    expect(await status(app)()).toBe(200);
    expect(await within1s(status(replica), 200)).toBe(200);

    const removed = await replica.request('DELETE', `${members(shared)}/${reader.email}`, { token: owner.access });
    expect(removed.status).toBe(204);
    expect(await status(replica)()).toBe(403);
    expect(await within1s(status(app), 403)).toBe(403);

    const name = async () => (await replica.request('GET', `/v1/projects/${shared.id}`, { token: owner.access })).body.name;
    expect(await name()).toBe('roles shared');
    expect((await app.request('PATCH', `/v1/projects/${shared.id}`, { token: owner.access, json: { name: 'renamed shared' } })).status).toBe(200);
    expect(await within1s(name, 'renamed shared')).toBe('renamed shared');
  });

  it('shows writes made through another app on the same database within 1 s', async () => {
    const instance = await newInstance();
    const path = instance.tokensPath;
    const ids = (via: TestApp) => async () => (await list(via, instance)).map((t) => t.id);
    expect(await ids(replica)()).toEqual([]);
    expect(await ids(app)()).toEqual([]);

    const made = await givenToken(app, instance, { name: 'from-app' });
    expect(await within1s(ids(replica), [made.id])).toEqual([made.id]);
    expect((await app.request('PATCH', `${path}/${made.id}`, { token: owner.access, json: { labels: { moved: 'yes' } } })).status).toBe(202);
    const labels = async () => (await list(replica, instance))[0].labels;
    expect(await within1s(labels, { moved: 'yes' })).toEqual({ moved: 'yes' });

    const back = await replica.request('POST', path, { token: owner.access, json: { name: 'from-replica' } });
    expect(back.status).toBe(202);
    expect(await ids(replica)()).toEqual([made.id, back.body.token.id]);
    expect(await within1s(ids(app), [made.id, back.body.token.id])).toEqual([made.id, back.body.token.id]);

    expect((await app.request('DELETE', `${path}/${made.id}`, { token: owner.access })).status).toBe(202);
    expect(await within1s(ids(replica), [back.body.token.id])).toEqual([back.body.token.id]);
    expect((await replica.request('DELETE', `${path}/${back.body.token.id}`, { token: owner.access })).status).toBe(202);
    expect(await within1s(ids(app), [])).toEqual([]);
  });
});
