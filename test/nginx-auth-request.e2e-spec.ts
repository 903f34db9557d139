import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, request as httpRequest, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenVerifier } from '../src/instances/verification/token-verifier.service';
import { Caller, givenInstance, givenProject, givenToken, Instance, Project } from './support/fixtures';
import { Client } from 'pg';
import { TestApp, usingPostgres } from './support/test-app';

/** The nginx binary, installed from Debian packages when missing: the test fails if that is impossible. */
function ensureNginx(): string {
  const find = () => ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx'].find((path) => existsSync(path));
  let nginx = find();
  if (nginx) return nginx;
  const install = (pkg: string) => {
    try {
      execFileSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], { stdio: 'pipe', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      return true;
    } catch {
      return false;
    }
  };
  if (!install('nginx-light') && !install('nginx')) {
    execFileSync('apt-get', ['update'], { stdio: 'pipe' });
    if (!install('nginx-light')) install('nginx');
  }
  nginx = find();
  if (!nginx) throw new Error('nginx is not installed and apt-get could not install nginx-light or nginx');
  return nginx;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

/** Replaces exactly one occurrence, so the test notices when the documented config changes shape. */
function replaceOnce(text: string, pattern: RegExp, replacement: string): string {
  const matches = text.match(new RegExp(pattern.source, 'g')) ?? [];
  if (matches.length !== 1) throw new Error(`docs/nginx-auth-request.conf: expected one match of ${pattern}, found ${matches.length}`);
  return text.replace(pattern, replacement);
}

describe('nginx auth_request in front of an MLflow-like upstream (docs/nginx-auth-request.conf)', () => {
  let app: TestApp;
  let upstream: Server;
  let nginx: ChildProcess;
  let nginxLog = '';
  let dir: string;
  let base: string;
  const seen: { method: string; url: string; body: string; headers: IncomingMessage['headers'] }[] = [];

  let owner: Caller;
  let project: Project;
  let tracking: Instance;

  beforeAll(async () => {
    const binary = ensureNginx();
    // nginx reaches Tessera from 127.0.0.1, as the documented deployment lists nginx's address.
    app = await TestApp.start({ TESSERA_TRUSTED_PROXIES: '127.0.0.1/32' });
    owner = await app.createUser('owner@tessera.test');
    project = await givenProject(app, owner);
    tracking = await givenInstance(app, project);

    upstream = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        seen.push({ method: request.method!, url: request.url!, body, headers: request.headers });
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ upstream: 'mlflow', path: request.url }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamPort = (upstream.address() as AddressInfo).port;
    const tesseraPort = Number(new URL(app.baseUrl).port);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;

    dir = mkdtempSync(join(tmpdir(), 'tessera-nginx-'));
    chmodSync(dir, 0o755); // nginx workers may run as another user
    for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub), { mode: 0o777 });
    let site = readFileSync(join(__dirname, '..', 'docs', 'nginx-auth-request.conf'), 'utf8');
    site = replaceOnce(site, /server 127\.0\.0\.1:8080;/, `server 127.0.0.1:${tesseraPort};`);
    site = replaceOnce(site, /server 127\.0\.0\.1:5000;/, `server 127.0.0.1:${upstreamPort};`);
    site = replaceOnce(site, /listen 80;/, `listen 127.0.0.1:${port};`);
    site = replaceOnce(site, /set \$tessera_instance_id [0-9a-f-]+;/, `set $tessera_instance_id ${tracking.id};`);
    writeFileSync(join(dir, 'site.conf'), site);
    writeFileSync(
      join(dir, 'nginx.conf'),
      `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 128; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/site.conf;
}
`,
    );
    nginx = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stdout!.on('data', (chunk) => (nginxLog += chunk));
    nginx.stderr!.on('data', (chunk) => (nginxLog += chunk));
    for (let attempt = 0; ; attempt++) {
      if (nginx.exitCode !== null) throw new Error(`nginx exited (${nginx.exitCode}): ${nginxLog}`);
      try {
        await fetch(`${base}/health`);
        break;
      } catch {
        if (attempt > 100) throw new Error(`nginx did not start listening: ${nginxLog}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }, 300_000);

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGQUIT');
      await exited;
    }
    await new Promise((resolve) => (upstream ? upstream.close(resolve) : resolve(undefined)));
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const mlflow = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, init);

  it('answers 401 without a token, with the WWW-Authenticate challenge, and never reaches MLflow', async () => {
    const before = seen.length;
    const response = await mlflow('/api/2.0/mlflow/experiments/search?max_results=10');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Bearer realm="tessera"');
    expect(seen.length).toBe(before);
    expect((await mlflow('/health')).status).toBe(200);
  });

  it('lets a valid token reach the upstream (Bearer and Basic), without forwarding the secret', async () => {
    const token = await givenToken(app, tracking);
    const response = await mlflow('/api/2.0/mlflow/experiments/search?max_results=10', { headers: { authorization: `Bearer ${token.content}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ upstream: 'mlflow', path: '/api/2.0/mlflow/experiments/search?max_results=10' });
    const request = seen[seen.length - 1];
    expect(request.headers['x-tessera-token-id']).toBe(token.id);
    expect(request.headers.authorization).toBeUndefined();

    const body = JSON.stringify({ run_id: 'r1', key: 'loss', value: 0.5, timestamp: 1, step: 0 });
    const posted = await mlflow('/api/2.0/mlflow/runs/log-metric', {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`user:${token.content}`).toString('base64')}`, 'content-type': 'application/json' },
      body,
    });
    expect(posted.status).toBe(200);
    expect(seen[seen.length - 1]).toMatchObject({ method: 'POST', url: '/api/2.0/mlflow/runs/log-metric', body });
  });

  it("records the client's address that nginx forwards, not nginx's, nor what the client claims", async () => {
    const token = await givenToken(app, tracking);
    // The client connects to nginx from 127.0.0.2 (nginx itself talks to Tessera from 127.0.0.1)
    // and claims to be 198.51.100.1.
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL('/api/2.0/mlflow/experiments/search', base);
      const sent = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          localAddress: '127.0.0.2',
          headers: { authorization: `Bearer ${token.content}`, 'x-forwarded-for': '198.51.100.1' },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode!));
        },
      );
      sent.on('error', reject);
      sent.end();
    });
    expect(status).toBe(200);
    await app.app.get(TokenVerifier).flushUses();
    const metadata = await app.request('GET', token.path, { token: owner.access });
    expect(metadata.body.token.lastUsedIps).toEqual([{ ip: '127.0.0.2', lastUsedAt: expect.any(String) }]);
  });

  it('refuses a valid token of another instance and a deleted token right after its DELETE', async () => {
    const other = await givenInstance(app, project, { name: 'other' });
    const foreign = await givenToken(app, other);
    const before = seen.length;
    expect((await mlflow('/api/2.0/mlflow/experiments/list', { headers: { authorization: `Bearer ${foreign.content}` } })).status).toBe(401);

    const token = await givenToken(app, tracking);
    const auth = { authorization: `Bearer ${token.content}` };
    expect((await mlflow('/ajax-api/2.0/mlflow/runs/search', { headers: auth })).status).toBe(200);
    expect(seen.length).toBe(before + 1);
    expect((await app.request('DELETE', `${tracking.tokensPath}/${token.id}`, { token: owner.access })).status).toBe(202);
    const denied = await mlflow('/ajax-api/2.0/mlflow/runs/search', { headers: auth });
    expect(denied.status).toBe(401);
    expect(seen.length).toBe(before + 1);
  });

  /** nginx's answer when Tessera cannot decide: 503 with Retry-After, never a denial, never a 500. */
  async function expectCannotDecide(auth: Record<string, string>) {
    const before = seen.length;
    const response = await mlflow('/api/2.0/mlflow/runs/search', { headers: auth });
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await response.json()).toEqual({ code: 503, message: expect.any(String), status: 'Service Unavailable' });
    expect(seen.length).toBe(before);
  }

  (usingPostgres() ? it : it.skip)('passes on 503 with Retry-After while Tessera cannot reach its database (PostgreSQL)', async () => {
    const token = await givenToken(app, tracking);
    const auth = { authorization: `Bearer ${token.content}` };
    expect((await mlflow('/api/2.0/mlflow/runs/search', { headers: auth })).status).toBe(200);
    const database = new URL(app.config.database.url).pathname.slice(1);
    const admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);
      // Tessera itself says 503 once its listener has noticed the lost connection (until then a
      // remembered grant may still answer 204, never 401 or 500); nginx must not turn it into a 500.
      const statuses: number[] = [];
      for (const deadline = Date.now() + 5_000; Date.now() < deadline && statuses.at(-1) !== 503;) {
        statuses.push((await app.request('GET', `/v1/auth/instances/${tracking.id}/verify`, { token: token.content })).status);
        if (statuses.at(-1) !== 503) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(statuses.at(-1)).toBe(503);
      expect(statuses.filter((status) => status !== 503 && status !== 204)).toEqual([]);
      await expectCannotDecide(auth);
    } finally {
      await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
      await admin.end();
    }
  });

  it('answers 503 with Retry-After, not 500, while Tessera is unreachable (last: it stops Tessera)', async () => {
    const token = await givenToken(app, tracking);
    await app.close();
    app = undefined as unknown as TestApp;
    await expectCannotDecide({ authorization: `Bearer ${token.content}` });
  });
});
