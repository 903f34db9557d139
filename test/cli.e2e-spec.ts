import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TesseraClient } from '../clients/typescript';
import { binDirectory, freshConfigHome, tessera, tesseraOk } from './support/cli';
import { ROOT, TesseraProcess } from './support/tessera-process';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './support/test-app';
import { forwardAuth, ok, typedClient } from './support/typed-client';

// The built `tessera` command as a subprocess against a real server (SQLite, or PostgreSQL with
// TEST_DATABASE_URL): what each command sends, prints and exits with. The API's own answers, to
// compare with, come through the generated client, whose responses are checked against the
// OpenAPI document. Logins, renewal, an unreachable server and completion: cli-login.e2e-spec.ts.

jest.setTimeout(180_000);

describe('tessera CLI commands', () => {
  let server: TesseraProcess;
  let api: TesseraClient;
  let admin: string;
  let env: Record<string, string>;
  let projectId: string;
  let instanceId: string;

  const json = async (args: string[], as = env) => JSON.parse(await tesseraOk([...args, '--output', 'json'], as)) as Record<string, any>;
  const tokensPath = () => ({ projectId, regionId: 'eu01', instanceId });
  const scope = () => ['--project', projectId, '--instance', instanceId];

  beforeAll(async () => {
    server = await TesseraProcess.start();
    admin = ok(await typedClient({ baseUrl: server.url }).POST('/console/api/auth', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } })).access;
    api = typedClient({ baseUrl: server.url }, admin);
    env = { TESSERA_URL: server.url, TESSERA_TOKEN: admin, XDG_CONFIG_HOME: freshConfigHome() };
    projectId = ok(await api.POST('/v1/projects', { body: { name: 'cli' } })).id;
    instanceId = ok(
      await api.POST('/v1/projects/{projectId}/regions/{regionId}/instances', { params: { path: { projectId, regionId: 'eu01' } }, body: { name: 'cli' } }),
    ).instance.id;
  });
  afterAll(() => server?.close());

  it('has help with examples, and usage errors exit 2 without calling the API', async () => {
    const help = await tessera(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('Exit codes: 0 success, 1 refused by the API');
    for (const command of [
      'login',
      'logout',
      'projects',
      'instances',
      'tokens',
      'service-accounts',
      'access-tokens',
      'models',
      'model-token',
      'audit',
      'verify',
      'completion',
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    const createHelp = await tessera(['tokens', 'create', '--help']);
    expect(createHelp.code).toBe(0);
    expect(createHelp.stdout).toContain('export MLFLOW_TRACKING_TOKEN=$(tessera tokens create');

    const usage = [
      ['projects', 'list', '--bogus'],
      ['projects', 'list', '--output', 'secret'], // lists create no secret
      ['tokens', 'create', '--project', projectId, '--instance', instanceId, '--name', 'x', '--label', 'no-equals-sign'],
      ['tokens', 'update', 'some-id', '--project', projectId, '--instance', instanceId], // nothing to change
      ['models', 'get', 'not-a-number'],
      ['tokens', 'list', '--project', projectId], // no --instance
      ['nonsense'],
    ];
    for (const args of usage) {
      const run = await tessera(args, env);
      expect({ args, code: run.code, stdout: run.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(run.stderr).not.toBe('');
    }
    expect((await tessera(['projects', 'list'], { XDG_CONFIG_HOME: env.XDG_CONFIG_HOME })).stderr).toContain('no server: pass --url');
    expect((await tessera(['projects', 'list', '--url', server.url], { XDG_CONFIG_HOME: env.XDG_CONFIG_HOME })).stderr).toContain('not logged in');
    expect((await tessera(['projects', 'list', '--url', 'ftp://example.com'], env)).code).toBe(2);
    // Nothing reached the server: the instance has no tokens.
    expect(ok(await api.GET('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens', { params: { path: tokensPath() } })).tokens).toEqual(
      [],
    );
  });

  it('projects create and list print the API JSON with --output json and a table by default', async () => {
    const created = await json(['projects', 'create', '--name', 'from-cli']);
    const listed = ok(await api.GET('/v1/projects'));
    expect(listed.items).toContainEqual(created);
    expect(await json(['projects', 'list'])).toEqual(listed);

    const table = await tesseraOk(['projects', 'list'], env);
    expect(table.split('\n')[0]).toMatch(/^ID\s+NAME\s+CREATED$/);
    expect(table).toMatch(new RegExp(`^${created.id}\\s+from-cli\\s`, 'm'));
    expect(await tesseraOk(['projects', 'create', '--name', 'as-table'], env)).toMatch(/^NAME\s+as-table$/m);
  });

  it('instances create (idempotent with a key), list and delete', async () => {
    const args = [
      'instances',
      'create',
      '--project',
      projectId,
      '--name',
      'tracking',
      '--description',
      'for the CLI',
      '--label',
      'team=ml',
      '--idempotency-key',
      'instance-1',
    ];
    const first = await json(args);
    expect(first.instance).toMatchObject({ name: 'tracking', description: 'for the CLI', labels: { team: 'ml' }, region: 'eu01' });
    expect(await json(args)).toEqual(first);

    const listed = ok(await api.GET('/v1/projects/{projectId}/regions/{regionId}/instances', { params: { path: { projectId, regionId: 'eu01' } } }));
    expect(listed.instances.filter((instance) => instance.name === 'tracking')).toHaveLength(1);
    expect(await json(['instances', 'list', '--project', projectId])).toEqual(listed);
    expect(await tesseraOk(['instances', 'list', '--project', projectId, '--region', 'eu01'], env)).toContain('team=ml');

    const unknownRegion = await tessera(['instances', 'list', '--project', projectId, '--region', 'mars01'], env);
    expect(unknownRegion.code).toBe(1);
    expect(unknownRegion.stderr).toBe('tessera: regionId: unknown region "mars01"; this service serves eu01 (HTTP 400)\n');

    expect(await tesseraOk(['instances', 'delete', first.instance.id, '--project', projectId], env)).toBe(`deleted instance ${first.instance.id}\n`);
    const gone = await api.GET('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}', {
      params: { path: { projectId, regionId: 'eu01', instanceId: first.instance.id } },
    });
    expect(gone.response.status).toBe(404);
  });

  it('tokens: create twice with one idempotency key gives one secret that forward-auth accepts; get, update, list, delete', async () => {
    const create = [
      'tokens',
      'create',
      ...scope(),
      '--name',
      'ci',
      '--description',
      'pipeline 42',
      '--ttl',
      '30d',
      '--label',
      'team=ml',
      '--idempotency-key',
      'pipeline-42',
    ];
    const secret = (await tesseraOk([...create, '--output', 'secret'], env)).trimEnd();
    expect((await tesseraOk([...create, '--output', 'secret'], env)).trimEnd()).toBe(secret);
    expect(await tesseraOk([...create, '--output', 'secret'], env)).toBe(`${secret}\n`); // the secret and a newline, nothing else

    const replay = await json(create);
    expect(replay.token.content).toBe(secret);
    const tokenId: string = replay.token.id;

    // The default table leaves the secret out and says how to get it.
    const table = await tessera(create, env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^ID\\s+${tokenId}$`, 'm'));
    expect(table.stdout).toMatch(/^LABELS\s+team=ml$/m);
    expect(table.stdout + table.stderr).not.toContain(secret);
    expect(table.stderr).toContain('--output secret');

    const path = { ...tokensPath(), tokenId };
    const fetched = ok(await api.GET('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens/{tokenId}', { params: { path } }));
    expect(await json(['tokens', 'get', tokenId, ...scope()])).toEqual(fetched);
    expect(await tesseraOk(['tokens', 'get', tokenId, ...scope()], env)).toMatch(/^DESCRIPTION\s+pipeline 42$/m);

    const updated = await json(['tokens', 'update', tokenId, ...scope(), '--name', 'ci-renamed', '--label', 'team=platform', '--label', 'stage=prod']);
    expect(updated.token).toMatchObject({ id: tokenId, name: 'ci-renamed', labels: { team: 'platform', stage: 'prod' } });
    const listed = ok(await api.GET('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens', { params: { path: tokensPath() } }));
    expect(listed.tokens.map((token) => token.id)).toEqual([tokenId]);
    expect(await json(['tokens', 'list', ...scope()])).toEqual(listed);
    const listTable = await tesseraOk(['tokens', 'list', ...scope()], env);
    expect(listTable.split('\n')[0]).toMatch(/^ID\s+NAME\s+DESCRIPTION\s+LABELS\s+STATE\s+LAST USED\s+VALID UNTIL$/);
    expect(listTable).not.toContain(secret);

    // Used only now: a use sets lastUsedAt (asynchronously), which the comparisons above would race.
    expect((await forwardAuth({ baseUrl: server.url }, `/v1/auth/instances/${instanceId}/verify`, secret)).status).toBe(204);
    expect(await tesseraOk(['verify', instanceId, '--token', secret], env)).toContain('valid');

    // Rotated with no grace: the new secret opens the instance, the old one is refused at once;
    // a retry with the same key prints the same new secret.
    const rotate = ['tokens', 'rotate', tokenId, ...scope(), '--grace', '0', '--idempotency-key', 'rotate-42', '--output', 'secret'];
    const rotatedSecret = (await tesseraOk(rotate, env)).trimEnd();
    expect(rotatedSecret).not.toBe(secret);
    expect((await tesseraOk(rotate, env)).trimEnd()).toBe(rotatedSecret);
    expect((await forwardAuth({ baseUrl: server.url }, `/v1/auth/instances/${instanceId}/verify`, rotatedSecret)).status).toBe(204);
    expect((await forwardAuth({ baseUrl: server.url }, `/v1/auth/instances/${instanceId}/verify`, secret)).status).toBe(401);
    const rotatedId: string = (await json(['tokens', 'get', tokenId, ...scope()])).token.rotatedTo;
    expect((await json(['tokens', 'get', rotatedId, ...scope()])).token).toMatchObject({ name: 'ci-renamed', rotatedFrom: tokenId });
    const rotatedAgain = await tessera(['tokens', 'rotate', tokenId, ...scope()], env);
    expect(rotatedAgain.code).toBe(1);
    expect(rotatedAgain.stderr).toContain(`its successor is ${rotatedId}`);
    expect(rotatedAgain.stderr).toContain('(HTTP 409)');

    const deleted = await json(['tokens', 'delete', rotatedId, ...scope()]);
    expect(deleted.token.id).toBe(rotatedId);
    expect((await forwardAuth({ baseUrl: server.url }, `/v1/auth/instances/${instanceId}/verify`, rotatedSecret)).status).toBe(401);
    const refused = await tessera(['verify', instanceId, '--token', rotatedSecret], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^tessera: .+ \(HTTP 401\)\n$/);
    expect(refused.stderr).not.toContain(rotatedSecret);
    await tesseraOk(['tokens', 'delete', tokenId, ...scope()], env);
    const again = await tessera(['tokens', 'get', tokenId, ...scope()], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('(HTTP 404)');
  });

  it('tokens list takes the list filters as flags, pages with --cursor and follows every page with --all', async () => {
    const other = ok(
      await api.POST('/v1/projects/{projectId}/regions/{regionId}/instances', {
        params: { path: { projectId, regionId: 'eu01' } },
        body: { name: 'cli-filters' },
      }),
    ).instance.id;
    const path = { projectId, regionId: 'eu01', instanceId: other };
    const where = ['--project', projectId, '--instance', other];
    for (const [name, env_, ttlDuration] of [
      ['web-prod', 'prod', '30d'],
      ['web-dev', 'dev', '10d'],
      ['batch-prod', 'prod', '20d'],
    ]) {
      ok(
        await api.POST('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens', {
          params: { path },
          body: { name, labels: { env: env_ }, ttlDuration },
        }),
      );
    }
    const names = (list: Record<string, any>) => (list.tokens as Array<{ name: string }>).map((token) => token.name);

    const byExpiry = await json(['tokens', 'list', ...where, '--label-selector', 'env=prod', '--sort', 'validUntil:desc']);
    expect(byExpiry).toEqual(
      ok(
        await api.GET('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens', {
          params: { path, query: { labelSelector: 'env=prod', sort: 'validUntil:desc' } },
        }),
      ),
    );
    expect(names(byExpiry)).toEqual(['web-prod', 'batch-prod']);
    expect(
      names(await json(['tokens', 'list', ...where, '--state', 'active', '--state', 'inactive', '--never-used', '--expires-before', '2100-01-01T00:00:00Z'])),
    ).toEqual(['web-prod', 'web-dev', 'batch-prod']);

    const first = await json(['tokens', 'list', ...where, '--search', 'WEB', '--page-size', '1']);
    expect(names(first)).toEqual(['web-prod']);
    const second = await json(['tokens', 'list', ...where, '--search', 'WEB', '--page-size', '1', '--cursor', first.nextCursor]);
    expect(names(second)).toEqual(['web-dev']);
    const table = await tessera(['tokens', 'list', ...where, '--search', 'WEB', '--page-size', '1'], env);
    expect(table.stderr).toBe(`More tokens: --cursor ${first.nextCursor} (or --all)\n`);

    const every = await json(['tokens', 'list', ...where, '--search', 'web', '--page-size', '1', '--all']);
    expect(every).toEqual({ message: 'successfully fetched instance tokens', tokens: [...first.tokens, ...second.tokens] });

    const refused = await tessera(['tokens', 'list', ...where, '--state', 'bogus'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^tessera: state: .+\(HTTP 400\)\n$/);
  });

  it('a wrong token exits 1 with the API message on stderr and never echoes the token', async () => {
    const wrong = 'not-a-valid-access-token-4f1c';
    const direct = await typedClient({ baseUrl: server.url }, wrong).GET('/v1/projects');
    expect(direct.response.status).toBe(401);
    const message = (direct.error as { message: string }).message;
    for (const args of [
      ['projects', 'list', '--token', wrong],
      ['tokens', 'create', ...scope(), '--name', 'x', '--output', 'secret', '--token', wrong],
    ]) {
      const run = await tessera(args, env);
      expect(run).toEqual({ code: 1, stdout: '', stderr: `tessera: ${message} (HTTP 401)\n` });
    }
    const viaEnvironment = await tessera(['projects', 'list'], { ...env, TESSERA_TOKEN: wrong });
    expect(viaEnvironment.code).toBe(1);
    expect(viaEnvironment.stderr).not.toContain(wrong);
  });

  it('service accounts and their access tokens: a pipeline credential from creation to revocation', async () => {
    const account = await json(['service-accounts', 'create', '--project', projectId, '--name', 'ci', '--role', 'editor']);
    expect(account.email).toMatch(/^ci-.+@/);
    const accounts = ok(await api.GET('/v2/projects/{projectId}/service-accounts', { params: { path: { projectId } } }));
    expect(await json(['service-accounts', 'list', '--project', projectId])).toEqual(accounts);
    expect(await tesseraOk(['service-accounts', 'list', '--project', projectId], env)).toContain(account.email);

    const sa = ['--project', projectId, '--service-account', account.email];
    const saToken = (await tesseraOk(['access-tokens', 'create', ...sa, '--ttl-days', '7', '--output', 'secret'], env)).trimEnd();
    // A pipeline with only the service account's token, as its secret store would give it.
    const pipeline = { TESSERA_URL: server.url, TESSERA_TOKEN: saToken, XDG_CONFIG_HOME: freshConfigHome() };
    const created = await json(['tokens', 'create', ...scope(), '--name', 'from-sa'], pipeline);
    expect(created.token.name).toBe('from-sa');

    const tokens = ok(
      await api.GET('/v2/projects/{projectId}/service-accounts/{serviceAccountEmail}/access-tokens', {
        params: { path: { projectId, serviceAccountEmail: account.email } },
      }),
    );
    expect(tokens.items).toHaveLength(1);
    expect(await json(['access-tokens', 'list', ...sa])).toEqual(tokens);
    const tokenTable = await tesseraOk(['access-tokens', 'create', ...sa, '--ttl-days', '1'], env);
    expect(tokenTable).toMatch(/^VALID UNTIL\s+\S+$/m);

    // Rotated with an hour's grace: both tokens work, the old one names its successor.
    const rotated = await json(['access-tokens', 'rotate', tokens.items[0].id, ...sa, '--grace', '1h', '--ttl-days', '2']);
    expect(rotated).toMatchObject({ rotatedFrom: tokens.items[0].id, active: true });
    expect(await json(['tokens', 'list', ...scope()], { ...pipeline, TESSERA_TOKEN: rotated.token })).toBeDefined();
    expect(await json(['tokens', 'list', ...scope()], pipeline)).toBeDefined();
    expect((await json(['access-tokens', 'list', ...sa])).items).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: tokens.items[0].id, rotatedTo: rotated.id })]),
    );

    expect(await tesseraOk(['access-tokens', 'revoke', tokens.items[0].id, ...sa], env)).toBe(`revoked access token ${tokens.items[0].id}\n`);
    const revoked = await tessera(['tokens', 'list', ...scope()], pipeline);
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toContain('(HTTP 401)');
    expect(revoked.stderr).not.toContain(saToken);
    await tesseraOk(['tokens', 'delete', created.token.id, ...scope()], env);

    expect(await tesseraOk(['service-accounts', 'delete', account.email, '--project', projectId], env)).toBe(`deleted service account ${account.email}\n`);
    expect(ok(await api.GET('/v2/projects/{projectId}/service-accounts', { params: { path: { projectId } } })).items.map((item) => item.email)).not.toContain(
      account.email,
    );
  });

  it('models: create, list, get, a model session token that the model gateway accepts, delete', async () => {
    ok(await api.POST('/console/api/modelhost/model-prefixes', { body: { key: 'practicus', prefix: 'models/practicus' } }));
    const model = await json(['models', 'create', '--prefix-key', 'practicus', '--name', 'diamond-price', '--description', 'from the CLI']);
    expect(model).toMatchObject({ name: 'diamond-price', prefix_key: 'practicus', description: 'from the CLI' });
    const listed = ok(await api.GET('/console/api/modelhost/models', { params: { query: { prefix_key: 'practicus' } } }));
    expect(await json(['models', 'list', '--prefix-key', 'practicus'])).toEqual(listed);
    expect(await json(['models', 'list', '--name', 'no-such-model'])).toEqual([]);
    expect(await json(['models', 'get', String(model.model_id)])).toEqual(
      ok(await api.GET('/console/api/modelhost/models/{modelId}', { params: { path: { modelId: model.model_id } } })),
    );
    expect(await tesseraOk(['models', 'list'], env)).toMatch(new RegExp(`^${model.model_id}\\s+diamond-price\\s+models/practicus\\s`, 'm'));

    const session = (await tesseraOk(['model-token', String(model.model_id), '--output', 'secret'], env)).trimEnd();
    expect((await forwardAuth({ baseUrl: server.url }, `/v1/auth/models/${model.model_id}/verify`, session)).status).toBe(204);
    const table = await tessera(['model-token', String(model.model_id)], env);
    expect(table.code).toBe(0);
    expect(table.stdout + table.stderr).not.toMatch(/eyJ/); // no JWT of any kind

    await tesseraOk(['models', 'delete', String(model.model_id)], env);
    expect((await forwardAuth({ baseUrl: server.url }, `/v1/auth/models/${model.model_id}/verify`, session)).status).toBe(401);
    const missing = await tessera(['models', 'get', String(model.model_id)], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('(HTTP 404)');
  });

  it('audit list: the API page as JSON, its filters, and a table', async () => {
    const page = ok(await api.GET('/v1/projects/{projectId}/audit-events', { params: { path: { projectId } } }));
    expect(page.events.length).toBeGreaterThan(0);
    expect(await json(['audit', 'list', '--project', projectId])).toEqual(page);
    const deletes = await json(['audit', 'list', '--project', projectId, '--action', 'instance-token.delete']);
    expect(deletes.events.length).toBeGreaterThan(0);
    expect(deletes.events.every((event: { action: string }) => event.action === 'instance-token.delete')).toBe(true);

    const first = await json(['audit', 'list', '--project', projectId, '--page-size', '1']);
    expect(first.events).toEqual([page.events[0]]);
    const second = await json(['audit', 'list', '--project', projectId, '--page-size', '1', '--cursor', first.nextCursor]);
    expect(second.events).toEqual([page.events[1]]);
    const table = await tessera(['audit', 'list', '--project', projectId, '--page-size', '1'], env);
    expect(table.stdout.split('\n')[0]).toMatch(/^TIME\s+ACTION\s+OUTCOME\s+ACTOR\s+RESOURCE\s+REQUEST$/);
    expect(table.stderr).toBe(`More events: --cursor ${first.nextCursor}\n`);
  });

  it("runs the README's pipeline snippet: a token for the job, checked at forward-auth, deleted afterwards", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Command line\n'), readme.indexOf('\n## Read next\n'));
    const script = /```sh\n([\s\S]*?)```/.exec(section)![1];
    expect(script).toContain('--output secret');
    const saEmail = ok(
      await api.POST('/v2/projects/{projectId}/service-accounts', { params: { path: { projectId } }, body: { name: 'pipeline', role: 'editor' } }),
    ).email;
    const saToken = ok(
      await api.POST('/v2/projects/{projectId}/service-accounts/{serviceAccountEmail}/access-tokens', {
        params: { path: { projectId, serviceAccountEmail: saEmail } },
        body: { ttlDays: 1 },
      }),
    ).token;

    const run = await bash(
      `set -euo pipefail\n${script.replaceAll('https://tessera.example.com', server.url)}\necho "MLFLOW_TRACKING_TOKEN=$MLFLOW_TRACKING_TOKEN"`,
      {
        PATH: `${binDirectory()}:${process.env.PATH ?? ''}`,
        XDG_CONFIG_HOME: freshConfigHome(),
        SERVICE_ACCOUNT_TOKEN: saToken,
        PROJECT: projectId,
        INSTANCE: instanceId,
        CI_PIPELINE_ID: '1234',
      },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const secret = /^MLFLOW_TRACKING_TOKEN=(.+)$/m.exec(run.stdout)![1];
    expect(run.stdout).toContain(`valid: a gateway in front of instance ${instanceId} passes this token`);
    expect(run.stdout).toMatch(/^deleted token /m);
    // Deleted at the end of the job: the gateway refuses it, and no ci-1234 token is left.
    expect((await forwardAuth({ baseUrl: server.url }, `/v1/auth/instances/${instanceId}/verify`, secret)).status).toBe(401);
    const left = ok(await api.GET('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens', { params: { path: tokensPath() } }));
    expect(left.tokens.map((token) => token.name)).not.toContain('ci-1234');
  });
});

function bash(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['--norc', '--noprofile', '-c', script], { env, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
