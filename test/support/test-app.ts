import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createApp } from '../../src/app.setup';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { checkAgainstDocument } from './contract';

export const ADMIN_EMAIL = 'admin@tessera.test';
export const ADMIN_PASSWORD = 'admin-password-for-tests';

export interface HttpResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string;
  json?: unknown;
  form?: Record<string, string | number>;
  raw?: string;
  headers?: Record<string, string>;
  /**
   * Why this request deliberately goes outside the OpenAPI document (an unknown path, a malformed
   * request); its response is then not checked against the document. Every other response is.
   */
  undocumented?: string;
}

/** HTTP to one Tessera: an in-process TestApp or a `node dist/main.js` replica. */
export abstract class TesseraClient {
  abstract readonly baseUrl: string;

  request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    return sendRequest<T>(this.baseUrl, method, path, options);
  }

  async login(email = ADMIN_EMAIL, password = ADMIN_PASSWORD): Promise<{ access: string; refresh: string }> {
    const response = await this.request('POST', '/console/api/auth/', { json: { email, password } });
    if (response.status !== 200) throw new Error(`login failed for ${email}: ${response.status} ${response.text}`);
    return response.body;
  }

  /** Creates a console user through the admin API and logs in as them. */
  async createUser(email: string, password = 'user-password-123'): Promise<{ id: string; email: string; access: string; refresh: string }> {
    const admin = await this.login();
    const created = await this.request('POST', '/console/api/users/', { token: admin.access, json: { email, password } });
    if (created.status !== 201) throw new Error(`creating ${email} failed: ${created.status} ${created.text}`);
    return { id: created.body.id, email, ...(await this.login(email, password)) };
  }
}

/**
 * A real Tessera listening on a random loopback port, on a fresh SQLite file or, when
 * TEST_DATABASE_URL is set, on a fresh PostgreSQL database created for this test file.
 */
export class TestApp extends TesseraClient {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly config: AppConfig,
    readonly baseUrl: string,
    private readonly env: Record<string, string>,
    private readonly cleanup: () => Promise<void>,
  ) {
    super();
  }

  static async start(env: Record<string, string> = {}): Promise<TestApp> {
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-test-'));
    const database = await freshDatabase(dataDir);
    return TestApp.launch({ TESSERA_DATA_DIR: dataDir, DATABASE_URL: database.url, ...env }, async () => {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });
  }

  /**
   * A second Tessera in this process on this one's database and data directory (hence its signing
   * key), as another replica runs, with `env` changing its configuration. Close it before this app,
   * which owns both.
   */
  startReplica(env: Record<string, string> = {}): Promise<TestApp> {
    return TestApp.launch({ ...this.env, ...env }, async () => undefined);
  }

  private static async launch(env: Record<string, string>, release: () => Promise<void>): Promise<TestApp> {
    const config = loadConfig({
      TESSERA_ADMIN_EMAIL: ADMIN_EMAIL,
      TESSERA_ADMIN_PASSWORD: ADMIN_PASSWORD,
      TESSERA_LOG_LEVEL: 'silent',
      ...env,
    });
    const app = await createApp(config);
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    return new TestApp(app, config, `http://127.0.0.1:${address.port}`, env, async () => {
      await app.close();
      await release();
    });
  }

  close(): Promise<void> {
    return this.cleanup();
  }
}

export const usingPostgres = () => Boolean(process.env.TEST_DATABASE_URL);

/** The headers and body that `options` describe: JSON, form or raw, with the bearer token. */
export function encodeRequest(options: RequestOptions): { headers: Record<string, string>; body: string | undefined } {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined = options.raw;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    body = new URLSearchParams(Object.entries(options.form).map(([k, v]): [string, string] => [k, String(v)])).toString();
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return { headers, body };
}

/** A response body as JSON when it is JSON, else the text. */
export function parseBody(text: string): any {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

async function sendRequest<T = any>(baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
  const { headers, body } = encodeRequest(options);
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  const received = { status: response.status, header: (name: string) => response.headers.get(name) ?? undefined, text };
  await checkAgainstDocument(baseUrl, method, path, received, options.undocumented);
  return { status: response.status, headers: response.headers, body: parseBody(text) as T, text };
}

/** A fresh PostgreSQL database when TEST_DATABASE_URL is set, else a SQLite file in `dataDir`. */
export async function freshDatabase(dataDir: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) return { url: `file:${join(dataDir, 'tessera.db')}`, drop: async () => undefined };
  const name = `tessera_test_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Decodes a JWT's payload without verifying it (tests inspect claims). */
export function jwtPayload(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}
export function jwtHeader(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));
}
