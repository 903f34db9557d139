/**
 * A full token lifecycle through a client that @hey-api/openapi-ts generates from the committed
 * openapi/openapi.json: proof that a generator other than ours can use the contract as it stands,
 * with no cast. test/hey-api-client.e2e-spec.ts generates the client into ./client beside a copy of
 * this file, type-checks both with tsc (module nodenext) and runs the result against a started
 * Tessera. Usage: TESSERA_URL=... TESSERA_EMAIL=... TESSERA_PASSWORD=... node lifecycle.js
 */
import { type Client, createClient, createConfig } from './client/client/index.js';
import {
  authLogin,
  authRefresh,
  createInstance,
  createInstanceToken,
  deleteInstanceToken,
  forwardAuthVerifyInstance,
  forwardAuthVerifyModel,
  getInstanceToken,
  listInstanceTokens,
  listInstances,
  modelAuthPost,
  modelPrefixesCreate,
  modelsCreate,
  modelsCreateVersion,
  partialUpdateInstanceToken,
  projectsCreate,
  serviceAccountsCreate,
  serviceAccountsCreateToken,
  serviceAccountsListTokens,
} from './client/index.js';

const baseUrl = required('TESSERA_URL');
const as = (token?: string): Client => createClient(createConfig({ baseUrl, auth: token }));

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function step(name: string, detail: string): void {
  console.log(`ok ${name}: ${detail}`);
}

function expectEqual<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

async function main(): Promise<void> {
  const anonymous = as();
  const login = await authLogin({ client: anonymous, body: { email: required('TESSERA_EMAIL'), password: required('TESSERA_PASSWORD') }, throwOnError: true });
  step('login', `access and refresh tokens (${login.data.access.length} and ${login.data.refresh.length} characters)`);
  const refreshed = await authRefresh({ client: anonymous, body: { refresh: login.data.refresh }, throwOnError: true });
  step('refresh', 'a new access token');
  const admin = as(refreshed.data.access);

  const project = await projectsCreate({ client: admin, body: { name: 'hey-api' }, throwOnError: true });
  step('project', project.data.id);
  const region = { projectId: project.data.id, regionId: 'eu01' };
  const { instance } = (await createInstance({ client: admin, path: region, body: { name: 'tracking' }, throwOnError: true })).data;
  step('instance', `${instance.id} (${instance.state})`);

  const path = { ...region, instanceId: instance.id };
  const { token } = (await createInstanceToken({ client: admin, path, body: { name: 'ci', ttlDuration: '30d', labels: { team: 'ml' } }, throwOnError: true })).data;
  step('token create', `${token.id}, valid until ${token.validUntil}`);
  const listed = await listInstanceTokens({ client: admin, path, throwOnError: true });
  expectEqual(listed.data.tokens.some((item) => item.id === token.id), true, 'the new token is listed');
  step('token list', `${listed.data.tokens.length} token(s)`);
  const fetched = await getInstanceToken({ client: admin, path: { ...path, tokenId: token.id }, throwOnError: true });
  expectEqual(fetched.data.token.name, 'ci', 'name of the fetched token');
  step('token get', fetched.data.token.name);
  const patched = await partialUpdateInstanceToken({ client: admin, path: { ...path, tokenId: token.id }, body: { name: 'ci-renamed' }, throwOnError: true });
  expectEqual(patched.data.token.name, 'ci-renamed', 'name after PATCH');
  step('token patch', patched.data.token.name);

  const holder = as(token.content);
  const granted = await forwardAuthVerifyInstance({ client: holder, path: { instanceId: instance.id }, throwOnError: true });
  expectEqual(granted.response.status, 204, 'forward-auth status with a live token');
  expectEqual(granted.response.headers.get('x-tessera-token-id'), token.id, 'x-tessera-token-id');
  step('forward-auth verify', `204 for token ${token.id}`);

  await deleteInstanceToken({ client: admin, path: { ...path, tokenId: token.id }, throwOnError: true });
  const refused = await forwardAuthVerifyInstance({ client: holder, path: { instanceId: instance.id } });
  expectEqual(refused.response.status, 401, 'forward-auth status after delete');
  step('token delete', 'forward-auth now answers 401');

  const account = await serviceAccountsCreate({ client: admin, path: { projectId: project.data.id }, body: { name: 'ci-runner', role: 'reader' }, throwOnError: true });
  const ofAccount = { projectId: project.data.id, serviceAccountEmail: account.data.email };
  const accessToken = await serviceAccountsCreateToken({ client: admin, path: ofAccount, body: { ttlDays: 7 }, throwOnError: true });
  const tokens = await serviceAccountsListTokens({ client: admin, path: ofAccount, throwOnError: true });
  expectEqual(tokens.data.items[0]?.id, accessToken.data.id, 'the access token is listed');
  const seen = await listInstances({ client: as(accessToken.data.token), path: region, throwOnError: true });
  expectEqual(seen.data.instances[0]?.id, instance.id, 'the service account sees the instance');
  step('service account', `${account.data.email} lists ${seen.data.instances.length} instance(s) with its access token`);

  const prefix = await modelPrefixesCreate({ client: admin, body: { key: 'practicus', prefix: 'models/practicus' }, throwOnError: true });
  const model = await modelsCreate({ client: admin, body: { prefix_key: prefix.data.key, name: 'diamond-price' }, throwOnError: true });
  await modelsCreateVersion({ client: admin, path: { modelId: model.data.model_id }, body: { version: '1', stage: 'Production' }, throwOnError: true });
  const session = await modelAuthPost({ client: admin, body: { model_id: model.data.model_id }, throwOnError: true });
  const opened = await forwardAuthVerifyModel({ client: as(session.data.token), path: { modelId: model.data.model_id }, throwOnError: true });
  expectEqual(opened.response.headers.get('x-prt-model-id'), String(model.data.model_id), 'x-prt-model-id');
  step('model auth', `a session token that opens model ${model.data.model_id}`);
}

main().then(
  () => console.log('lifecycle complete'),
  (error: unknown) => {
    console.error('lifecycle failed:', error);
    process.exitCode = 1;
  },
);
