// Everything the benchmark assumes about Tessera's public API, in one place: routes, payloads and
// the statuses that count as success. When a contract changes, change it here. Seeding goes
// through the public API only, and a mismatch stops that seed group with the status and body.
import { randomUUID } from 'node:crypto';

export const REGION = 'eu01';
export const ADMIN_EMAIL = 'bench-admin@tessera.local';
export const LIST_SIZE = 1_000;

export const ROUTES = {
  login: '/console/api/auth/',
  projects: '/v1/projects',
  instances: (projectId) => `/v1/projects/${projectId}/regions/${REGION}/instances`,
  instanceTokens: (projectId, instanceId) => `/v1/projects/${projectId}/regions/${REGION}/instances/${instanceId}/tokens`,
  /** Forward auth (issue 3): 204 for a valid token of that instance, 401 otherwise. */
  instanceVerify: (instanceId) => `/v1/auth/instances/${instanceId}/verify`,
  modelPrefixes: '/console/api/modelhost/model-prefixes/',
  models: '/console/api/modelhost/models/',
  modelVersions: (modelId) => `/console/api/modelhost/models/${modelId}/versions/`,
  modelAuth: '/console/api/modelhost/model-auth/',
  /** Online, revocation-aware model session token verification (issue 4). */
  modelVerify: (modelId) => `/v1/auth/models/${modelId}/verify`,
  modelMeta: (prefix, modelName) => `/${prefix}/${modelName}/?get_meta=true`,
};

export const MODEL = { key: 'bench', prefix: 'models/bench', name: 'bench-model', version: 'v1' };

export class SeedError extends Error {}

/** One API call of the seeding; anything but an expected status is a SeedError naming the step. */
export async function call(baseUrl, step, method, path, { token, json, expect }) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (json !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new SeedError(`${step}: ${method} ${path} failed: ${error.message}`);
  }
  const text = await response.text();
  if (!expect.includes(response.status)) {
    throw new SeedError(`${step}: ${method} ${path} → ${response.status} ${text.slice(0, 300)} (expected ${expect.join(' or ')})`);
  }
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    throw new SeedError(`${step}: ${method} ${path} → ${response.status} with a body that is not JSON: ${text.slice(0, 300)}`);
  }
}

function field(step, body, read) {
  const value = read(body);
  if (value === undefined || value === null) throw new SeedError(`${step}: unexpected response body ${JSON.stringify(body).slice(0, 300)}`);
  return value;
}

export async function login(baseUrl, password) {
  const body = await call(baseUrl, 'console login', 'POST', ROUTES.login, { json: { email: ADMIN_EMAIL, password }, expect: [200] });
  return field('console login', body, (b) => b.access);
}

async function createInstance(baseUrl, token, projectId, name) {
  const body = await call(baseUrl, `create instance ${name}`, 'POST', ROUTES.instances(projectId), { token, json: { name }, expect: [202] });
  return field(`create instance ${name}`, body, (b) => b.instance?.id);
}

async function createInstanceToken(baseUrl, token, projectId, instanceId, name) {
  const body = await call(baseUrl, 'create instance token', 'POST', ROUTES.instanceTokens(projectId, instanceId), { token, json: { name }, expect: [202] });
  return field('create instance token', body, (b) => b.token?.content);
}

/**
 * Project, instances and instance tokens: one instance with a token to verify, one with
 * LIST_SIZE tokens to list, one to create tokens in (so the list stays at LIST_SIZE).
 */
export async function seedInstances(baseUrl, token) {
  const project = await call(baseUrl, 'create project', 'POST', ROUTES.projects, { token, json: { name: 'bench' }, expect: [201] });
  const projectId = field('create project', project, (b) => b.id);
  const verifyInstanceId = await createInstance(baseUrl, token, projectId, 'bench-verify');
  const listInstanceId = await createInstance(baseUrl, token, projectId, 'bench-list');
  const createInstanceId = await createInstance(baseUrl, token, projectId, 'bench-create');
  const instanceToken = await createInstanceToken(baseUrl, token, projectId, verifyInstanceId, 'bench-verify');

  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < LIST_SIZE && !failed) {
      const i = next++;
      await createInstanceToken(baseUrl, token, projectId, listInstanceId, `bench-list-${i}`).catch((error) => {
        failed = true;
        throw error;
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const listed = await call(baseUrl, 'list instance tokens', 'GET', ROUTES.instanceTokens(projectId, listInstanceId), { token, expect: [200] });
  const count = field('list instance tokens', listed, (b) => b.tokens?.length);
  if (count !== LIST_SIZE) throw new SeedError(`list instance tokens: listed ${count} tokens, expected ${LIST_SIZE} (paginated?)`);
  return { projectId, verifyInstanceId, listInstanceId, createInstanceId, instanceToken };
}

/** A model prefix, a model with one version, and a model session token for it. */
export async function seedModels(baseUrl, token) {
  await call(baseUrl, 'create model prefix', 'POST', ROUTES.modelPrefixes, {
    token,
    json: { key: MODEL.key, prefix: MODEL.prefix, description: 'benchmark' },
    expect: [200, 201],
  });
  const model = await call(baseUrl, 'create model', 'POST', ROUTES.models, { token, json: { name: MODEL.name, prefix_key: MODEL.key }, expect: [200, 201] });
  const modelId = field('create model', model, (b) => b.model_id);
  await call(baseUrl, 'create model version', 'POST', ROUTES.modelVersions(modelId), { token, json: { version: MODEL.version }, expect: [200, 201] });
  const session = await call(baseUrl, 'model session token', 'POST', ROUTES.modelAuth, { token, json: { model_id: modelId }, expect: [200] });
  return { modelId, sessionToken: field('model session token', session, (b) => b.token) };
}

/** A valid-looking but never-issued id, for routes whose seed failed. */
export const placeholderId = () => randomUUID();
