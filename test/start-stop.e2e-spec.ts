import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accepts, eventually, heldLogin } from './support/in-flight';
import { freshDatabase } from './support/test-app';
import { ROOT, serverEnv } from './support/tessera-process';

// The README's start command, run as a user runs it, stopped as a supervisor stops it: a signal to
// the process it started, which is npm. When the sources changed since the last build, `npm start`
// builds first, hence the long timeout.
jest.setTimeout(300_000);

describe.each(['SIGTERM', 'SIGINT'] as const)('`npm start`, then %s to the npm process', (signal) => {
  it('finishes the request in flight, exits 0 and leaves no process or listener behind', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-npm-start-'));
    const database = await freshDatabase(dataDir);
    const npm = spawn('npm', ['start'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...serverEnv(dataDir, database.url) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (chunk) => (output += chunk));
    npm.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      npm.on('exit', (code, exitSignal) => resolve({ code, signal: exitSignal })),
    );
    let tree: ProcessEntry[] = [];
    try {
      let url: string | undefined;
      await eventually(async () => {
        if (npm.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
        url = /listening on (http:\/\/[^\s"]+)/.exec(output)?.[1];
        return url !== undefined;
      }, 240_000);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const port = Number(new URL(url!).port);
      tree = descendants(npm.pid!);
      expect(tree.length).toBeGreaterThan(0); // the server runs under npm

      const { sendBody, response } = await heldLogin(port);
      npm.kill(signal);
      // The server has the signal once its listener refuses new connections; then the body follows.
      await eventually(async () => !(await accepts(port)));
      sendBody();

      const login = await response;
      expect(login.status).toBe(200);
      expect(JSON.parse(login.text)).toEqual({ access: expect.any(String), refresh: expect.any(String) });
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(tree.filter(isAlive)).toEqual([]);
      expect(await accepts(port)).toBe(false);
    } finally {
      // After a failed assertion: nothing the test started may outlive it (a server left behind by
      // its npm is no longer below npm, hence the tree recorded while it was).
      for (const entry of [...tree, ...descendants(npm.pid!)]) if (isAlive(entry)) process.kill(entry.pid, 'SIGKILL');
      if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
      await exited;
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

interface ProcessEntry {
  pid: number;
  /** Start time in clock ticks since boot: tells a process from a later one that got its pid. */
  started: string;
}

/** Every process below `root`, read from /proc. */
function descendants(root: number): ProcessEntry[] {
  const parents = new Map<number, number[]>();
  const started = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = statOf(Number(name));
    if (!stat) continue;
    parents.set(stat.ppid, [...(parents.get(stat.ppid) ?? []), Number(name)]);
    started.set(Number(name), stat.started);
  }
  const found: ProcessEntry[] = [];
  const queue = [root];
  while (queue.length) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      found.push({ pid: child, started: started.get(child)! });
      queue.push(child);
    }
  }
  return found;
}

function isAlive(entry: ProcessEntry): boolean {
  const stat = statOf(entry.pid);
  return stat !== undefined && stat.started === entry.started && stat.state !== 'Z';
}

function statOf(pid: number): { ppid: number; state: string; started: string } | undefined {
  const file = `/proc/${pid}/stat`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: split after its closing one.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], ppid: Number(fields[1]), started: fields[19] };
}
