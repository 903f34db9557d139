import { newId } from '../../src/common/ids';
import { hashSecret } from '../../src/common/secret-hash';
import { PrismaService } from '../../src/database/prisma.service';
import { CONSOLE_AUDIENCE, TokenSigner } from '../../src/keys/token-signer.service';
import { TestApp } from './test-app';

export const instancesPath = (projectId: string, region = 'eu01', api = 'v1') => `/${api}/projects/${projectId}/regions/${region}/instances`;
export const tokensPath = (projectId: string, instanceId: string, region = 'eu01', api = 'v1') =>
  `${instancesPath(projectId, region, api)}/${instanceId}/tokens`;
export const verifyPath = (instanceId: string) => `/v1/auth/instances/${instanceId}/verify`;

export async function createProject(app: TestApp, token: string, name = 'ml-team'): Promise<string> {
  const response = await app.request('POST', '/v1/projects', { token, json: { name } });
  if (response.status !== 201) throw new Error(`creating project failed: ${response.status} ${response.text}`);
  return response.body.id;
}

export async function addMember(app: TestApp, ownerToken: string, projectId: string, subject: string, role: 'reader' | 'editor' | 'owner') {
  const response = await app.request('POST', `/v1/projects/${projectId}/members`, { token: ownerToken, json: { subject, role } });
  if (response.status !== 201) throw new Error(`adding ${subject} failed: ${response.status} ${response.text}`);
}

export async function createInstance(app: TestApp, token: string, projectId: string, body: Record<string, unknown> = { name: 'tracking' }) {
  const response = await app.request('POST', instancesPath(projectId), { token, json: body });
  if (response.status !== 202) throw new Error(`creating instance failed: ${response.status} ${response.text}`);
  return response.body.instance as { id: string; name: string; state: string; url: string };
}

export async function createToken(app: TestApp, token: string, projectId: string, instanceId: string, body: Record<string, unknown> = { name: 'ci' }) {
  const response = await app.request('POST', tokensPath(projectId, instanceId), { token, json: body });
  if (response.status !== 202) throw new Error(`creating token failed: ${response.status} ${response.text}`);
  return response.body.token as { id: string; content: string; name: string; state: string; validUntil: string; region: string };
}

/**
 * A service account holding `role` in the project, with a live access token. Written straight to
 * the database and minted with the service's signer, as the service-account API would.
 */
export async function createServiceAccount(app: TestApp, projectId: string, role: 'reader' | 'editor' | 'owner') {
  const prisma = app.app.get(PrismaService);
  const signer = app.app.get(TokenSigner);
  const id = newId();
  await prisma.serviceAccount.create({ data: { id, projectId, email: `sa-${id}@sa.tessera.test` } });
  await prisma.projectMember.create({ data: { id: newId(), projectId, serviceAccountId: id, role } });
  const expiresAt = new Date(Date.now() + 3_600_000);
  const { token, id: tokenId } = signer.issue({ type: 'sa-access', subject: id, audience: CONSOLE_AUDIENCE, expiresAt });
  await prisma.serviceAccountToken.create({ data: { id: tokenId, serviceAccountId: id, tokenHash: hashSecret(token), validUntil: expiresAt } });
  return { id, token };
}
