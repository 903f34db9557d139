// Child processes of the harness: Tessera, the ceiling server and the load generators. Every
// child is tracked and killed when the harness exits, however it exits.
import { fork, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(BENCH_DIR, '..');
export const TESSERA_MAIN = join(ROOT, 'dist', 'main.js');

/**
 * The node flags of `npm run start:prod`, so the benchmark runs Tessera as production does (a
 * small young generation keeps RSS under 250 MB at full load).
 */
export const PRODUCTION_NODE_FLAGS = (() => {
  const script = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['start:prod'];
  const words = script.split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/main.js') throw new Error(`start:prod is not "node [flags] dist/main.js": ${script}`);
  return words.slice(1, -1);
})();

const children = new Set();

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Synchronous, for process 'exit': SIGKILL whatever is still running. */
export function killAllChildren() {
  for (const child of children) child.kill('SIGKILL');
}

/** SIGTERM, then SIGKILL if the child has not exited after `graceMs`. */
export async function stopChild(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts the bare Fastify server; resolves with its URL and a stop function. */
export async function startCeiling() {
  const child = track(spawn(process.execPath, [join(BENCH_DIR, 'ceiling-server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('ceiling server did not start within 10 s')), 10_000);
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const line = buffered.split('\n')[0];
      if (!buffered.includes('\n')) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line).listening);
      } catch {
        reject(new Error(`ceiling server printed ${line}`));
      }
    });
    child.once('exit', (code) => reject(new Error(`ceiling server exited with ${code}`)));
  });
  return { url, pid: child.pid, stop: () => stopChild(child) };
}

/**
 * Starts `node dist/main.js` (with the flags of `npm run start:prod`) on 127.0.0.1 with exactly `env` (nothing inherited but PATH, so a
 * DATABASE_URL in the caller's shell cannot leak in) and waits until /readyz answers 200.
 * Output goes to `logFile`; its tail is shown when the start fails. `nodeArgs` (e.g. `--cpu-prof`)
 * go to node before the script; `root` is the checkout whose build runs (another one to compare);
 * `wrapper` (e.g. valgrind and its options) runs node.
 */
export async function startTessera(env, logFile, { startTimeoutMs = 60_000, nodeArgs = [], root = ROOT, wrapper = [] } = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const fd = openSync(logFile, 'a');
  const child = track(
    spawn(
      wrapper[0] ?? process.execPath,
      [...wrapper.slice(1), ...(wrapper.length ? [process.execPath] : []), ...PRODUCTION_NODE_FLAGS, ...nodeArgs, join(root, 'dist', 'main.js')],
      {
        cwd: root,
        env: { PATH: process.env.PATH, NODE_ENV: 'production', ...env, HOST: '127.0.0.1', PORT: String(port) },
        stdio: ['ignore', fd, fd],
      },
    ),
  );
  closeSync(fd);
  const tail = () => readFileSync(logFile, 'utf8').slice(-3_000);
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Tessera exited with code ${child.exitCode} during start:\n${tail()}`);
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    if (ready?.status === 200) return { url, pid: child.pid, stop: () => stopChild(child) };
    await sleep(200);
  }
  await stopChild(child);
  throw new Error(`Tessera was not ready within ${startTimeoutMs / 1000} s:\n${tail()}`);
}

/**
 * Runs one autocannon load in a forked worker and resolves with its summary. The worker is killed
 * if it overruns its duration by more than 30 s.
 */
export function runLoad(spec) {
  const child = track(fork(join(BENCH_DIR, 'load-worker.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => {
        child.kill('SIGKILL');
        reject(new Error(`load generator overran ${spec.durationSec} s by 30 s and was killed`));
      },
      (spec.durationSec + 30) * 1000,
    );
    child.once('message', (message) => {
      clearTimeout(timer);
      child.disconnect();
      if (message.ok) resolve(message.summary);
      else reject(new Error(`load generator failed: ${message.error}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`load generator exited with ${code} before reporting`));
    });
    child.send({ timeoutSec: 10, ...spec });
  });
}

/**
 * CPU seconds (user + system, all threads) a process has used so far. On a shared machine the CPU
 * a request costs is steadier than the requests per second the process manages to serve. Read from
 * each thread's schedstat (nanoseconds) where the kernel has it, else from stat (1/100 s ticks,
 * too coarse for a few seconds of light load).
 */
export function cpuSeconds(pid) {
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    }
    if (Number.isFinite(ns) && ns > 0) return ns / 1e9;
  } catch {
    // no schedstat (or the process is gone): fall back to stat
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime: fields 14 and 15 of stat(5), 12 and 13 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Samples a process's resident set size from /proc every `everyMs` until stopped. */
export class RssSampler {
  constructor(pid, everyMs = 250) {
    this.pid = pid;
    this.maxKb = 0;
    this.windowMaxKb = 0;
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
    this.sample();
  }

  sample() {
    try {
      const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      if (!match) return;
      const kb = Number(match[1]);
      this.maxKb = Math.max(this.maxKb, kb);
      this.windowMaxKb = Math.max(this.windowMaxKb, kb);
    } catch {
      // the process is gone; the last sample stands
    }
  }

  /** The maximum since the previous call, in MB: the peak of one scenario. */
  takeWindowMaxMb() {
    this.sample();
    const mb = this.windowMaxKb / 1024;
    this.windowMaxKb = 0;
    return mb;
  }

  stop() {
    this.sample();
    clearInterval(this.timer);
    return this.maxKb / 1024;
  }
}
