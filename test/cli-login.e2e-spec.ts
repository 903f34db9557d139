import { execFile, spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, freshConfigHome, tessera, tesseraOk } from './support/cli';
import { TesseraProcess } from './support/tessera-process';
import { ADMIN_EMAIL, ADMIN_PASSWORD, jwtPayload } from './support/test-app';
import { ok, typedClient } from './support/typed-client';

// `tessera login` / `logout`, silent renewal of access tokens, an unreachable server and shell
// completion, with the built CLI as a subprocess against real servers (SQLite, or PostgreSQL with
// TEST_DATABASE_URL). The commands themselves: cli.e2e-spec.ts.

jest.setTimeout(180_000);

interface StoredLogins {
  current?: string;
  servers: Record<string, { email: string; refresh: string; access?: string }>;
}

const credentialsFile = (configHome: string) => join(configHome, 'tessera', 'credentials.json');
const stored = (configHome: string) => JSON.parse(readFileSync(credentialsFile(configHome), 'utf8')) as StoredLogins;

describe('tessera login and logout', () => {
  let server: TesseraProcess;

  beforeAll(async () => {
    server = await TesseraProcess.start();
  });
  afterAll(() => server?.close());

  const login = (configHome: string, extra: Record<string, string> = {}) =>
    tessera(['login', '--url', server.url, '--email', ADMIN_EMAIL, '--password-stdin'], { XDG_CONFIG_HOME: configHome, ...extra }, `${ADMIN_PASSWORD}\n`);

  it('--password-stdin stores the refresh token readable by the user only; later commands need no --url or --token', async () => {
    const configHome = freshConfigHome();
    const run = await login(configHome);
    expect(run).toEqual({ code: 0, stdout: `logged in to ${server.url} as ${ADMIN_EMAIL}\n`, stderr: '' });
    expect(statSync(join(configHome, 'tessera')).mode & 0o777).toBe(0o700);
    expect(statSync(credentialsFile(configHome)).mode & 0o777).toBe(0o600);
    const { current, servers } = stored(configHome);
    expect(current).toBe(server.url);
    expect(servers[server.url].email).toBe(ADMIN_EMAIL);
    expect(jwtPayload(servers[server.url].refresh)).toMatchObject({ token_type: 'refresh' });
    expect(readFileSync(credentialsFile(configHome), 'utf8')).not.toContain(ADMIN_PASSWORD);

    const created = JSON.parse(await tesseraOk(['projects', 'create', '--name', 'by-login', '--output', 'json'], { XDG_CONFIG_HOME: configHome }));
    const admin = typedClient({ baseUrl: server.url }, servers[server.url].access);
    expect(ok(await admin.GET('/v1/projects')).items).toContainEqual(created);
    // The access token is still valid for a long while, so it was used again, not renewed.
    expect(stored(configHome).servers[server.url].access).toBe(servers[server.url].access);
  });

  it('prompts for email and password on a terminal and does not echo the password', async () => {
    const configHome = freshConfigHome();
    const session = await onTerminal(`${process.execPath} ${CLI} login --url ${server.url}`, { XDG_CONFIG_HOME: configHome }, [
      ['Email: ', ADMIN_EMAIL],
      ['Password: ', ADMIN_PASSWORD],
    ]);
    expect(session.code).toBe(0);
    expect(session.output).toContain(`Email: ${ADMIN_EMAIL}`); // the terminal echoes what is typed ...
    expect(session.output).toContain(`logged in to ${server.url} as ${ADMIN_EMAIL}`);
    expect(session.output).not.toContain(ADMIN_PASSWORD); // ... except the password
    expect(stored(configHome).servers[server.url].email).toBe(ADMIN_EMAIL);
  });

  it('a wrong password exits 1 with the API message and stores nothing; a piped password needs --password-stdin', async () => {
    const configHome = freshConfigHome();
    const wrong = await tessera(
      ['login', '--url', server.url, '--email', ADMIN_EMAIL, '--password-stdin'],
      { XDG_CONFIG_HOME: configHome },
      'wrong-password-7c1\n',
    );
    const direct = await typedClient({ baseUrl: server.url }).POST('/console/api/auth', { body: { email: ADMIN_EMAIL, password: 'wrong-password-7c1' } });
    expect(direct.response.status).toBe(401);
    expect(wrong).toEqual({ code: 1, stdout: '', stderr: `tessera: ${(direct.error as { detail: string }).detail} (HTTP 401)\n` });
    expect(() => statSync(credentialsFile(configHome))).toThrow();

    const piped = await tessera(['login', '--url', server.url, '--email', ADMIN_EMAIL], { XDG_CONFIG_HOME: configHome }, `${ADMIN_PASSWORD}\n`);
    expect(piped).toEqual({ code: 2, stdout: '', stderr: 'tessera: stdin is not a terminal: pipe the password with --password-stdin\n' });
    const noEmail = await tessera(['login', '--url', server.url, '--password-stdin'], { XDG_CONFIG_HOME: configHome }, `${ADMIN_PASSWORD}\n`);
    expect(noEmail.code).toBe(2);
    expect((await tessera(['login', '--email', ADMIN_EMAIL, '--password-stdin'], { XDG_CONFIG_HOME: configHome }, `${ADMIN_PASSWORD}\n`)).code).toBe(2);
  });

  it('logout revokes the refresh token at the server and forgets it', async () => {
    const configHome = freshConfigHome();
    expect((await login(configHome)).code).toBe(0);
    const { refresh } = stored(configHome).servers[server.url];
    expect((await typedClient({ baseUrl: server.url }).POST('/console/api/auth/refresh', { body: { refresh } })).response.status).toBe(200);

    expect(await tesseraOk(['logout'], { XDG_CONFIG_HOME: configHome })).toBe(`logged out of ${server.url}\n`);
    expect((await typedClient({ baseUrl: server.url }).POST('/console/api/auth/refresh', { body: { refresh } })).response.status).toBe(401);
    expect(stored(configHome)).toEqual({ servers: {} });
    const after = await tessera(['projects', 'list', '--url', server.url], { XDG_CONFIG_HOME: configHome });
    expect(after.code).toBe(2);
    expect(after.stderr).toContain(`not logged in to ${server.url}`);
    expect((await tessera(['logout', '--url', server.url], { XDG_CONFIG_HOME: configHome })).code).toBe(2);
  });
});

describe('tessera with short-lived access tokens, then with the server down', () => {
  let server: TesseraProcess;

  beforeAll(async () => {
    // Access tokens shorter than the CLI's renewal margin, so every command renews; with rotation
    // on, each renewal also replaces the refresh token.
    server = await TesseraProcess.start({ TESSERA_ACCESS_TOKEN_TTL: '30s', TESSERA_REFRESH_ROTATION: 'true' });
  });
  afterAll(() => server?.close());

  it('renews the access token silently with the stored refresh token, then exits 3 once the server is gone', async () => {
    const configHome = freshConfigHome();
    const env = { XDG_CONFIG_HOME: configHome };
    expect((await tessera(['login', '--url', server.url, '--email', ADMIN_EMAIL, '--password-stdin'], env, `${ADMIN_PASSWORD}\n`)).code).toBe(0);
    const before = stored(configHome).servers[server.url];

    const run = await tessera(['projects', 'create', '--name', 'renewed', '--output', 'json'], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const after = stored(configHome).servers[server.url];
    expect(after.access).not.toBe(before.access);
    expect(jwtPayload(after.access!)).toMatchObject({ token_type: 'access' });
    expect(after.refresh).not.toBe(before.refresh);
    expect(statSync(credentialsFile(configHome)).mode & 0o777).toBe(0o600);
    // The renewed pair works again (the rotated-out refresh token would revoke the whole family).
    expect(JSON.parse(await tesseraOk(['projects', 'list', '--output', 'json'], env)).items.map((project: { name: string }) => project.name)).toContain(
      'renewed',
    );

    const url = server.url;
    await server.stop();
    for (const args of [
      ['projects', 'list'],
      ['projects', 'list', '--token', 'some-token'],
      ['verify', '00000000-0000-4000-8000-000000000000', '--token', 'some-token'],
      ['logout'],
    ]) {
      const down = await tessera(args, env);
      expect({ args, ...down }).toEqual({ args, code: 3, stdout: '', stderr: `tessera: cannot reach Tessera at ${url}: ECONNREFUSED\n` });
    }
    // Logout could not revoke it, so the login is kept for another try.
    expect(stored(configHome).servers[url]).toBeDefined();
  });
});

describe('tessera completion', () => {
  it('bash: completes commands, subcommands, options and option values', async () => {
    const script = await tesseraOk(['completion', 'bash']);
    const complete = async (...words: string[]) => {
      const line = `${script}\nCOMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _tessera; echo "\${COMPREPLY[*]}"`;
      return (await bash(line)).trim().split(' ');
    };
    expect(await complete('tessera', '')).toEqual(expect.arrayContaining(['login', 'projects', 'tokens', 'access-tokens', 'verify', 'completion']));
    expect(await complete('tessera', 'tok')).toEqual(['tokens']);
    expect(await complete('tessera', 'tokens', '')).toEqual(['list', 'create', 'get', 'update', 'rotate', 'delete', '--help', '-h']);
    expect(await complete('tessera', 'tokens', 'create', '--id')).toEqual(['--idempotency-key']);
    expect(await complete('tessera', 'tokens', 'create', '--output', '')).toEqual(['table', 'json', 'secret']);
    expect(await complete('tessera', 'projects', 'list', '-o', '')).toEqual(['table', 'json']);
  });

  it('zsh: a #compdef script with the same tree', async () => {
    const script = await tesseraOk(['completion', 'zsh']);
    expect(script.startsWith('#compdef tessera\n')).toBe(true);
    expect(script).toContain("'tokens:an instance'\\''s tokens");
    expect(script).toMatch(/"\/tokens\/create"\) compadd -- --url --token --output -o .*--idempotency-key/);
    expect(script).toContain('"/tokens/create --output"|"/tokens/create -o") compadd -- table json secret; return ;;');
    expect((await tessera(['completion', 'fish'])).code).toBe(2);
  });
});

/** Runs `command` on a pseudo-terminal (util-linux `script`), typing each answer once its prompt appears. */
function onTerminal(
  command: string,
  env: Record<string, string>,
  dialogue: [prompt: string, answer: string][],
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], { env: { PATH: process.env.PATH ?? '', TERM: 'dumb', ...env } });
    let output = '';
    let answered = 0;
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const next = dialogue[answered];
      if (next && output.endsWith(next[0])) {
        answered += 1;
        child.stdin.write(`${next[1]}\r`);
      }
    });
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

function bash(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['--norc', '--noprofile', '-c', script], { env: { PATH: process.env.PATH ?? '' } }, (error, stdout, stderr) =>
      error ? reject(new Error(`bash failed: ${stderr}`)) : resolve(stdout),
    );
  });
}
