import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_EMAIL, ADMIN_PASSWORD, freshDatabase, TesseraClient, usingPostgres } from './test-app';

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');
const START_TIMEOUT_MS = 30_000;

/** One `node dist/main.js` process: the production entry point, as a replica runs it. */
export class Replica extends TesseraClient {
  constructor(
    readonly baseUrl: string,
    private readonly child: ChildProcess,
    private readonly output: () => string,
  ) {
    super();
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The process has not exited (and the OS still knows its PID). */
  get running(): boolean {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return false;
    try {
      process.kill(this.child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** What the process printed, for failure messages. */
  get log(): string {
    return this.output();
  }
}

/**
 * `count` replicas sharing one database (a fresh PostgreSQL database when TEST_DATABASE_URL is set,
 * else one SQLite file, for one replica only) and one data directory, hence one signing key. Needs
 * `npm run build`.
 */
export class ReplicaSet {
  private constructor(
    readonly replicas: Replica[],
    /** The database they share (PostgreSQL URL or SQLite `file:` URL). */
    readonly databaseUrl: string,
    private readonly cleanup: () => Promise<void>,
  ) {}

  static async start(count: number, env: Record<string, string> = {}): Promise<ReplicaSet> {
    // SQLite is for a single process: several on one file would not hear each other's changes.
    if (count > 1 && !usingPostgres()) throw new Error('replicas share a database only on PostgreSQL: set TEST_DATABASE_URL');
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-replicas-'));
    const database = await freshDatabase(dataDir);
    const replicas: Replica[] = [];
    const cleanup = async () => {
      await Promise.all(replicas.map((replica) => replica.stop()));
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    };
    try {
      // One after the other: the first migrates and creates the admin, the rest find them.
      for (let i = 0; i < count; i++) {
        replicas.push(
          await startReplica({
            TESSERA_DATA_DIR: dataDir,
            DATABASE_URL: database.url,
            TESSERA_ADMIN_EMAIL: ADMIN_EMAIL,
            TESSERA_ADMIN_PASSWORD: ADMIN_PASSWORD,
            TESSERA_LOG_LEVEL: 'warn',
            ...env,
          }),
        );
      }
    } catch (error) {
      await cleanup();
      throw error;
    }
    return new ReplicaSet(replicas, database.url, cleanup);
  }

  close(): Promise<void> {
    return this.cleanup();
  }
}

async function startReplica(env: Record<string, string>): Promise<Replica> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const replica = new Replica(`http://127.0.0.1:${port}`, child, () => output);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`replica exited with ${child.exitCode}:\n${output}`);
    const ready = await replica.request('GET', '/readyz').catch(() => undefined);
    if (ready?.status === 200) return replica;
    await sleep(100);
  }
  await replica.stop();
  throw new Error(`replica not ready after ${START_TIMEOUT_MS} ms:\n${output}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` every `everyMs` until it returns true; resolves with the milliseconds that took,
 * or with undefined when `withinMs` passed first.
 */
export async function pollUntil(probe: () => Promise<boolean>, withinMs: number, everyMs = 50): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started <= withinMs) {
    if (await probe()) return Date.now() - started;
    await sleep(everyMs);
  }
  return undefined;
}
