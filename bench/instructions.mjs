// `npm run bench:instructions`: the CPU instructions one forward-auth check (or console request:
// BENCH_SCENARIOS=token-list,token-create) costs Tessera, counted
// by valgrind's callgrind for two Tesseras: metrics off and on (default), or a baseline build and
// this one (BENCH_BASELINE=<checkout with dist/ built>). Instruction counts do not depend on what
// else the machine runs, so small differences show where throughput pairs on a shared machine
// swing by tens of percent. See bench/README.md.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_EMAIL, ROUTES, seedModels } from './lib/contract.mjs';
import { freePort, killAllChildren, ROOT, runLoad, startTessera } from './lib/processes.mjs';
import { SCENARIOS } from './lib/scenarios.mjs';

const WARMUP_REQUESTS = Number(process.env.BENCH_INSTRUCTIONS_WARMUP ?? 20_000);
const MEASURED_REQUESTS = Number(process.env.BENCH_INSTRUCTIONS_REQUESTS ?? 5_000);
const REPEATS = Number(process.env.BENCH_INSTRUCTIONS_REPEATS ?? 2);
const MEASURED = process.env.BENCH_SCENARIOS?.split(',').map((id) => id.trim()) ?? ['verify-valid', 'verify-invalid'];

function variants() {
  const baseline = process.env.BENCH_BASELINE?.trim();
  if (!baseline) return [{ name: 'metrics off' }, { name: 'metrics on', metrics: true }];
  if (!existsSync(join(baseline, 'dist', 'main.js'))) throw new Error(`BENCH_BASELINE: ${baseline}/dist/main.js is missing: build that checkout first`);
  return [{ name: 'baseline', root: baseline }, { name: 'this tree' }];
}

/** An API call with a timeout fit for a process under valgrind (argon2 alone takes a minute there). */
async function api(url, method, path, { token, json, expect }) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(json ? { 'content-type': 'application/json' } : {}) },
    body: json && JSON.stringify(json),
    signal: AbortSignal.timeout(300_000),
  });
  const text = await response.text();
  if (response.status !== expect) throw new Error(`${method} ${path} → ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/**
 * The Ir of the main thread and of all threads in callgrind dump number `number` in `dir`. Valgrind
 * takes commands only while the process runs, so an idle Tessera is sent health checks until the
 * dump appears.
 */
async function dumpedInstructions(dir, number, url) {
  const dumpsOf = () => readdirSync(dir).filter((file) => new RegExp(`^callgrind\\.out\\.\\d+\\.${number}(-\\d+)?$`).test(file));
  for (let waited = 0; !dumpsOf().length && waited < 120; waited++) {
    await fetch(`${url}/healthz`).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // every thread's file written
  let main = 0;
  let all = 0;
  for (const file of dumpsOf()) {
    const match = /^totals: (\d+)/m.exec(readFileSync(join(dir, file), 'utf8'));
    if (!match) throw new Error(`no callgrind totals in ${join(dir, file)}`);
    all += Number(match[1]);
    if (/-0?1$/.test(file)) main = Number(match[1]);
  }
  if (!all) throw new Error(`no callgrind dump ${number} in ${dir}: ${readdirSync(dir).join(', ')}`);
  return { main, all };
}

async function measureVariant(variant) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-instructions-'));
  const password = randomBytes(18).toString('base64url');
  const env = {
    TESSERA_DATA_DIR: dir,
    TESSERA_ADMIN_EMAIL: ADMIN_EMAIL,
    TESSERA_ADMIN_PASSWORD: password,
    TESSERA_ACCESS_TOKEN_TTL: '12h',
    TESSERA_LOG_LEVEL: 'info',
    ...(variant.metrics ? { TESSERA_METRICS_PORT: String(await freePort()) } : {}),
  };
  // One profile per thread: the main thread's count is the request's own work; the helper
  // threads' (concurrent marking, sweeping, optimizing compiles) come in bursts that a window of
  // a few thousand requests catches or misses.
  const wrapper = [
    'valgrind',
    '--tool=callgrind',
    '--instr-atstart=no',
    '--separate-threads=yes',
    '--smc-check=all-non-file',
    `--callgrind-out-file=${join(dir, 'callgrind.out.%p')}`,
  ];
  const tessera = await startTessera(env, join(dir, 'tessera.log'), { root: variant.root, wrapper, startTimeoutMs: 600_000 });
  const control = (...args) => {
    // Valgrind names its control pipe after $HOST, which startTessera sets (Tessera's bind address).
    const output = execFileSync('callgrind_control', [...args, String(tessera.pid)], { encoding: 'utf8', env: { ...process.env, HOST: '127.0.0.1' } });
    if (!/OK/.test(output)) throw new Error(`callgrind_control ${args.join(' ')}: ${output}`);
  };
  try {
    const { access } = await api(tessera.url, 'POST', ROUTES.login, { json: { email: ADMIN_EMAIL, password }, expect: 200 });
    const project = await api(tessera.url, 'POST', ROUTES.projects, { token: access, json: { name: 'instructions' }, expect: 201 });
    const instance = await api(tessera.url, 'POST', ROUTES.instances(project.id), { token: access, json: { name: 'verify' }, expect: 202 });
    const created = await api(tessera.url, 'POST', ROUTES.instanceTokens(project.id, instance.instance.id), {
      token: access,
      json: { name: 'verify' },
      expect: 202,
    });
    const creating = await api(tessera.url, 'POST', ROUTES.instances(project.id), { token: access, json: { name: 'create' }, expect: 202 });
    const jwks = await fetch(`${tessera.url}/.well-known/jwks.json`).then((response) => response.json());
    // Console requests (token-list, token-create) run with the console access token; the list here
    // is of the verify instance's one token, so the count is a console request's own cost rather
    // than the serialization of a long list.
    const instances = {
      verifyInstanceId: instance.instance.id,
      instanceToken: created.token.content,
      projectId: project.id,
      listInstanceId: instance.instance.id,
      createInstanceId: creating.instance.id,
    };
    const models = MEASURED.includes('get-meta') || MEASURED.includes('model-verify') ? await seedModels(tessera.url, access) : undefined;
    const context = { access, instances, models, kid: jwks.keys[0].kid };
    const result = {};
    let dumps = 0;
    for (const id of MEASURED) {
      const scenario = SCENARIOS.find((s) => s.id === id);
      const load = (amount) =>
        runLoad({
          url: tessera.url,
          connections: 10,
          amount,
          durationSec: 1_200,
          timeoutSec: 60,
          requests: scenario.requests(context),
          idReplacement: scenario.idReplacement,
        });
      await load(WARMUP_REQUESTS); // until V8 has optimized the path
      result[id] = [];
      for (let repeat = 0; repeat < REPEATS; repeat++) {
        control('-z');
        control('-i', 'on');
        const summary = await load(MEASURED_REQUESTS);
        control('-i', 'off');
        control('-d');
        const unexpected = Object.entries(summary.statusCodes).filter(([status]) => !scenario.expect.includes(Number(status)));
        if (unexpected.length) throw new Error(`${id}: unexpected statuses ${JSON.stringify(Object.fromEntries(unexpected))}`);
        const { main, all } = await dumpedInstructions(dir, ++dumps, tessera.url);
        result[id].push({ main: Math.round(main / summary.responses), all: Math.round(all / summary.responses) });
      }
    }
    return result;
  } finally {
    await tessera.stop();
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('valgrind is not installed (Debian: apt-get install valgrind)');
  }
  const measured = [];
  for (const variant of variants()) {
    process.stderr.write(`${variant.name}: starting under callgrind (slow)\n`);
    measured.push({ variant: variant.name, instructionsPerRequest: await measureVariant(variant) });
  }
  process.stdout.write(`\nInstructions per request (callgrind Ir, ${MEASURED_REQUESTS} requests after ${WARMUP_REQUESTS} warm-up, ${REPEATS} repeats)\n`);
  const [a, b] = measured;
  for (const id of MEASURED) {
    const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
    for (const part of ['main', 'all']) {
      const [countsA, countsB] = [a, b].map((v) => v.instructionsPerRequest[id].map((counts) => counts[part]));
      const change = Math.round((mean(countsB) / mean(countsA) - 1) * 1000) / 10;
      process.stdout.write(
        `${id} (${part === 'main' ? 'main thread' : 'all threads'}): ${a.variant} ${countsA.join(', ')}; ${b.variant} ${countsB.join(', ')}; ${change >= 0 ? '+' : ''}${change}%\n`,
      );
    }
  }
}

process.on('exit', killAllChildren);
main().catch((error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
