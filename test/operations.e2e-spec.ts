import BetterSqlite3 from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ADMIN_EMAIL, ADMIN_PASSWORD, freshDatabase, usingPostgres } from './support/test-app';
import { accepts, eventually, heldLogin } from './support/in-flight';
import { ROOT, runMain, TesseraProcess } from './support/tessera-process';

// These tests run the built production entry point (dist/main.js): `npm test` builds it first.

describe('configuration errors at start', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-config-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each(['eighty', '70000', '-1', '80.5'])('exits non-zero with a message naming PORT for PORT=%s', async (port) => {
    const { exited, output } = runMain({ PORT: port, TESSERA_DATA_DIR: dataDir, TESSERA_LOG_LEVEL: 'info' });
    const exit = await exited;
    expect(exit.signal).toBeNull();
    expect(exit.code).not.toBe(0);
    expect(output()).toContain(`PORT: expected an integer from 0 to 65535, got "${port}"`);
    expect(output()).not.toMatch(/listening on/);
  });

  it('names every bad variable at once', async () => {
    const { exited, output } = runMain({ PORT: 'x', TESSERA_LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://db/tessera', TESSERA_DATA_DIR: dataDir });
    expect((await exited).code).not.toBe(0);
    for (const name of ['PORT', 'TESSERA_LOG_LEVEL', 'DATABASE_URL']) expect(output()).toContain(`${name}:`);
  });
});

describe('graceful shutdown', () => {
  it('finishes an in-flight request on SIGTERM, stops accepting connections and exits 0', async () => {
    const tessera = await TesseraProcess.start();
    try {
      const port = Number(new URL(tessera.url).port);
      const { sendBody, response } = await heldLogin(port);

      tessera.child.kill('SIGTERM');
      // Shutdown is under way once the listener refuses new connections; only then send the body.
      await eventually(async () => !(await accepts(port)));
      sendBody();

      const result = await response;
      expect(result.status).toBe(200);
      expect(JSON.parse(result.text)).toEqual({ access: expect.any(String), refresh: expect.any(String) });
      expect(await tessera.exited).toEqual({ code: 0, signal: null });
    } finally {
      await tessera.close();
    }
  });
});

describe('logs', () => {
  it('are JSON lines with request ids and never contain passwords, tokens or Authorization headers', async () => {
    const tessera = await TesseraProcess.start({ TESSERA_LOG_LEVEL: 'info' });
    const call = async (method: string, path: string, options: { token?: string; json?: unknown; requestId?: string } = {}) => {
      const headers: Record<string, string> = {};
      if (options.json !== undefined) headers['content-type'] = 'application/json';
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.requestId) headers['x-request-id'] = options.requestId;
      const response = await fetch(`${tessera.url}${path}`, { method, headers, body: options.json === undefined ? undefined : JSON.stringify(options.json) });
      return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
    };
    const wrongPassword = 'wrong-password-canary-7731';
    const forgedToken = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJjYW5hcnkifQ.canary-signature-4451';
    const secrets: string[] = [];
    try {
      expect((await call('POST', '/console/api/auth/', { json: { email: ADMIN_EMAIL, password: wrongPassword } })).status).toBe(401);
      const login = await call('POST', '/console/api/auth/', { json: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
      expect(login.status).toBe(200);
      const { access, refresh } = login.body;
      expect((await call('GET', '/console/api/users/me', { token: access, requestId: 'log-test-me' })).status).toBe(200);
      expect((await call('POST', '/console/api/auth/refresh/', { token: refresh, json: { refresh } })).status).toBe(200);
      expect((await call('POST', '/console/api/auth/verify/', { json: { token: access } })).status).toBe(200);
      const project = await call('POST', '/v1/projects', { token: access, json: { name: 'logged' } });
      const account = await call('POST', `/v2/projects/${project.body.id}/service-accounts`, { token: access, json: { name: 'logger' } });
      const saToken = await call('POST', `/v2/projects/${project.body.id}/service-accounts/${account.body.email}/access-tokens`, {
        token: access,
        json: { ttlDays: 1 },
      });
      expect(saToken.status).toBe(201);
      expect((await call('GET', `/v1/projects?access_token=${saToken.body.token}`, { token: saToken.body.token })).status).toBe(200);
      expect((await call('GET', '/v1/projects', { token: forgedToken })).status).toBe(401);
      const newUser = await call('POST', '/console/api/users/', {
        token: access,
        json: { email: 'logged@tessera.test', password: 'new-user-password-canary' },
      });
      expect(newUser.status).toBe(201);
      const instances = `/v1/projects/${project.body.id}/regions/eu01/instances`;
      const instance = await call('POST', instances, { token: access, json: { name: 'logged' } });
      const tracking = await call('POST', `${instances}/${instance.body.instance.id}/tokens`, { token: access, json: { name: 'ci' } });
      const verify = `/v1/auth/instances/${instance.body.instance.id}/verify`;
      expect((await call('GET', verify, { token: tracking.body.token.content, requestId: 'log-test-verify-granted' })).status).toBe(204);
      expect((await call('GET', verify, { token: forgedToken, requestId: 'log-test-verify-denied' })).status).toBe(401);
      // A flood of junk tokens is logged within a budget, plus a count of the lines left out.
      const flood = await Promise.all(Array.from({ length: 60 }, () => call('GET', verify, { token: forgedToken })));
      expect(flood.map((response) => response.status)).toEqual(Array(60).fill(401));
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      secrets.push(ADMIN_PASSWORD, wrongPassword, 'new-user-password-canary', access, refresh, saToken.body.token, forgedToken, tracking.body.token.content);
      // Token signatures alone are secrets too (a log line could carry a truncated token).
      secrets.push(...[access, refresh, saToken.body.token].map((token: string) => token.split('.')[2]));
      expect(await tessera.stop()).toEqual({ code: 0, signal: null });
    } finally {
      await tessera.close();
    }

    const output = tessera.output();
    for (const secret of secrets) expect(output).not.toContain(secret);
    expect(output).not.toMatch(/authorization/i);
    expect(output).not.toMatch(/bearer/i);

    const lines = output.split('\n').filter((line) => line.trim());
    const entries = lines.map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        throw new Error(`log line is not JSON: ${line}`);
      }
    });
    // One logger: pino's shape on every line, Nest's application lines included.
    for (const entry of entries)
      expect(entry).toEqual(
        expect.objectContaining({ level: expect.stringMatching(/^(trace|debug|info|warn|error|fatal)$/), time: expect.any(Number), msg: expect.any(String) }),
      );
    expect(entries).toContainEqual(expect.objectContaining({ context: 'NestApplication', level: 'info' }));
    // The start line names the address actually bound.
    expect(entries).toContainEqual(expect.objectContaining({ msg: `listening on ${tessera.url} (${usingPostgres() ? 'postgresql' : 'sqlite'})` }));
    const requestLines = entries.filter((entry) => entry.msg === 'request');
    expect(requestLines.length).toBeGreaterThanOrEqual(10);
    expect(requestLines).toContainEqual(expect.objectContaining({ reqId: 'log-test-me', method: 'GET', path: '/console/api/users/me', status: 200 }));
    // Query strings are cut from logged paths: they may carry credentials.
    expect(requestLines).toContainEqual(expect.objectContaining({ method: 'GET', path: '/v1/projects', status: 200 }));
    // Granted forward-auth checks mirror the gateway's own access log: only denials are logged at info.
    expect(requestLines).toContainEqual(expect.objectContaining({ reqId: 'log-test-verify-denied', status: 401 }));
    expect(requestLines.filter((entry) => entry.reqId === 'log-test-verify-granted')).toEqual([]);
    const deniedLines = requestLines.filter((entry) => entry.status === 401 && entry.path.startsWith('/v1/auth/instances/'));
    const budgetLines = entries.filter((entry) => /denials not logged/.test(entry.msg));
    expect(budgetLines.length).toBeGreaterThanOrEqual(1);
    expect(deniedLines.length).toBeLessThan(61);
    expect(deniedLines.length + budgetLines.reduce((sum, entry) => sum + entry.suppressed, 0)).toBe(61);
  });
});

describe(`migrations and the stock Prisma CLI (${usingPostgres() ? 'PostgreSQL' : 'SQLite'})`, () => {
  const provider = usingPostgres() ? 'postgresql' : 'sqlite';
  const migrationNames = readdirSync(join(ROOT, 'prisma', provider, 'migrations'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  let target: { dataDir: string; url: string; drop: () => Promise<void> };

  beforeEach(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-migrate-'));
    const database = await freshDatabase(dataDir);
    target = { dataDir, url: database.url, drop: database.drop };
  });
  afterEach(async () => {
    await target.drop();
    rmSync(target.dataDir, { recursive: true, force: true });
  });

  /** Starts Tessera on the target database until it serves, then stops it; returns its output. */
  async function runTessera(): Promise<string> {
    const tessera = await TesseraProcess.start({}, target);
    try {
      expect(await tessera.stop()).toEqual({ code: 0, signal: null });
      return tessera.output();
    } finally {
      await tessera.close();
    }
  }

  it('leaves a database that `prisma migrate status` reports up to date', async () => {
    const before = await prisma(['migrate', 'status'], target.url);
    expect(before.code).not.toBe(0); // a fresh database has pending migrations
    expect(await runTessera()).toContain(`applied migrations: ${migrationNames.join(', ')}`);
    const after = await prisma(['migrate', 'status'], target.url);
    expect(after.output).toMatch(/Database schema is up to date/);
    expect(after.code).toBe(0);
  });

  it('starts with nothing to apply on a database migrated by `prisma migrate deploy`', async () => {
    const deploy = await prisma(['migrate', 'deploy'], target.url);
    expect(deploy.code).toBe(0);
    const rows = await migrationRows(target.url);
    expect(rows.map((row) => row.migration_name)).toEqual(migrationNames);
    expect(await runTessera()).not.toContain('applied migrations');
    expect(await migrationRows(target.url)).toEqual(rows);
  });

  it('applies later migrations to a database holding instance tokens without losing any', async () => {
    const [first, ...later] = migrationNames;
    const script = readFileSync(join(ROOT, 'prisma', provider, 'migrations', first, 'migration.sql'));
    // The first migration applied and recorded as `prisma migrate deploy` records it.
    await runScript(target.url, script.toString('utf8'));
    await runScript(
      target.url,
      `CREATE TABLE "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMP,
         "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMP, "started_at" TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
         "applied_steps_count" INTEGER NOT NULL DEFAULT 0);
       INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "applied_steps_count")
         VALUES ('first', '${createHash('sha256').update(script).digest('hex')}', CURRENT_TIMESTAMP, '${first}', 1);
       INSERT INTO "Project" ("id", "name", "updatedAt") VALUES ('p', 'kept', CURRENT_TIMESTAMP);
       INSERT INTO "Instance" ("id", "projectId", "region", "name", "state", "updatedAt") VALUES ('i', 'p', 'eu01', 'kept', 'active', CURRENT_TIMESTAMP);
       INSERT INTO "InstanceToken" ("id", "instanceId", "projectId", "region", "name", "tokenHash", "validUntil", "updatedAt")
         VALUES ('t', 'i', 'p', 'eu01', 'kept', 'hash', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);`,
    );
    expect(await runTessera()).toContain(`applied migrations: ${later.join(', ')}`);
    expect(await queryRows(target.url, 'SELECT "id" FROM "InstanceToken"')).toEqual([{ id: 't' }]);
  });

  it('refuses to start when an applied migration was edited (checksum mismatch)', async () => {
    await runTessera();
    await setChecksum(target.url, migrationNames[0], '0'.repeat(64));
    const { exited, output } = runMain({ HOST: '127.0.0.1', PORT: '0', TESSERA_DATA_DIR: target.dataDir, DATABASE_URL: target.url, TESSERA_LOG_LEVEL: 'info' });
    const exit = await exited;
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(output()).toContain(`Migration ${migrationNames[0]} was edited after it was applied (checksum mismatch)`);
    expect(output()).not.toMatch(/listening on/);
  });
});

function prisma(args: string[], databaseUrl: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      join(ROOT, 'node_modules', '.bin', 'prisma'),
      args,
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: '1' }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

interface MigrationRow {
  id: string;
  migration_name: string;
  checksum: string;
  finished_at: unknown;
}

const migrationRows = async (url: string) =>
  (await queryRows(url, 'SELECT id, migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name')) as unknown as MigrationRow[];

/** Opens the database behind `url` (a SQLite file or PostgreSQL), runs the matching `work`, closes it. */
async function withDatabase<T>(url: string, onSqlite: (db: BetterSqlite3.Database) => T, onPostgres: (client: Client) => Promise<T>): Promise<T> {
  if (url.startsWith('file:')) {
    const db = new BetterSqlite3(url.slice('file:'.length));
    try {
      return onSqlite(db);
    } finally {
      db.close();
    }
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await onPostgres(client);
  } finally {
    await client.end();
  }
}

/** Runs statements separated by semicolons, as a migration does. */
const runScript = (url: string, script: string) =>
  withDatabase(
    url,
    (db) => void db.exec(script),
    async (client) => void (await client.query(script)),
  );

const queryRows = (url: string, sql: string) =>
  withDatabase(
    url,
    (db) => db.prepare(sql).all() as Record<string, unknown>[],
    async (client) => (await client.query(sql)).rows as Record<string, unknown>[],
  );

const setChecksum = (url: string, name: string, checksum: string) =>
  withDatabase(
    url,
    (db) => void db.prepare('UPDATE _prisma_migrations SET checksum = ? WHERE migration_name = ?').run(checksum, name),
    async (client) => void (await client.query('UPDATE _prisma_migrations SET checksum = $1 WHERE migration_name = $2', [checksum, name])),
  );
