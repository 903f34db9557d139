import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_EMAIL, ADMIN_PASSWORD, freshDatabase } from './test-app';

export const ROOT = join(__dirname, '..', '..');
export const MAIN = join(ROOT, 'dist', 'main.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A server on a random loopback port, on this data directory and database, with the test admin. */
export function serverEnv(dataDir: string, databaseUrl: string): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: '0',
    TESSERA_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    TESSERA_ADMIN_EMAIL: ADMIN_EMAIL,
    TESSERA_ADMIN_PASSWORD: ADMIN_PASSWORD,
  };
}

/** Runs `node dist/main.js` (the production entry point) with only the given environment. */
export function runMain(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<Exit> } {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

/**
 * A real Tessera process on a random loopback port with a fresh database (SQLite, or PostgreSQL
 * when TEST_DATABASE_URL is set). `stop()` sends SIGTERM and waits for the exit.
 */
export class TesseraProcess {
  private constructor(
    readonly url: string,
    readonly child: ChildProcess,
    readonly output: () => string,
    readonly exited: Promise<Exit>,
    private readonly cleanup: () => Promise<void>,
  ) {}

  /** With `target`, runs on that data directory and database and leaves them in place. */
  static async start(env: Record<string, string> = {}, target?: { dataDir: string; url: string }): Promise<TesseraProcess> {
    const dataDir = target?.dataDir ?? mkdtempSync(join(tmpdir(), 'tessera-proc-'));
    const database = target ? { url: target.url, drop: async () => undefined } : await freshDatabase(dataDir);
    const { child, output, exited } = runMain({ ...serverEnv(dataDir, database.url), TESSERA_LOG_LEVEL: 'info', ...env });
    const cleanup = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      await database.drop();
      if (!target) rmSync(dataDir, { recursive: true, force: true });
    };
    const url = await Promise.race([
      waitFor(() => /listening on (http:\/\/[^\s"]+)/.exec(output())?.[1]),
      exited.then((exit) => {
        throw new Error(`Tessera exited during start (${JSON.stringify(exit)}):\n${output()}`);
      }),
    ]).catch(async (error) => {
      await cleanup();
      throw error;
    });
    return new TesseraProcess(url, child, output, exited, cleanup);
  }

  async stop(): Promise<Exit> {
    this.child.kill('SIGTERM');
    return this.exited;
  }

  close(): Promise<void> {
    return this.cleanup();
  }
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for Tessera');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
