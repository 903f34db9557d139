import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_PASSWORD } from './support/test-app';
import { ROOT, TesseraProcess } from './support/tessera-process';

// The README's "First 10 minutes" is a copy-paste session: run it as a reader would (bash, curl,
// jq, one shell) against a fresh server, so it can never rot. Runs the built dist/main.js.

jest.setTimeout(180_000);

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The shell blocks of the section, in order (its `###` subsections included). */
function sessionBlocks(): string[] {
  const start = README.indexOf('\n## First 10 minutes\n');
  const end = README.indexOf('\n## ', start + 1);
  const section = README.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
}

describe('README: First 10 minutes', () => {
  it('runs as written and every status code is the one its comment promises', async () => {
    const blocks = sessionBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const script = blocks.join('\n');
    expect(script).toContain('http://localhost:8080'); // the address the reader's server has
    const promised = [...script.matchAll(/#\s*(\d{3})\s*$/gm)].map((match) => match[1]);
    expect(promised.length).toBeGreaterThanOrEqual(8);

    // The README's admin email and a password the reader would have copied from the start output.
    const tessera = await TesseraProcess.start({ TESSERA_ADMIN_EMAIL: 'admin@tessera.local' });
    try {
      const run = await bash(`set -euo pipefail\n${script.replaceAll('http://localhost:8080', tessera.url)}`, { PASSWORD: ADMIN_PASSWORD });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const printed = run.stdout.split('\n').filter((line) => /^\d{3}$/.test(line));
      expect(printed).toEqual(promised);
      // The jq output the reader sees: the login pair, the token list and the model's metadata.
      expect(run.stdout).toContain('"access"');
      expect(run.stdout).toContain('"refresh"');
      expect(run.stdout).toContain('"state": "active"');
      expect(run.stdout).toContain('"name": "diamond-price"');
    } finally {
      await tessera.close();
    }
  });
});

function bash(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['--norc', '--noprofile', '-c', script], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
