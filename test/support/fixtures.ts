import { TesseraClient } from './test-app';

/**
 * The world a test starts from, built through the public API as users build it: every fixture is
 * an HTTP call to the app (checked against the OpenAPI document like any other request), so a
 * seeded project, instance, token or membership is one the service itself accepted. Each helper
 * fails loudly with the status and body when the app refuses, so a broken fixture never looks
 * like a failing assertion.
 */

type ProjectRole = 'owner' | 'editor' | 'reader';

export const instancesPath = (projectId: string, region = 'eu01', api = 'v1') => `/${api}/projects/${projectId}/regions/${region}/instances`;
export const tokensPath = (projectId: string, instanceId: string, region = 'eu01', api = 'v1') =>
  `${instancesPath(projectId, region, api)}/${instanceId}/tokens`;
export const verifyPath = (instanceId: string) => `/v1/auth/instances/${instanceId}/verify`;

/** Whoever acts: anything holding an access token (a console user, a service account, the admin). */
export interface Bearer {
  access: string;
}

/** A console user or a service account: who they are, and their access token. */
export interface Caller extends Bearer {
  id: string;
  email: string;
}

export interface Project {
  id: string;
  name: string;
  /** Who created it, hence holds `owner`; fixtures built on the project act as them. */
  owner: Bearer;
}

export interface Instance {
  id: string;
  name: string;
  state: string;
  url: string;
  project: Project;
  /** `/v1/projects/{p}/regions/eu01/instances/{i}` */
  path: string;
  /** `/v1/projects/{p}/regions/eu01/instances/{i}/tokens` */
  tokensPath: string;
  /** The forward-auth check for this instance's tokens. */
  verifyPath: string;
}

export interface InstanceToken {
  id: string;
  /** The token itself, shown once at creation. */
  content: string;
  name: string;
  state: string;
  validUntil: string;
  region: string;
  /** `…/instances/{i}/tokens/{t}` */
  path: string;
}

/** A project created by `owner`, who thereby holds the `owner` role in it. */
export async function givenProject(app: TesseraClient, owner: Bearer, name = 'ml-team'): Promise<Project> {
  const created = expectStatus(201, `creating project ${name}`, await app.request('POST', '/v1/projects', { token: owner.access, json: { name } }));
  return { id: created.id, name: created.name, owner };
}

/** An instance in `project` (region eu01), created by the project's owner unless `as` says who. */
export async function givenInstance(
  app: TesseraClient,
  project: Project,
  body: Record<string, unknown> = { name: 'tracking' },
  as: Bearer = project.owner,
): Promise<Instance> {
  const response = await app.request('POST', instancesPath(project.id), { token: as.access, json: body });
  const instance = expectStatus(202, `creating instance ${String(body.name)}`, response).instance;
  const path = `${instancesPath(project.id)}/${instance.id}`;
  return { ...instance, project, path, tokensPath: tokensPath(project.id, instance.id), verifyPath: verifyPath(instance.id) };
}

/** An instance token, created by the project's owner unless `as` says who. */
export async function givenToken(
  app: TesseraClient,
  instance: Instance,
  body: Record<string, unknown> = { name: 'ci' },
  as: Bearer = instance.project.owner,
): Promise<InstanceToken> {
  const response = await app.request('POST', instance.tokensPath, { token: as.access, json: body });
  const token = expectStatus(202, `creating token ${String(body.name)}`, response).token;
  return { ...token, path: `${instance.tokensPath}/${token.id}` };
}

/**
 * A new console user holding `role` in `project`: created by the platform admin, added by the
 * project's owner, logged in.
 */
export async function givenMember(
  app: TesseraClient,
  project: Project,
  role: ProjectRole,
  email = `${role}@tessera.test`,
): Promise<Caller & { refresh: string }> {
  const user = await app.createUser(email);
  await givenMembership(app, project, user.email, role);
  return user;
}

/**
 * Everyone below the owner who may act in `project`, one of each: a reader and an editor user
 * (reader@ and editor@tessera.test), and a reader and an editor service account.
 */
export async function givenRoleHolders(app: TesseraClient, project: Project) {
  return {
    reader: await givenMember(app, project, 'reader'),
    editor: await givenMember(app, project, 'editor'),
    saReader: await givenServiceAccount(app, project, 'reader'),
    saEditor: await givenServiceAccount(app, project, 'editor'),
  };
}

/** `subject` (a user's or a service account's email) holds `role` in `project`, added by its owner. */
export async function givenMembership(app: TesseraClient, project: Project, subject: string, role: ProjectRole): Promise<void> {
  const response = await app.request('POST', `/v1/projects/${project.id}/members`, { token: project.owner.access, json: { subject, role } });
  expectStatus(201, `adding ${subject} as ${role}`, response);
}

/**
 * A service account of `project` holding `role`, with a live access token: created by the
 * project's owner through the service-account API, as a pipeline's account is.
 */
export async function givenServiceAccount(app: TesseraClient, project: Project, role: ProjectRole, name = `${role}-robot`): Promise<Caller> {
  const accounts = `/v2/projects/${project.id}/service-accounts`;
  const owner = project.owner.access;
  const account = expectStatus(201, `creating service account ${name}`, await app.request('POST', accounts, { token: owner, json: { name, role } }));
  const response = await app.request('POST', `${accounts}/${account.email}/access-tokens`, { token: owner, json: { ttlDays: 1 } });
  const { token } = expectStatus(201, `creating an access token for ${account.email}`, response);
  return { id: account.id, email: account.email, access: token };
}

function expectStatus(status: number, what: string, response: { status: number; text: string; body: any }): any {
  if (response.status !== status) throw new Error(`fixture failed, ${what}: ${response.status} ${response.text}`);
  return response.body;
}
