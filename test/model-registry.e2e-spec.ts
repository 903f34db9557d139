import { grant, seedModel } from './support/model-registry';
import { TestApp } from './support/test-app';

const PREFIXES = '/console/api/modelhost/model-prefixes/';
const MODELS = '/console/api/modelhost/models/';

describe('model registry', () => {
  let app: TestApp;
  let admin: string;
  let viewer: { id: string; email: string; access: string };
  let deployer: { id: string; email: string; access: string };
  let prefixAdmin: { id: string; email: string; access: string };
  let outsider: { id: string; email: string; access: string };

  beforeAll(async () => {
    app = await TestApp.start();
    admin = (await app.login()).access;
    viewer = await app.createUser('viewer@tessera.test');
    deployer = await app.createUser('deployer@tessera.test');
    prefixAdmin = await app.createUser('prefix-admin@tessera.test');
    outsider = await app.createUser('outsider@tessera.test');
    expect(
      (await app.request('POST', PREFIXES, { token: admin, json: { key: 'practicus', prefix: 'models/practicus', description: 'Team models' } })).status,
    ).toBe(201);
    expect((await app.request('POST', PREFIXES, { token: admin, json: { key: 'hidden', prefix: 'hidden' } })).status).toBe(201);
    await grant(app, admin, 'practicus', viewer.email);
    await grant(app, admin, 'practicus', deployer.email, { can_deploy: true });
    await grant(app, admin, 'practicus', prefixAdmin.email, { admin: true });
  });
  afterAll(() => app.close());

  describe('model prefixes', () => {
    it('validates key and path: segments of a-z0-9._-, no reserved first segment', async () => {
      const reserved = ['v1', 'v1alpha', 'v2', 'console', 'docs', 'openapi.json', 'openapi.yaml', '.well-known', 'healthz', 'readyz'];
      for (const first of reserved) {
        const response = await app.request('POST', PREFIXES, { token: admin, json: { key: 'bad', prefix: `${first}/models` } });
        expect({ first, status: response.status }).toEqual({ first, status: 400 });
        expect(response.body.detail).toMatch(/must not start with/);
      }
      for (const prefix of ['/models', 'models/', 'Models/x', 'models//x', '..', 'a/../b', 'a b', '', 'models/ü', 'x'.repeat(201)]) {
        const response = await app.request('POST', PREFIXES, { token: admin, json: { key: 'bad', prefix } });
        expect({ prefix, status: response.status }).toEqual({ prefix, status: 400 });
        expect(response.body).toEqual({ detail: expect.stringMatching(/^prefix: /), code: 'invalid' });
      }
      for (const key of ['', 'Bad', '-x', 'a/b', 'x'.repeat(65)]) {
        const response = await app.request('POST', PREFIXES, { token: admin, json: { key, prefix: 'fine' } });
        expect({ key, status: response.status }).toEqual({ key, status: 400 });
      }
      const unknown = await app.request('POST', PREFIXES, { token: admin, json: { key: 'fine', prefix: 'fine', owner: 'x' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.detail).toMatch(/owner should not exist/);
      // A segment may contain a reserved word; only the first segment is checked.
      const nested = await app.request('POST', PREFIXES, { token: admin, json: { key: 'nested-docs', prefix: 'ml/docs/v1.2' } });
      expect(nested.status).toBe(201);
    });

    it('refuses duplicate keys and paths with 409', async () => {
      const key = await app.request('POST', PREFIXES, { token: admin, json: { key: 'practicus', prefix: 'other/path' } });
      expect(key.status).toBe(409);
      expect(key.body.code).toBe('conflict');
      const path = await app.request('POST', PREFIXES, { token: admin, json: { key: 'another', prefix: 'models/practicus' } });
      expect(path.status).toBe(409);
    });

    it('lets only platform admins create prefixes', async () => {
      for (const user of [viewer, prefixAdmin, outsider]) {
        const response = await app.request('POST', PREFIXES, { token: user.access, json: { key: 'mine', prefix: 'mine' } });
        expect(response.status).toBe(403);
        expect(response.body.code).toBe('permission_denied');
      }
    });

    it('lists, as a plain array, the prefixes a user holds a grant on, with what the user may do there', async () => {
      const all = await app.request('GET', PREFIXES, { token: admin });
      expect(all.body.map((p: { key: string }) => p.key)).toEqual(expect.arrayContaining(['hidden', 'practicus']));
      expect(all.body.find((p: { key: string }) => p.key === 'hidden')).toMatchObject({ prefix: 'hidden', can_deploy: true, admin: true });
      const viewers = await app.request('GET', PREFIXES, { token: viewer.access });
      expect(viewers.body).toEqual([
        {
          key: 'practicus',
          prefix: 'models/practicus',
          description: 'Team models',
          can_deploy: false,
          admin: false,
          created_at: expect.any(String),
          updated_at: expect.any(String),
        },
      ]);
      expect((await app.request('GET', PREFIXES, { token: deployer.access })).body[0]).toMatchObject({ can_deploy: true, admin: false });
      expect((await app.request('GET', PREFIXES, { token: prefixAdmin.access })).body[0]).toMatchObject({ can_deploy: true, admin: true });
      expect((await app.request('GET', PREFIXES, { token: outsider.access })).body).toEqual([]);
    });

    it('reads one prefix: 404 when unknown, 403 without a grant', async () => {
      expect((await app.request('GET', `${PREFIXES}practicus/`, { token: viewer.access })).body.prefix).toBe('models/practicus');
      expect((await app.request('GET', `${PREFIXES}practicus`, { token: outsider.access })).status).toBe(403);
      expect((await app.request('GET', `${PREFIXES}nope/`, { token: admin })).status).toBe(404);
      expect((await app.request('GET', PREFIXES)).status).toBe(401);
    });

    it('lets prefix admins describe and delete their prefix, platform admins alone move it', async () => {
      expect((await app.request('POST', PREFIXES, { token: admin, json: { key: 'team-b', prefix: 'team-b/models' } })).status).toBe(201);
      await grant(app, admin, 'team-b', prefixAdmin.email, { admin: true });
      await grant(app, admin, 'team-b', deployer.email, { can_deploy: true });
      expect((await app.request('PATCH', `${PREFIXES}team-b/`, { token: deployer.access, json: { description: 'x' } })).status).toBe(403);
      const patched = await app.request('PATCH', `${PREFIXES}team-b/`, { token: prefixAdmin.access, json: { description: 'Team B' } });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ key: 'team-b', prefix: 'team-b/models', description: 'Team B', admin: true });
      const cleared = await app.request('PATCH', `${PREFIXES}team-b/`, { token: prefixAdmin.access, json: { description: null } });
      expect(cleared.body.description).toBeNull();
      expect((await app.request('PATCH', `${PREFIXES}team-b/`, { token: prefixAdmin.access, json: { prefix: 'console/x' } })).status).toBe(400);
      expect((await app.request('PATCH', `${PREFIXES}team-b/`, { token: prefixAdmin.access, json: { prefix: 'team-b/elsewhere' } })).status).toBe(403);
      expect((await app.request('PATCH', `${PREFIXES}team-b/`, { token: prefixAdmin.access, json: { prefix: 'team-b/models' } })).status).toBe(200);
      expect((await app.request('PATCH', `${PREFIXES}team-b/`, { token: prefixAdmin.access, json: { key: 'renamed' } })).status).toBe(400);
      expect((await app.request('DELETE', `${PREFIXES}team-b/`, { token: deployer.access })).status).toBe(403);
      expect((await app.request('DELETE', `${PREFIXES}team-b/`, { token: prefixAdmin.access })).status).toBe(204);
      expect((await app.request('GET', `${PREFIXES}team-b/`, { token: admin })).status).toBe(404);
    });

    it('moves model URLs with the prefix path', async () => {
      expect((await app.request('POST', PREFIXES, { token: admin, json: { key: 'movable', prefix: 'old/place' } })).status).toBe(201);
      await seedModel(app, admin, { key: 'movable', name: 'mover', versions: [{ version: '1' }] });
      expect((await app.request('GET', '/old/place/mover/?get_meta=true', { token: admin })).status).toBe(200);
      expect((await app.request('PATCH', `${PREFIXES}movable/`, { token: admin, json: { prefix: 'new/place' } })).status).toBe(200);
      expect((await app.request('GET', '/old/place/mover/?get_meta=true', { token: admin })).status).toBe(404);
      expect((await app.request('GET', '/new/place/mover/?get_meta=true', { token: admin })).body.prefix).toBe('new/place');
    });

    it('deletes a prefix with its models', async () => {
      expect((await app.request('POST', PREFIXES, { token: admin, json: { key: 'doomed', prefix: 'doomed' } })).status).toBe(201);
      const model = await seedModel(app, admin, { key: 'doomed', name: 'gone', versions: [{ version: '1' }] });
      expect((await app.request('DELETE', `${PREFIXES}doomed/`, { token: admin })).status).toBe(204);
      expect((await app.request('GET', `${MODELS}${model.modelId}/`, { token: admin })).status).toBe(404);
      expect((await app.request('GET', '/doomed/gone/?get_meta=true', { token: admin })).status).toBe(404);
    });
  });

  describe('grants', () => {
    it('are managed by platform admins and prefix admins only', async () => {
      const grantee = await app.createUser('grantee@tessera.test');
      const path = `${PREFIXES}practicus/grants/`;
      expect((await app.request('POST', path, { token: deployer.access, json: { email: grantee.email } })).status).toBe(403);
      expect((await app.request('GET', path, { token: viewer.access })).status).toBe(403);
      const created = await app.request('POST', path, { token: prefixAdmin.access, json: { email: 'GRANTEE@tessera.test', can_deploy: true } });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ user_id: grantee.id, email: grantee.email, can_deploy: true, admin: false, created_at: expect.any(String) });
      expect((await app.request('POST', path, { token: admin, json: { email: grantee.email } })).status).toBe(409);
      expect((await app.request('POST', path, { token: admin, json: { email: 'ghost@tessera.test' } })).status).toBe(404);
      expect((await app.request('POST', path, { token: admin, json: { email: 'not-an-email' } })).status).toBe(400);
      const listed = await app.request('GET', path, { token: prefixAdmin.access });
      expect(listed.body.map((g: { email: string }) => g.email)).toEqual([viewer.email, deployer.email, prefixAdmin.email, grantee.email]);
      const changed = await app.request('PATCH', `${path}${grantee.id}/`, { token: admin, json: { can_deploy: false, admin: true } });
      expect(changed.body).toMatchObject({ can_deploy: false, admin: true });
      expect((await app.request('PATCH', `${path}${outsider.id}/`, { token: admin, json: { admin: true } })).status).toBe(404);
      expect((await app.request('PATCH', `${path}not-a-uuid/`, { token: admin, json: { admin: true } })).status).toBe(400);
      expect((await app.request('DELETE', `${path}${grantee.id}/`, { token: admin })).status).toBe(204);
      expect((await app.request('DELETE', `${path}${grantee.id}/`, { token: admin })).status).toBe(404);
      expect((await app.request('GET', `${PREFIXES}practicus/`, { token: grantee.access })).status).toBe(403);
    });
  });

  describe('models', () => {
    let diamond: number;

    beforeAll(async () => {
      const created = await app.request('POST', MODELS, {
        token: deployer.access,
        json: { prefix_key: 'practicus', name: 'diamond-price', description: 'Prices' },
      });
      expect(created.status).toBe(201);
      diamond = created.body.model_id;
      for (const version of [{ version: 'v1' }, { version: '2', stage: 'Production' }, { version: '3', draft: true }]) {
        expect((await app.request('POST', `${MODELS}${diamond}/versions/`, { token: deployer.access, json: version })).status).toBe(201);
      }
      expect((await app.request('POST', MODELS, { token: admin, json: { prefix_key: 'practicus', name: 'not-deployed' } })).status).toBe(201);
      expect((await app.request('POST', MODELS, { token: admin, json: { prefix_key: 'hidden', name: 'secret' } })).status).toBe(201);
    });

    it('creates models for users with deploy rights, with integer ids', async () => {
      const created = await app.request('POST', MODELS, { token: deployer.access, json: { prefix_key: 'practicus', name: 'churn.v2_b' } });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        model_id: expect.any(Number),
        name: 'churn.v2_b',
        prefix: 'models/practicus',
        prefix_key: 'practicus',
        description: null,
        versions: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(Number.isInteger(created.body.model_id)).toBe(true);
      expect((await app.request('POST', MODELS, { token: viewer.access, json: { prefix_key: 'practicus', name: 'x' } })).status).toBe(403);
      expect((await app.request('POST', MODELS, { token: outsider.access, json: { prefix_key: 'practicus', name: 'x' } })).status).toBe(403);
      expect((await app.request('POST', MODELS, { token: admin, json: { prefix_key: 'nope', name: 'x' } })).status).toBe(404);
      expect((await app.request('POST', MODELS, { token: admin, json: { prefix_key: 'practicus', name: 'diamond-price' } })).status).toBe(409);
      for (const name of ['Diamond', 'a/b', '-x', '', '.hidden', 'x'.repeat(101)]) {
        const response = await app.request('POST', MODELS, { token: admin, json: { prefix_key: 'practicus', name } });
        expect({ name, status: response.status }).toEqual({ name, status: 400 });
      }
    });

    it('lists what the caller may see as a plain array: versions null when nothing is deployed, drafts left out', async () => {
      const viewers = await app.request('GET', MODELS, { token: viewer.access });
      expect(Array.isArray(viewers.body)).toBe(true);
      expect(viewers.body.map((m: { name: string }) => m.name)).not.toContain('secret');
      const diamondRow = viewers.body.find((m: { name: string }) => m.name === 'diamond-price');
      expect(diamondRow).toMatchObject({ model_id: diamond, prefix: 'models/practicus', prefix_key: 'practicus', description: 'Prices' });
      expect(diamondRow.versions).toEqual([
        { version: '2', stage: 'Production', draft: false, created_at: expect.any(String) },
        { version: '1', stage: 'None', draft: false, created_at: expect.any(String) },
      ]);
      expect(viewers.body.find((m: { name: string }) => m.name === 'not-deployed').versions).toBeNull();
      expect((await app.request('GET', MODELS, { token: outsider.access })).body).toEqual([]);
      expect((await app.request('GET', MODELS, { token: admin })).body.map((m: { name: string }) => m.name)).toContain('secret');
    });

    it('filters by prefix, prefix_key and name, as the seed filters its DataFrame', async () => {
      const byPrefix = await app.request('GET', `${MODELS}?prefix=models/practicus`, { token: admin });
      expect(new Set(byPrefix.body.map((m: { prefix: string }) => m.prefix))).toEqual(new Set(['models/practicus']));
      const deployed = byPrefix.body.filter((m: { versions: unknown }) => m.versions !== null).map((m: { name: string }) => m.name);
      expect(deployed).toEqual(['diamond-price']);
      const byKey = await app.request('GET', `${MODELS}?prefix_key=hidden`, { token: admin });
      expect(byKey.body.map((m: { name: string }) => m.name)).toEqual(['secret']);
      const byName = await app.request('GET', `${MODELS}?name=diamond-price&prefix_key=practicus`, { token: viewer.access });
      expect(byName.body.map((m: { model_id: number }) => m.model_id)).toEqual([diamond]);
      expect((await app.request('GET', `${MODELS}?prefix_key=hidden`, { token: viewer.access })).body).toEqual([]);
      expect((await app.request('GET', `${MODELS}?colour=red`, { token: admin })).status).toBe(400);
    });

    it('reads one model: 400 for a bad id, 404 when unknown, 403 without a grant', async () => {
      expect((await app.request('GET', `${MODELS}${diamond}/`, { token: viewer.access })).body.name).toBe('diamond-price');
      for (const id of ['abc', '0', '-1', '1.5', '99999999999']) {
        const response = await app.request('GET', `${MODELS}${id}/`, { token: admin });
        expect({ id, status: response.status }).toEqual({ id, status: 400 });
      }
      expect((await app.request('GET', `${MODELS}987654/`, { token: admin })).status).toBe(404);
      expect((await app.request('GET', `${MODELS}${diamond}/`, { token: outsider.access })).status).toBe(403);
    });

    it('renames with deploy rights and deletes with admin rights', async () => {
      const created = await app.request('POST', MODELS, { token: deployer.access, json: { prefix_key: 'practicus', name: 'temp' } });
      const id = created.body.model_id;
      expect((await app.request('PATCH', `${MODELS}${id}/`, { token: viewer.access, json: { name: 'temp2' } })).status).toBe(403);
      expect((await app.request('PATCH', `${MODELS}${id}/`, { token: deployer.access, json: { name: 'diamond-price' } })).status).toBe(409);
      const renamed = await app.request('PATCH', `${MODELS}${id}/`, { token: deployer.access, json: { name: 'temp2', description: 'Temporary' } });
      expect(renamed.body).toMatchObject({ model_id: id, name: 'temp2', description: 'Temporary' });
      expect((await app.request('PATCH', `${MODELS}${id}/`, { token: deployer.access, json: { prefix_key: 'hidden' } })).status).toBe(400);
      expect((await app.request('DELETE', `${MODELS}${id}/`, { token: deployer.access })).status).toBe(403);
      expect((await app.request('DELETE', `${MODELS}${id}/`, { token: prefixAdmin.access })).status).toBe(204);
      expect((await app.request('DELETE', `${MODELS}${id}/`, { token: prefixAdmin.access })).status).toBe(404);
    });

    it('keeps versions: "v3" and "3" are one version, stages are checked, drafts listed separately', async () => {
      const path = `${MODELS}${diamond}/versions/`;
      expect((await app.request('POST', path, { token: deployer.access, json: { version: 'v2' } })).status).toBe(409);
      expect((await app.request('POST', path, { token: viewer.access, json: { version: '9' } })).status).toBe(403);
      for (const body of [
        { version: 'latest' },
        { version: '1.2' },
        { version: '' },
        { version: 7 },
        { version: '9', stage: 'Prod' },
        { version: '9', draft: 'yes' },
      ]) {
        const response = await app.request('POST', path, { token: deployer.access, json: body });
        expect({ body, status: response.status }).toEqual({ body, status: 400 });
      }
      const listed = await app.request('GET', path, { token: viewer.access });
      expect(listed.body.map((v: { version: string; draft: boolean }) => [v.version, v.draft])).toEqual([
        ['3', true],
        ['2', false],
        ['1', false],
      ]);

      const promoted = await app.request('PATCH', `${path}v3/`, { token: deployer.access, json: { draft: false, stage: 'Staging' } });
      expect(promoted.body).toMatchObject({ version: '3', stage: 'Staging', draft: false });
      const meta = await app.request('GET', '/models/practicus/diamond-price/v3/?get_meta=true', { token: viewer.access });
      expect(meta.body.version.stage).toBe('Staging');
      expect((await app.request('PATCH', `${path}3/`, { token: deployer.access, json: { stage: 'Archived' } })).status).toBe(400);
      expect((await app.request('PATCH', `${path}8/`, { token: deployer.access, json: { stage: 'None' } })).status).toBe(404);

      expect((await app.request('DELETE', `${path}V3/`, { token: deployer.access })).status).toBe(204);
      expect((await app.request('DELETE', `${path}3/`, { token: deployer.access })).status).toBe(404);
      expect((await app.request('DELETE', `${path}latest/`, { token: deployer.access })).status).toBe(400);
      expect((await app.request('GET', '/models/practicus/diamond-price/v3/?get_meta=true', { token: viewer.access })).status).toBe(404);
    });

    it('refuses names and prefixes that would hide version URLs under the longest-prefix rule', async () => {
      const hiding = await app.request('POST', PREFIXES, { token: admin, json: { key: 'hiding', prefix: 'models/practicus/diamond-price' } });
      expect(hiding.status).toBe(409);
      expect(hiding.body.detail).toMatch(/would hide/);
      // One level deeper hides nothing: `<model>/<version>/` has fewer segments.
      expect((await app.request('POST', PREFIXES, { token: admin, json: { key: 'batch', prefix: 'models/practicus/diamond-price/batch' } })).status).toBe(201);
      expect((await app.request('GET', '/models/practicus/diamond-price/v2/?get_meta=true', { token: admin })).status).toBe(200);

      expect((await app.request('POST', PREFIXES, { token: admin, json: { key: 'sub', prefix: 'models/practicus/sub' } })).status).toBe(201);
      const hidden = await app.request('POST', MODELS, { token: admin, json: { prefix_key: 'practicus', name: 'sub' } });
      expect(hidden.status).toBe(409);
      expect((await app.request('POST', MODELS, { token: admin, json: { prefix_key: 'sub', name: 'sub' } })).status).toBe(201);
      expect((await app.request('GET', '/models/practicus/sub/sub/?get_meta=true', { token: admin })).status).toBe(200);
    });
  });
});
