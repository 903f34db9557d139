import { Caller, givenInstance, givenProject, givenRoleHolders, givenServiceAccount, instancesPath, Project } from './support/fixtures';
import { TestApp } from './support/test-app';

const MISSING = '00000000-0000-4000-8000-000000000000';

describe('instances (STACKIT AI Model Experiments contract)', () => {
  let app: TestApp;
  let owner: Caller;
  let project: Project;

  beforeAll(async () => {
    app = await TestApp.start({ TESSERA_REGIONS: 'eu01,eu02', TESSERA_INSTANCE_URL_TEMPLATE: 'https://{instanceId}.mlflow.{region}.example.test' });
    owner = await app.createUser('owner@tessera.test');
    project = await givenProject(app, owner);
  });
  afterAll(() => app.close());

  it('creates an active instance (202), then GET returns the same fields', async () => {
    const body = { name: 'my instance_1', description: 'Team X: experiments/2025', labels: { team: 'ml', env: 'dev-1.0' }, deletedExperimentRetention: '30d' };
    const created = await app.request('POST', instancesPath(project.id), { token: owner.access, json: body });
    expect(created.status).toBe(202);
    expect(created.body).toEqual({
      message: 'successfully created instance',
      instance: {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'my instance_1',
        description: 'Team X: experiments/2025',
        labels: { team: 'ml', env: 'dev-1.0' },
        deletedExperimentRetention: '30d',
        region: 'eu01',
        state: 'active',
        url: `https://${created.body.instance.id}.mlflow.eu01.example.test`,
      },
    });
    const fetched = await app.request('GET', `${instancesPath(project.id)}/${created.body.instance.id}`, { token: owner.access });
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual({ message: 'successfully fetched instance', instance: created.body.instance });
  });

  it('serves the same API under /v1alpha', async () => {
    const created = await app.request('POST', instancesPath(project.id, 'eu01', 'v1alpha'), { token: owner.access, json: { name: 'alpha' } });
    expect(created.status).toBe(202);
    const fetched = await app.request('GET', `${instancesPath(project.id)}/${created.body.instance.id}`, { token: owner.access });
    expect(fetched.body.instance).toEqual(created.body.instance);
    const listed = await app.request('GET', instancesPath(project.id, 'eu01', 'v1alpha'), { token: owner.access });
    expect(listed.status).toBe(200);
    expect(listed.body.instances.map((i: { id: string }) => i.id)).toContain(created.body.instance.id);
  });

  it('lists instances per region: an instance of eu02 is not found through eu01', async () => {
    const regions = await givenProject(app, owner, 'regions');
    const eu01 = await givenInstance(app, regions, { name: 'one' });
    const eu02 = await app.request('POST', instancesPath(regions.id, 'eu02'), { token: owner.access, json: { name: 'two' } });
    expect(eu02.body.instance).toMatchObject({ region: 'eu02', url: expect.stringContaining('.eu02.') });

    const list01 = await app.request('GET', instancesPath(regions.id), { token: owner.access });
    expect(list01.body).toEqual({ message: 'successfully fetched instances', instances: [expect.objectContaining({ id: eu01.id })] });
    const crossRegion = await app.request('GET', `${instancesPath(regions.id)}/${eu02.body.instance.id}`, { token: owner.access });
    expect(crossRegion.status).toBe(404);
    expect(crossRegion.body).toEqual({ code: 404, message: 'instance not found', status: 'Not Found' });
  });

  it('refuses an unknown region with a 400 naming the served ones', async () => {
    const response = await app.request('GET', instancesPath(project.id, 'us99'), { token: owner.access });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ code: 400, message: expect.stringContaining('eu01, eu02'), status: 'Bad Request' });
    expect((await app.request('POST', instancesPath(project.id, 'us99'), { token: owner.access, json: { name: 'x' } })).status).toBe(400);
  });

  it('validates path ids as UUIDs', async () => {
    const badProject = await app.request('GET', instancesPath('not-a-uuid'), { token: owner.access });
    expect(badProject.status).toBe(400);
    expect(badProject.body.message).toBe('projectId: must be a UUID');
    const badInstance = await app.request('GET', `${instancesPath(project.id)}/123`, { token: owner.access });
    expect(badInstance.status).toBe(400);
    expect(badInstance.body.message).toBe('instanceId: must be a UUID');
    expect((await app.request('GET', `${instancesPath(project.id)}/${MISSING}`, { token: owner.access })).status).toBe(404);
    expect((await app.request('GET', instancesPath(MISSING), { token: owner.access })).status).toBe(404);
  });

  it.each([
    ['name missing', {}, 'name'],
    ['name empty', { name: '' }, 'name'],
    ['name too long', { name: 'a'.repeat(65) }, 'name'],
    ['name with a dot', { name: 'my.instance' }, 'name'],
    ['name not a string', { name: 42 }, 'name'],
    ['description too long', { name: 'x', description: 'd'.repeat(161) }, 'description'],
    ['description with a comma', { name: 'x', description: 'a, b' }, 'description'],
    ['labels not an object', { name: 'x', labels: ['a'] }, 'labels'],
    ['label key with a space', { name: 'x', labels: { 'a b': 'v' } }, 'labels'],
    ['label key ending in a dash', { name: 'x', labels: { 'a-': 'v' } }, 'labels'],
    ['reserved label prefix', { name: 'x', labels: { 'stackit-owner': 'v' } }, 'stackit-'],
    ['label value too long', { name: 'x', labels: { k: 'v'.repeat(64) } }, 'labels'],
    ['label value ending in a dot', { name: 'x', labels: { k: 'v.' } }, 'labels'],
    ['label value null on create', { name: 'x', labels: { k: null } }, 'labels'],
    ['retention below 1d', { name: 'x', deletedExperimentRetention: '23h' }, 'deletedExperimentRetention'],
    ['retention above 90d', { name: 'x', deletedExperimentRetention: '91d' }, 'deletedExperimentRetention'],
    ['retention malformed', { name: 'x', deletedExperimentRetention: '1 week' }, 'deletedExperimentRetention'],
    ['unknown field', { name: 'x', size: 'large' }, 'size'],
  ])('refuses a create with %s (400)', async (_, body, mentioned) => {
    const response = await app.request('POST', instancesPath(project.id), { token: owner.access, json: body });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ code: 400, message: expect.stringContaining(mentioned), status: 'Bad Request' });
  });

  it('answers a long near-miss label value at once (no regex backtracking)', async () => {
    const response = await app.request('POST', instancesPath(project.id), { token: owner.access, json: { name: 'x', labels: { k: `${'a'.repeat(62)}!` } } });
    expect(response.status).toBe(400);
  });

  it('accepts the edge cases the spec allows', async () => {
    const instance = await givenInstance(app, project, {
      name: 'a'.repeat(64),
      description: '',
      labels: { a: '', 'b.c_d-e': 'X', ['k'.repeat(100)]: 'v'.repeat(63) },
      deletedExperimentRetention: '1d',
    });
    const fetched = await app.request('GET', instance.path, { token: owner.access });
    // An empty description is stored as absent: the response pattern needs one character.
    expect(fetched.body.instance.description).toBeUndefined();
    expect(fetched.body.instance.labels).toEqual({ a: '', 'b.c_d-e': 'X', ['k'.repeat(100)]: 'v'.repeat(63) });
    expect((await givenInstance(app, project, { name: 'y', deletedExperimentRetention: '90d' })).state).toBe('active');
  });

  it('patches name, description, labels (null removes a key) and retention (202)', async () => {
    const instance = await givenInstance(app, project, { name: 'before', description: 'old', labels: { keep: 'x', drop: 'y' } });
    const path = instance.path;
    const patched = await app.request('PATCH', path, {
      token: owner.access,
      json: { name: 'after', labels: { drop: null, add: 'z', keep: 'x2' }, deletedExperimentRetention: '7d12h' },
    });
    expect(patched.status).toBe(202);
    expect(patched.body).toEqual({
      message: 'successfully updated instance',
      instance: expect.objectContaining({
        id: instance.id,
        name: 'after',
        description: 'old',
        labels: { keep: 'x2', add: 'z' },
        deletedExperimentRetention: '7d12h',
      }),
    });
    expect((await app.request('GET', path, { token: owner.access })).body.instance).toEqual(patched.body.instance);

    const cleared = await app.request('PATCH', path, { token: owner.access, json: { description: '', labels: { keep: null, add: null } } });
    expect(cleared.status).toBe(202);
    expect(cleared.body.instance.description).toBeUndefined();
    expect(cleared.body.instance.labels).toBeUndefined();
    expect((await app.request('PATCH', path, { token: owner.access, json: {} })).body.instance.name).toBe('after');
  });

  it('refuses patches that could not be read back or break the rules (400)', async () => {
    const instance = await givenInstance(app, project);
    const path = instance.path;
    const empty = await app.request('PATCH', path, { token: owner.access, json: { name: '' } });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toContain('always has a name');
    // null in an optional field is read as absent (docs/security.md): nothing changes.
    const nullName = await app.request('PATCH', path, { token: owner.access, json: { name: null, deletedExperimentRetention: null } });
    expect([nullName.status, nullName.body.instance.name]).toEqual([202, instance.name]);
    for (const body of [
      { name: 'a'.repeat(65) },
      { labels: { 'stackit-x': null } },
      { labels: { k: 5 } },
      { deletedExperimentRetention: '0d' },
      { state: 'active' },
    ]) {
      const response = await app.request('PATCH', path, { token: owner.access, json: body });
      expect([response.status, body]).toEqual([400, body]);
    }
    expect((await app.request('PATCH', `${instancesPath(project.id)}/${MISSING}`, { token: owner.access, json: { name: 'x' } })).status).toBe(404);
  });

  it('deletes softly: 202 with the instance, then GET and PATCH 404 and the list forgets it', async () => {
    const instance = await givenInstance(app, project, { name: 'short-lived' });
    const path = instance.path;
    const deleted = await app.request('DELETE', path, { token: owner.access });
    expect(deleted.status).toBe(202);
    expect(deleted.body).toEqual({
      message: 'successfully deleted instance',
      instance: expect.objectContaining({ id: instance.id, name: 'short-lived', state: 'deleting' }),
    });
    expect((await app.request('GET', path, { token: owner.access })).status).toBe(404);
    expect((await app.request('PATCH', path, { token: owner.access, json: { name: 'x' } })).status).toBe(404);
    expect((await app.request('DELETE', path, { token: owner.access })).status).toBe(404);
    const listed = await app.request('GET', instancesPath(project.id), { token: owner.access });
    expect(listed.body.instances.map((i: { id: string }) => i.id)).not.toContain(instance.id);
  });

  it('lets readers list and get, and only editors and owners change (users and service accounts)', async () => {
    const { reader, editor, saReader, saEditor } = await givenRoleHolders(app, project);
    const outsider = await app.createUser('outsider@tessera.test');
    const instance = await givenInstance(app, project);
    const path = instance.path;

    for (const token of [reader.access, saReader.access]) {
      expect((await app.request('GET', instancesPath(project.id), { token })).status).toBe(200);
      expect((await app.request('GET', path, { token })).status).toBe(200);
      const denied = await app.request('POST', instancesPath(project.id), { token, json: { name: 'nope' } });
      expect(denied.status).toBe(403);
      expect(denied.body).toEqual({ code: 403, message: expect.stringContaining('editor'), status: 'Forbidden' });
      expect((await app.request('PATCH', path, { token, json: { name: 'nope' } })).status).toBe(403);
      expect((await app.request('DELETE', path, { token })).status).toBe(403);
    }
    for (const token of [outsider.access]) {
      expect((await app.request('GET', instancesPath(project.id), { token })).status).toBe(403);
      expect((await app.request('GET', path, { token })).status).toBe(403);
    }
    const bySa = await app.request('POST', instancesPath(project.id), { token: saEditor.access, json: { name: 'by-sa' } });
    expect(bySa.status).toBe(202);
    expect(
      (await app.request('PATCH', `${instancesPath(project.id)}/${bySa.body.instance.id}`, { token: editor.access, json: { name: 'by-editor' } })).status,
    ).toBe(202);
    expect((await app.request('DELETE', `${instancesPath(project.id)}/${bySa.body.instance.id}`, { token: saEditor.access })).status).toBe(202);
    // A service account of another project sees nothing here.
    const foreignSa = await givenServiceAccount(app, await givenProject(app, owner, 'other'), 'owner');
    expect((await app.request('GET', path, { token: foreignSa.access })).status).toBe(403);
  });

  it('requires a bearer token (401 in the STACKIT body)', async () => {
    const response = await app.request('GET', instancesPath(project.id));
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ code: 401, message: expect.any(String), status: 'Unauthorized' });
  });
});
