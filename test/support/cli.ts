import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './tessera-process';

/** The `bin` of package.json, which loads the built CLI (dist/cli/main.js). */
export const CLI = join(ROOT, 'bin', 'tessera.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `tessera` as a subprocess with only PATH and `env` in its environment, stdin
 * from `input` (a pipe, not a terminal).
 */
export function tessera(args: string[], env: Record<string, string> = {}, input = ''): Promise<CliRun> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/cli/main.js is missing: run `npm run build` first (npm test does)');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Like {@link tessera}, but fails the test unless the command exits 0; returns stdout. */
export async function tesseraOk(args: string[], env: Record<string, string> = {}, input = ''): Promise<string> {
  const run = await tessera(args, env, input);
  if (run.code !== 0) throw new Error(`tessera ${args.join(' ')} exited ${run.code}:\n${run.stderr}`);
  return run.stdout;
}

/** An empty $XDG_CONFIG_HOME for one test's logins. */
export function freshConfigHome(): string {
  return mkdtempSync(join(tmpdir(), 'tessera-cli-'));
}

/** A directory with `tessera` in it, for shell scripts that call the CLI by name as a pipeline does. */
export function binDirectory(): string {
  const dir = join(freshConfigHome(), 'bin');
  mkdirSync(dir);
  symlinkSync(CLI, join(dir, 'tessera'));
  return dir;
}
