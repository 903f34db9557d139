import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { grant, SeededModel, seedModel } from './support/model-registry';
import { jwtPayload, TestApp } from './support/test-app';

const run = promisify(execFile);

/**
 * Runs the REST code of both published Practicus pages, verbatim but for the placeholders, with
 * Python `requests` against a live Tessera. Asynchronous: the server runs in this process.
 */
async function runSeed(variant: '000' | '001', env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = join(__dirname, 'fixtures', `practicus-${variant}-model-access-tokens.py`);
  try {
    const { stdout, stderr } = await run('python3', [script], {
      env: { PATH: process.env.PATH, PYTHONIOENCODING: 'utf-8', NO_PROXY: '*', ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('the Practicus notebooks, run with Python requests', () => {
  let app: TestApp;
  let model: SeededModel;
  let user: { email: string; password: string };
  let env: Record<string, string>;

  beforeAll(async () => {
    app = await TestApp.start();
    const admin = (await app.login()).access;
    model = await seedModel(app, admin, { versions: [{ version: '2' }, { version: 'v3', stage: 'Production' }] });
    user = { email: 'data-scientist@tessera.test', password: 'user-password-123' };
    await app.createUser(user.email, user.password);
    await grant(app, admin, 'practicus', user.email);
    await app.createUser('no-grant@tessera.test', user.password);
    env = { TESSERA_URL: app.baseUrl, MODEL_PREFIX: model.prefix, MODEL_NAME: model.name, TESSERA_EMAIL: user.email, TESSERA_PASSWORD: user.password };
  });
  afterAll(() => app.close());

  /** The printed session token must open the model at the forward-auth endpoint. */
  async function expectWorkingSessionToken(stdout: string, marker: string) {
    const line = stdout.split('\n').find((text) => text.startsWith(marker));
    expect(line).toBeDefined();
    const token = line!.slice(marker.length).trim();
    expect(jwtPayload(token)).toMatchObject({ token_type: 'model-session', aud: `model:${model.modelId}`, model_id: model.modelId });
    expect((await app.request('GET', `/v1/auth/models/${model.modelId}/verify`, { token })).status).toBe(204);
  }

  describe.each([
    ['without a version', undefined],
    ['with the version in the URL', 'v3'],
  ])('%s', (_label, version) => {
    const withVersion = () => (version ? { ...env, MODEL_VERSION: version } : env);

    it('runs the current page (JSON body on GET model-auth/)', async () => {
      const { code, stdout, stderr } = await runSeed('000', withVersion());
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout).not.toContain('❌');
      expect(stdout).toContain(`Model id: ${model.modelId}\n`);
      await expectWorkingSessionToken(stdout, '✅ Model API session token:');
    });

    it('runs the earlier page (form bodies on both GETs, a stale Authorization header on login)', async () => {
      const { code, stdout, stderr } = await runSeed('001', withVersion());
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout).toContain(`Model id: ${model.modelId}\n`);
      await expectWorkingSessionToken(stdout, 'Model API session token:');
    });
  });

  it('fails the way the pages expect with a wrong password', async () => {
    const current = await runSeed('000', { ...env, TESSERA_PASSWORD: 'wrong-password' });
    expect(current.code).toBe(1);
    expect(current.stdout).toMatch(/^Login Failed: 401 Client Error/m);
    const earlier = await runSeed('001', { ...env, TESSERA_PASSWORD: 'wrong-password' });
    expect(earlier.code).toBe(1);
    expect(earlier.stderr).toMatch(/ConnectionError: 401/);
  });

  it('reports 403 at the metadata step for a user without a grant, and 404 for an unknown model', async () => {
    const noGrant = await runSeed('000', { ...env, TESSERA_EMAIL: 'no-grant@tessera.test' });
    expect(noGrant.stdout).toMatch(/^❌ Connection or API Error: 403 Client Error/m);
    expect(noGrant.stdout).not.toContain('✅');
    const unknown = await runSeed('001', { ...env, MODEL_NAME: 'no-such-model' });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/ConnectionError: 404/);
  });
});
