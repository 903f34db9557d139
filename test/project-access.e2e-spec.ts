import { givenMembership, givenProject } from './support/fixtures';
import { HttpResponse, TestApp } from './support/test-app';

const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';

type User = { id: string; email: string; access: string };

function expectStackitError(response: HttpResponse, status: number, reason: string) {
  expect(response.status).toBe(status);
  expect(response.body).toEqual({ code: status, message: expect.any(String), status: reason });
}

describe('projects and members: roles, scope and validation', () => {
  let app: TestApp;
  let admin: { access: string };
  let owner: User;
  let editor: User;
  let reader: User;
  let outsider: User;
  let spare: User;

  /** A project owned by `owner`, with `editor` and `reader` in their roles. */
  async function teamProject(name = 'team'): Promise<string> {
    const project = await givenProject(app, owner, name);
    await givenMembership(app, project, editor.email, 'editor');
    await givenMembership(app, project, reader.email, 'reader');
    return project.id;
  }

  /** Every project route, as a request a given caller makes. */
  function routes(projectId: string) {
    return {
      get: (token: string) => app.request('GET', `/v1/projects/${projectId}`, { token }),
      rename: (token: string) => app.request('PATCH', `/v1/projects/${projectId}`, { token, json: { name: 'renamed' } }),
      listMembers: (token: string) => app.request('GET', `/v1/projects/${projectId}/members`, { token }),
      addMember: (token: string) => app.request('POST', `/v1/projects/${projectId}/members`, { token, json: { subject: spare.email, role: 'reader' } }),
      changeMember: (token: string) => app.request('PATCH', `/v1/projects/${projectId}/members/${reader.email}`, { token, json: { role: 'editor' } }),
      removeMember: (token: string) => app.request('DELETE', `/v1/projects/${projectId}/members/${reader.email}`, { token }),
      delete: (token: string) => app.request('DELETE', `/v1/projects/${projectId}`, { token }),
    };
  }

  beforeAll(async () => {
    app = await TestApp.start();
    admin = await app.login();
    owner = await app.createUser('p-owner@tessera.test');
    editor = await app.createUser('p-editor@tessera.test');
    reader = await app.createUser('p-reader@tessera.test');
    outsider = await app.createUser('p-outsider@tessera.test');
    spare = await app.createUser('p-spare@tessera.test');
  });
  afterAll(() => app.close());

  it('lets readers and editors read, and refuses them every change', async () => {
    const projectId = await teamProject();
    const route = routes(projectId);
    for (const who of [reader, editor]) {
      expect((await route.get(who.access)).status).toBe(200);
      expect((await route.listMembers(who.access)).status).toBe(200);
      for (const change of [route.rename, route.addMember, route.changeMember, route.removeMember, route.delete]) {
        expectStackitError(await change(who.access), 403, 'Forbidden');
      }
    }
    const members = await route.listMembers(reader.access);
    expect(members.body.items).toEqual([
      { subject: owner.email, subjectType: 'user', role: 'owner' },
      { subject: editor.email, subjectType: 'user', role: 'editor' },
      { subject: reader.email, subjectType: 'user', role: 'reader' },
    ]);
    expect((await route.get(owner.access)).body.name).toBe('team');
  });

  it('lets owners use every route', async () => {
    const projectId = await teamProject();
    const route = routes(projectId);
    const renamed = await route.rename(owner.access);
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: projectId, name: 'renamed' });
    expect((await route.get(reader.access)).body.name).toBe('renamed');

    const added = await route.addMember(owner.access);
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ subject: spare.email, subjectType: 'user', role: 'reader' });
    const changed = await route.changeMember(owner.access);
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ subject: reader.email, subjectType: 'user', role: 'editor' });
    // Editors still change nothing in a project.
    expectStackitError(await route.rename(reader.access), 403, 'Forbidden');
    expect((await route.removeMember(owner.access)).status).toBe(204);
    expectStackitError(await route.get(reader.access), 403, 'Forbidden');

    expect((await route.delete(owner.access)).status).toBe(204);
    expectStackitError(await route.get(owner.access), 404, 'Not Found');
  });

  it('gives outsiders 403 on every route of a project they do not belong to', async () => {
    const projectId = await teamProject();
    const route = routes(projectId);
    for (const call of Object.values(route)) expectStackitError(await call(outsider.access), 403, 'Forbidden');
    expect((await app.request('GET', '/v1/projects', { token: outsider.access })).body.items).toEqual([]);
    // The owner of one project has no say in another.
    const othersProject = (await app.request('POST', '/v1/projects', { token: outsider.access, json: { name: 'mine' } })).body.id;
    for (const call of Object.values(routes(othersProject))) expectStackitError(await call(owner.access), 403, 'Forbidden');
    // Everything survived.
    expect((await route.get(owner.access)).body.name).toBe('team');
    expect((await route.listMembers(owner.access)).body.items).toHaveLength(3);
  });

  it('gives 404 on every route of an unknown project, even to platform admins', async () => {
    for (const call of Object.values(routes(UNKNOWN_UUID))) {
      expectStackitError(await call(owner.access), 404, 'Not Found');
      expectStackitError(await call(admin.access), 404, 'Not Found');
    }
  });

  it('lets platform admins manage any project', async () => {
    const projectId = await teamProject();
    const route = routes(projectId);
    expect((await route.get(admin.access)).status).toBe(200);
    expect((await route.rename(admin.access)).status).toBe(200);
    expect((await route.addMember(admin.access)).status).toBe(201);
    expect((await route.changeMember(admin.access)).status).toBe(200);
    expect((await route.removeMember(admin.access)).status).toBe(204);
    expect((await route.delete(admin.access)).status).toBe(204);
  });

  it('keeps at least one owner', async () => {
    const projectId = await teamProject();
    const ownerRoute = `/v1/projects/${projectId}/members/${owner.email}`;
    expectStackitError(await app.request('PATCH', ownerRoute, { token: owner.access, json: { role: 'editor' } }), 409, 'Conflict');
    expectStackitError(await app.request('DELETE', ownerRoute, { token: owner.access }), 409, 'Conflict');
    expectStackitError(await app.request('DELETE', ownerRoute, { token: admin.access }), 409, 'Conflict');

    // With a second owner the first may step down, and then the second is the last one.
    expect((await app.request('PATCH', `/v1/projects/${projectId}/members/${editor.email}`, { token: owner.access, json: { role: 'owner' } })).status).toBe(
      200,
    );
    const demoted = await app.request('PATCH', ownerRoute, { token: owner.access, json: { role: 'reader' } });
    expect(demoted.status).toBe(200);
    expect(demoted.body.role).toBe('reader');
    expectStackitError(await app.request('PATCH', `/v1/projects/${projectId}`, { token: owner.access, json: { name: 'x' } }), 403, 'Forbidden');
    expectStackitError(await app.request('DELETE', `/v1/projects/${projectId}/members/${editor.email}`, { token: editor.access }), 409, 'Conflict');
    // An owner may keep the owner role (no-op) even when last.
    expect((await app.request('PATCH', `/v1/projects/${projectId}/members/${editor.email}`, { token: editor.access, json: { role: 'owner' } })).status).toBe(
      200,
    );
  });

  it('adds, changes and removes a service account as a member of another project', async () => {
    const home = await teamProject('home');
    const account = await app.request('POST', `/v2/projects/${home}/service-accounts`, { token: owner.access, json: { name: 'deployer' } });
    expect(account.status).toBe(201);
    const email: string = account.body.email;
    const token = (await app.request('POST', `/v2/projects/${home}/service-accounts/${email}/access-tokens`, { token: owner.access, json: { ttlDays: 1 } }))
      .body.token;

    const target = (await app.request('POST', '/v1/projects', { token: owner.access, json: { name: 'target' } })).body.id;
    expectStackitError(await app.request('GET', `/v1/projects/${target}`, { token }), 403, 'Forbidden');

    const added = await app.request('POST', `/v1/projects/${target}/members`, { token: owner.access, json: { subject: email.toUpperCase(), role: 'reader' } });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ subject: email, subjectType: 'service-account', role: 'reader' });
    expect((await app.request('GET', `/v1/projects/${target}`, { token })).status).toBe(200);
    expect((await app.request('GET', '/v1/projects', { token })).body.items.map((p: { id: string }) => p.id).sort()).toEqual([home, target].sort());
    expectStackitError(await app.request('PATCH', `/v1/projects/${target}`, { token, json: { name: 'x' } }), 403, 'Forbidden');

    expectStackitError(
      await app.request('POST', `/v1/projects/${target}/members`, { token: owner.access, json: { subject: email, role: 'owner' } }),
      409,
      'Conflict',
    );
    const promoted = await app.request('PATCH', `/v1/projects/${target}/members/${email}`, { token: owner.access, json: { role: 'owner' } });
    expect(promoted.body).toEqual({ subject: email, subjectType: 'service-account', role: 'owner' });
    expect((await app.request('PATCH', `/v1/projects/${target}`, { token, json: { name: 'renamed-by-sa' } })).status).toBe(200);

    expect((await app.request('DELETE', `/v1/projects/${target}/members/${email}`, { token: owner.access })).status).toBe(204);
    expectStackitError(await app.request('GET', `/v1/projects/${target}`, { token }), 403, 'Forbidden');
  });

  it('answers 404 for unknown members, 409 for duplicates', async () => {
    const projectId = await teamProject();
    const members = `/v1/projects/${projectId}/members`;
    expectStackitError(await app.request('PATCH', `${members}/ghost@tessera.test`, { token: owner.access, json: { role: 'reader' } }), 404, 'Not Found');
    expectStackitError(await app.request('DELETE', `${members}/ghost@tessera.test`, { token: owner.access }), 404, 'Not Found');
    // A real user who is not a member of this project.
    expectStackitError(await app.request('PATCH', `${members}/${outsider.email}`, { token: owner.access, json: { role: 'reader' } }), 404, 'Not Found');
    expectStackitError(await app.request('DELETE', `${members}/${outsider.email}`, { token: owner.access }), 404, 'Not Found');
    expectStackitError(await app.request('POST', members, { token: owner.access, json: { subject: reader.email, role: 'editor' } }), 409, 'Conflict');
    expect((await app.request('GET', members, { token: owner.access })).body.items).toHaveLength(3);
  });

  it('answers an email without an account exactly like a user: the account created later holds the role', async () => {
    const projectId = await teamProject('invites');
    const members = `/v1/projects/${projectId}/members`;
    // Any signed-in user can own a project, so these answers must not tell which emails have accounts.
    const known = await app.request('POST', members, { token: owner.access, json: { subject: spare.email, role: 'reader' } });
    const unknown = await app.request('POST', members, { token: owner.access, json: { subject: 'Newcomer@Tessera.test', role: 'reader' } });
    expect([known.status, unknown.status]).toEqual([201, 201]);
    expect(known.body).toEqual({ subject: spare.email, subjectType: 'user', role: 'reader' });
    expect(unknown.body).toEqual({ subject: 'newcomer@tessera.test', subjectType: 'user', role: 'reader' });
    for (const subject of [spare.email, 'newcomer@tessera.test']) {
      expectStackitError(await app.request('POST', members, { token: owner.access, json: { subject, role: 'editor' } }), 409, 'Conflict');
    }
    const listed = (await app.request('GET', members, { token: owner.access })).body.items;
    expect(listed).toContainEqual({ subject: 'newcomer@tessera.test', subjectType: 'user', role: 'reader' });
    expect(listed).toContainEqual({ subject: spare.email, subjectType: 'user', role: 'reader' });
    expect((await app.request('PATCH', `${members}/newcomer@tessera.test`, { token: owner.access, json: { role: 'editor' } })).body.role).toBe('editor');

    const newcomer = await app.createUser('newcomer@tessera.test');
    expect((await app.request('GET', `/v1/projects/${projectId}`, { token: newcomer.access })).status).toBe(200);
    expectStackitError(await app.request('PATCH', `/v1/projects/${projectId}`, { token: newcomer.access, json: { name: 'x' } }), 403, 'Forbidden');
    expect((await app.request('GET', '/v1/projects', { token: newcomer.access })).body.items.map((p: { id: string }) => p.id)).toEqual([projectId]);
    // An owner still waiting for an account does not count as the project's last owner.
    const lone = (await app.request('POST', '/v1/projects', { token: outsider.access, json: { name: 'lone' } })).body.id;
    expect(
      (await app.request('POST', `/v1/projects/${lone}/members`, { token: outsider.access, json: { subject: 'later@tessera.test', role: 'owner' } })).status,
    ).toBe(201);
    expectStackitError(await app.request('DELETE', `/v1/projects/${lone}/members/${outsider.email}`, { token: outsider.access }), 409, 'Conflict');
  });

  it("refuses another project's service account unless the caller owns that project too, with one answer whether it exists or not", async () => {
    const home = await teamProject('sa-home');
    const account = await app.request('POST', `/v2/projects/${home}/service-accounts`, { token: owner.access, json: { name: 'builder' } });
    const email: string = account.body.email;
    const token = (await app.request('POST', `/v2/projects/${home}/service-accounts/${email}/access-tokens`, { token: owner.access, json: { ttlDays: 1 } }))
      .body.token;
    const foreign = (await app.request('POST', '/v1/projects', { token: outsider.access, json: { name: 'foreign' } })).body.id;

    const existing = await app.request('POST', `/v1/projects/${foreign}/members`, { token: outsider.access, json: { subject: email, role: 'owner' } });
    const missing = await app.request('POST', `/v1/projects/${foreign}/members`, {
      token: outsider.access,
      json: { subject: 'nobody-zzzz@sa.tessera.local', role: 'owner' },
    });
    expectStackitError(existing, 400, 'Bad Request');
    expectStackitError(missing, 400, 'Bad Request');
    expect(existing.body.message.replace(email, 'X')).toBe(missing.body.message.replace('nobody-zzzz@sa.tessera.local', 'X'));
    expect(existing.body.message).toMatch(/service account belongs to its project/);
    expectStackitError(await app.request('GET', `/v1/projects/${foreign}`, { token }), 403, 'Forbidden');
    expect((await app.request('GET', `/v1/projects/${foreign}/members`, { token: outsider.access })).body.items).toHaveLength(1);
  });

  it('rejects invalid input with 400: wrong types, unknown fields, bad values and ids', async () => {
    const projectId = await teamProject();
    const cases: [string, string, unknown][] = [
      ['POST', '/v1/projects', {}],
      ['POST', '/v1/projects', { name: '' }],
      ['POST', '/v1/projects', { name: 42 }],
      ['POST', '/v1/projects', { name: ['a'] }],
      ['POST', '/v1/projects', { name: 'x'.repeat(65) }],
      ['POST', '/v1/projects', { name: 'semi;colon' }],
      ['POST', '/v1/projects', { name: 'ok', owner: 'me' }],
      ['PATCH', `/v1/projects/${projectId}`, { name: null }],
      ['PATCH', `/v1/projects/${projectId}`, { name: 'ok', id: UNKNOWN_UUID }],
      ['POST', `/v1/projects/${projectId}/members`, { subject: spare.email }],
      ['POST', `/v1/projects/${projectId}/members`, { subject: spare.email, role: 'admin' }],
      ['POST', `/v1/projects/${projectId}/members`, { subject: 7, role: 'reader' }],
      ['POST', `/v1/projects/${projectId}/members`, { subject: 'not an email', role: 'reader' }],
      ['POST', `/v1/projects/${projectId}/members`, { subject: spare.email, role: 'reader', expires: 'never' }],
      ['PATCH', `/v1/projects/${projectId}/members/${reader.email}`, { role: 'OWNER' }],
      ['PATCH', `/v1/projects/${projectId}/members/${reader.email}`, {}],
    ];
    for (const [method, path, json] of cases) {
      const response = await app.request(method, path, { token: owner.access, json });
      expectStackitError(response, 400, 'Bad Request');
    }
    const unknownField = await app.request('POST', '/v1/projects', { token: owner.access, json: { name: 'ok', owner: 'me' } });
    expect(unknownField.body.message).toMatch(/owner should not exist/);
    const malformed = await app.request('POST', '/v1/projects', { token: owner.access, raw: '{"name":', headers: { 'content-type': 'application/json' } });
    expectStackitError(malformed, 400, 'Bad Request');
    for (const path of ['/v1/projects/not-a-uuid', '/v1/projects/123/members', '/v1alpha/projects/zzz']) {
      expectStackitError(await app.request('GET', path, { token: owner.access }), 400, 'Bad Request');
    }
    expectStackitError(await app.request('DELETE', '/v1/projects/not-a-uuid', { token: owner.access }), 400, 'Bad Request');
    // Nothing changed.
    expect((await app.request('GET', `/v1/projects/${projectId}/members`, { token: owner.access })).body.items).toHaveLength(3);
  });

  it('deletes a project with its memberships, service accounts and their tokens', async () => {
    const projectId = await teamProject('doomed');
    const account = await app.request('POST', `/v2/projects/${projectId}/service-accounts`, {
      token: owner.access,
      json: { name: 'doomed-sa', role: 'editor' },
    });
    const email: string = account.body.email;
    const token = (
      await app.request('POST', `/v2/projects/${projectId}/service-accounts/${email}/access-tokens`, { token: owner.access, json: { ttlDays: 5 } })
    ).body.token;
    expect((await app.request('GET', '/v1/projects', { token })).status).toBe(200);

    expect((await app.request('DELETE', `/v1/projects/${projectId}`, { token: owner.access })).status).toBe(204);

    expectStackitError(await app.request('GET', '/v1/projects', { token }), 401, 'Unauthorized');
    for (const who of [owner, editor, reader]) {
      expect((await app.request('GET', '/v1/projects', { token: who.access })).body.items.map((p: { id: string }) => p.id)).not.toContain(projectId);
    }
    expectStackitError(await app.request('GET', `/v1/projects/${projectId}/members`, { token: admin.access }), 404, 'Not Found');
    expectStackitError(await app.request('GET', `/v2/projects/${projectId}/service-accounts`, { token: admin.access }), 404, 'Not Found');
    // The account is gone everywhere: it can no longer be added to another project.
    const other = (await app.request('POST', '/v1/projects', { token: owner.access, json: { name: 'after' } })).body.id;
    expectStackitError(
      await app.request('POST', `/v1/projects/${other}/members`, { token: owner.access, json: { subject: email, role: 'reader' } }),
      400,
      'Bad Request',
    );
    expectStackitError(await app.request('DELETE', `/v1/projects/${projectId}`, { token: owner.access }), 404, 'Not Found');
  });
});
