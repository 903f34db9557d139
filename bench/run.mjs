// `npm run bench`: measures the production build (`node dist/main.js`, so run `npm run build`
// first) on SQLite and, with BENCH_DATABASE_URL, on PostgreSQL, against a bare Fastify ceiling
// measured in the same run. Load comes from autocannon in separate processes. Prints a table and
// writes bench/results/latest.json. See bench/README.md for the settings, and BENCH_METRICS there
// (metrics off, on, or both in one run).
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ADMIN_EMAIL, login, SeedError, seedInstances, seedModels } from './lib/contract.mjs';
import { cpuSeconds, freePort, killAllChildren, ROOT, RssSampler, runLoad, startCeiling, startTessera, TESSERA_MAIN } from './lib/processes.mjs';
import { notRun, printReport, score, toRow, writeResult } from './lib/report.mjs';
import { measureMetricsOverhead } from './lib/metrics-overhead.mjs';
import { CONCURRENT, SCENARIOS } from './lib/scenarios.mjs';

const RESULT_FILE = join(ROOT, 'bench', 'results', 'latest.json');
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Runs on exit or signal: drops the PostgreSQL database, removes temporary directories. */
const cleanups = new Set();
/** Set by SIGINT/SIGTERM: a partial run must not overwrite latest.json. */
let interrupted = false;

function integerSetting(name, fallback, min, max) {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name}: expected an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}

function readSettings() {
  const databaseUrl = process.env.BENCH_DATABASE_URL?.trim() || undefined;
  if (databaseUrl) {
    const url = new URL(databaseUrl);
    if (!/^postgres(ql)?:$/.test(url.protocol)) throw new Error('BENCH_DATABASE_URL: expected postgresql://...');
    // The harness creates and drops a database there, and a remote one would measure the network.
    if (!LOOPBACK.has(url.hostname)) throw new Error(`BENCH_DATABASE_URL: only a loopback PostgreSQL is allowed, got host ${url.hostname}`);
  }
  const known = [...SCENARIOS.map((s) => s.id), CONCURRENT.id];
  const only = process.env.BENCH_SCENARIOS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = only?.filter((id) => !known.includes(id)) ?? [];
  if (unknown.length) throw new Error(`BENCH_SCENARIOS: unknown ${unknown.join(', ')}; known: ${known.join(', ')}`);
  const logLevel = process.env.BENCH_LOG_LEVEL?.trim() || 'info';
  const metrics = process.env.BENCH_METRICS?.trim() || 'off';
  if (!['off', 'on', 'both'].includes(metrics)) throw new Error(`BENCH_METRICS: expected off, on or both, got "${metrics}"`);
  const baseline = process.env.BENCH_BASELINE?.trim() || undefined;
  if (baseline && metrics === 'both') throw new Error('BENCH_BASELINE and BENCH_METRICS=both: compare one thing at a time');
  if (baseline && !existsSync(join(baseline, 'dist', 'main.js')))
    throw new Error(`BENCH_BASELINE: ${baseline}/dist/main.js is missing: build that checkout first`);
  const paired = metrics === 'both' || baseline !== undefined;
  return {
    databaseUrl,
    durationSec: integerSetting('BENCH_DURATION', 10, 1, 300),
    warmupSec: integerSetting('BENCH_WARMUP', 2, 0, 60),
    connections: integerSetting('BENCH_CONNECTIONS', 50, 1, 1000),
    scenarios: only ?? known,
    logLevel,
    metrics,
    baseline,
    // Two Tesseras compared side by side (metrics off and on, or a baseline build and this one):
    // how many pairs of each scenario are measured, and the offered rate (req/s) at which the
    // CPU per request of the forward-auth scenarios is compared.
    pairRounds: paired ? integerSetting('BENCH_PAIR_ROUNDS', 3, 1, 20) : 1,
    pairRate: integerSetting('BENCH_PAIR_RATE', 3000, 100, 100_000),
  };
}

/** Warm-up (discarded), then the measured run. */
/** Warm-up (discarded), then the measured run; with `pid`, also the CPU that process used during it. */
async function measure(settings, url, requests, options = {}, pid = undefined) {
  const spec = { url, connections: settings.connections, requests, ...options };
  if (settings.warmupSec) await runLoad({ ...spec, durationSec: settings.warmupSec });
  const cpuBefore = pid && cpuSeconds(pid);
  const summary = await runLoad({ ...spec, durationSec: settings.durationSec });
  const cpuAfter = pid && cpuSeconds(pid);
  if (cpuBefore !== undefined && cpuAfter !== undefined) summary.cpuSeconds = cpuAfter - cpuBefore;
  return summary;
}

/** The bare Fastify ceiling; `alongside(durationSec)`, a load on Tessera, runs through its warm-up and measurement. */
async function measureCeiling(settings, alongside) {
  const ceiling = await startCeiling();
  try {
    const [summary] = await Promise.all([
      measure(settings, ceiling.url, [{ method: 'GET', path: '/' }]),
      alongside?.(settings.warmupSec + settings.durationSec),
    ]);
    const row = toRow({ scenario: { id: 'ceiling', title: 'bare Fastify', expect: [200] }, summary });
    if (row.failed) throw new Error(`the ceiling server answered wrongly: ${row.note}`);
    return row;
  } finally {
    await ceiling.stop();
  }
}

async function createPostgresDatabase(adminUrl) {
  const name = `tessera_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  return { url: url.toString(), drop };
}

/** Seeds what it can; a failing group is recorded and its scenarios are reported as not run. */
async function seed(baseUrl, password) {
  const context = { url: baseUrl, password, placeholderInstanceId: randomUUID(), problems: {} };
  context.access = await login(baseUrl, password);
  const jwks = await fetch(`${baseUrl}/.well-known/jwks.json`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.json());
  context.kid = jwks.keys?.[0]?.kid;
  for (const [group, run] of [
    ['instances', seedInstances],
    ['models', seedModels],
  ]) {
    try {
      context[group] = await run(baseUrl, context.access);
    } catch (error) {
      if (!(error instanceof SeedError)) throw error;
      context.problems[group] = error.message;
    }
  }
  return context;
}

/** With two Tesseras compared, these are also compared by CPU per request at a fixed offered rate. */
const RATE_COMPARED_SCENARIOS = ['verify-valid', 'verify-invalid', 'model-verify'];

async function runScenario(settings, context, scenario, rss, overallRate = undefined) {
  if (scenario.needs && !context[scenario.needs]) return notRun(scenario, `seeding ${scenario.needs} failed`);
  const options = {
    idReplacement: scenario.idReplacement,
    ...(scenario.connections ? { connections: scenario.connections } : {}),
    ...(overallRate ? { overallRate } : {}),
  };
  const summary = await measure(settings, context.url, scenario.requests(context), options, rss.pid);
  return toRow({ scenario, summary, rssMb: rss.takeWindowMaxMb() });
}

async function runConcurrent(settings, context, rss) {
  if (!context.instances) return notRun(CONCURRENT, 'seeding instances failed');
  const load = (requests, durationSec) => runLoad({ url: context.url, connections: settings.connections, durationSec, requests });
  const logins = (durationSec) => load(CONCURRENT.login.requests(context), durationSec);
  const [verifySummary, loginSummary] = await Promise.all([load(CONCURRENT.verify.requests(context), settings.durationSec), logins(settings.durationSec)]);
  const row = toRow({ scenario: { ...CONCURRENT, expect: CONCURRENT.verify.expect }, summary: verifySummary, rssMb: rss.takeWindowMaxMb() });
  row.login = toRow({ scenario: CONCURRENT.login, summary: loginSummary });
  if (row.login.failed) {
    row.failed = true;
    row.note = `logins ${row.login.note}`;
  }
  // What any Node HTTP service gets of a machine whose argon2 slot is busy: the yardstick.
  row.ceilingDuringLogins = (await measureCeiling(settings, logins)).requestsPerSec;
  return row;
}

/**
 * The Tesseras a backend runs: one, or two compared side by side, each `{name, metrics, root}`.
 * Metrics on means served on a port of their own, as production would, and scraped at the end.
 */
function variantsOf(settings) {
  if (settings.metrics === 'both')
    return [
      { name: 'metrics off', metrics: 'off' },
      { name: 'metrics on', metrics: 'on' },
    ];
  if (settings.baseline)
    return [
      { name: 'baseline', metrics: settings.metrics, root: settings.baseline },
      { name: 'this tree', metrics: settings.metrics },
    ];
  return [{ name: '', metrics: settings.metrics }];
}

/** One Tessera on a fresh SQLite directory or PostgreSQL database, seeded. */
async function startVariant(settings, database, { name, metrics, root }) {
  const dataDir = mkdtempSync(join(tmpdir(), `tessera-bench-${database}-`));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  cleanups.add(removeDir);
  const variant = { name, metrics, problems: [] };
  variant.stop = async () => {
    if (variant.rss) variant.rssMaxMb = Math.round(variant.rss.stop() * 10) / 10;
    await variant.tessera?.stop();
    if (variant.postgres) {
      await variant.postgres.drop().catch((error) => process.stderr.write(`could not drop the benchmark database: ${error.message}\n`));
      cleanups.delete(variant.postgres.drop);
    }
    removeDir();
    cleanups.delete(removeDir);
  };
  const env = {
    TESSERA_DATA_DIR: dataDir,
    TESSERA_ADMIN_EMAIL: ADMIN_EMAIL,
    TESSERA_ADMIN_PASSWORD: randomBytes(18).toString('base64url'),
    // One client address makes every login: the per-address limit would measure 429s. So does
    // the per-account one, which counts attempts still waiting for argon2 (and, after a client
    // timeout, the abandoned ones) until a login succeeds.
    TESSERA_LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: '1000000',
    TESSERA_LOGIN_FAILURES_PER_ACCOUNT: '1000000',
    TESSERA_ACCESS_TOKEN_TTL: '12h',
    TESSERA_LOG_LEVEL: settings.logLevel,
  };
  if (metrics === 'on') env.TESSERA_METRICS_PORT = String(await freePort());
  if (database === 'postgresql') {
    variant.postgres = await createPostgresDatabase(settings.databaseUrl);
    cleanups.add(variant.postgres.drop);
    env.DATABASE_URL = variant.postgres.url;
  }
  variant.tessera = await startTessera(env, join(dataDir, 'tessera.log'), { root });
  variant.rss = new RssSampler(variant.tessera.pid);
  variant.context = await seed(variant.tessera.url, env.TESSERA_ADMIN_PASSWORD);
  variant.problems = Object.values(variant.context.problems);
  if (metrics === 'on') variant.metricsUrl = `http://127.0.0.1:${env.TESSERA_METRICS_PORT}/metrics`;
  return variant;
}

/** The forward-auth verifications a metrics-on Tessera counted: proof the metrics were recording. */
async function countedVerifications(metricsUrl) {
  const text = await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) }).then((r) => r.text());
  return [...text.matchAll(/^tessera_token_verifications_total\{kind="instance",[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

async function runBackend(settings, database) {
  const result = { database, metrics: settings.metrics, scenarios: [], fixedRate: [] };
  const variants = [];
  try {
    // Two Tesseras side by side, loaded in turn (A then B, then B then A, ...), so drift in the
    // machine's speed hits both alike. The pairs' spread shows the noise.
    for (const variant of variantsOf(settings)) variants.push(await startVariant(settings, database, variant));
    result.seedProblems = variants.flatMap((variant) => variant.problems);
    const label = (variant) => (variant.name ? `, ${variant.name}` : '');
    const inTurn = (round) => (round % 2 ? [...variants].reverse() : variants);
    for (const scenario of SCENARIOS.filter((s) => settings.scenarios.includes(s.id))) {
      for (let round = 0; round < settings.pairRounds; round++) {
        for (const variant of inTurn(round)) {
          process.stderr.write(`${database}: ${scenario.id}${label(variant)}\n`);
          const row = await runScenario(settings, variant.context, scenario, variant.rss);
          if (variants.length > 1) Object.assign(row, { variant: variant.name, round: round + 1 });
          result.scenarios.push(row);
        }
      }
      // Throughput pairs move with whatever else the machine runs; the CPU a request costs at one
      // offered rate below either's capacity does not depend on how fast the other process went.
      if (variants.length > 1 && RATE_COMPARED_SCENARIOS.includes(scenario.id)) {
        for (let round = 0; round < 2 * settings.pairRounds; round++) {
          for (const variant of inTurn(round)) {
            process.stderr.write(`${database}: ${scenario.id} at ${settings.pairRate} req/s${label(variant)}\n`);
            const row = await runScenario(settings, variant.context, scenario, variant.rss, settings.pairRate);
            result.fixedRate.push(Object.assign(row, { variant: variant.name, round: round + 1, offeredRate: settings.pairRate }));
          }
        }
      }
    }
    // Its logins and second ceiling would not fit the pairs: only run with one Tessera.
    if (settings.scenarios.includes(CONCURRENT.id) && variants.length === 1) {
      process.stderr.write(`${database}: ${CONCURRENT.id}\n`);
      result.concurrent = await runConcurrent(settings, variants[0].context, variants[0].rss);
    }
    const metered = variants.find((variant) => variant.metricsUrl);
    if (metered) result.instanceVerificationsCounted = await countedVerifications(metered.metricsUrl);
    if (variants.length > 1) result.comparison = compare(variants[0].name, variants[1].name, result.scenarios, result.fixedRate);
  } catch (error) {
    result.error = error.message;
  } finally {
    for (const variant of variants) await variant.stop();
    const rss = variants.map((variant) => variant.rssMaxMb).filter((mb) => mb !== undefined);
    if (rss.length) result.rssMaxMb = Math.max(...rss);
  }
  return result;
}

/**
 * Per scenario, B against A: each round's req/s and the change of the means, the CPU per request
 * under that load, and for the forward-auth scenarios the CPU per request at the fixed offered
 * rate (the change of the medians), which is the steadiest of the three on a shared machine.
 */
function compare(a, b, rows, fixedRateRows) {
  const comparison = { a, b, scenarios: {} };
  const change = (from, to) => Math.round((to / from - 1) * 1000) / 10;
  const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
  for (const id of new Set(rows.map((row) => row.id))) {
    const of = (source, name, read) => source.filter((row) => row.id === id && row.variant === name && !row.failed).map(read);
    const [rpsA, rpsB] = [of(rows, a, (row) => row.requestsPerSec), of(rows, b, (row) => row.requestsPerSec)];
    if (!rpsA.length || rpsA.length !== rpsB.length) continue;
    const [cpuA, cpuB] = [of(rows, a, (row) => row.cpuUsPerRequest), of(rows, b, (row) => row.cpuUsPerRequest)];
    const scenario = {
      requestsPerSec: { [a]: rpsA, [b]: rpsB },
      perRoundChangePercent: rpsA.map((value, i) => change(value, rpsB[i])),
      meanChangePercent: change(mean(rpsA), mean(rpsB)),
      cpuUsPerRequest: { [a]: cpuA, [b]: cpuB },
      cpuPerRequestChangePercent: [...cpuA, ...cpuB].every(Number.isFinite) ? change(mean(cpuA), mean(cpuB)) : null,
    };
    const [rateA, rateB] = [of(fixedRateRows, a, (row) => row.cpuUsPerRequest), of(fixedRateRows, b, (row) => row.cpuUsPerRequest)];
    if (rateA.length && rateA.length === rateB.length && [...rateA, ...rateB].every(Number.isFinite)) {
      scenario.atFixedRate = {
        offeredRate: fixedRateRows[0].offeredRate,
        requestsPerSec: { [a]: of(fixedRateRows, a, (row) => row.requestsPerSec), [b]: of(fixedRateRows, b, (row) => row.requestsPerSec) },
        cpuUsPerRequest: { [a]: rateA, [b]: rateB },
        medianChangePercent: change(median(rateA), median(rateB)),
      };
    }
    comparison.scenarios[id] = scenario;
  }
  return comparison;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function newestSourceChange(dir = join(ROOT, 'src')) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceChange(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function machine() {
  const cpu = cpus();
  return {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model,
    memoryMb: Math.round(totalmem() / 2 ** 20),
    loadAverageAtStart: loadavg().map((load) => Math.round(load * 100) / 100),
    node: process.version,
  };
}

async function runCleanups() {
  const pending = [...cleanups].map((cleanup) =>
    Promise.resolve()
      .then(cleanup)
      .catch(() => undefined),
  );
  await Promise.race([Promise.all(pending), new Promise((resolve) => setTimeout(resolve, 5_000))]);
}

async function main() {
  let settings;
  try {
    settings = readSettings();
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  if (!existsSync(TESSERA_MAIN)) {
    process.stderr.write(`${TESSERA_MAIN} is missing: run \`npm run build\` first.\n`);
    return 2;
  }
  const built = statSync(TESSERA_MAIN).mtime;
  if (newestSourceChange() > built.getTime()) process.stderr.write('warning: src/ changed after the last build; run `npm run build` to measure it.\n');
  const builtAt = built.toISOString();
  const result = {
    generatedAt: new Date().toISOString(),
    machine: machine(),
    settings: { ...settings, databaseUrl: undefined, builtAt },
  };
  // The ceiling is measured before each backend and once at the end, and each backend's ratios
  // use the mean of the two measurements around it: the machine's speed drifts within a run.
  if (settings.metrics === 'both') {
    process.stderr.write('metrics cost per check, in process\n');
    result.metricsCost = await measureMetricsOverhead();
  }
  const ceilings = [];
  result.backends = [];
  for (const database of settings.databaseUrl ? ['sqlite', 'postgresql'] : ['sqlite']) {
    if (interrupted) break;
    process.stderr.write('ceiling\n');
    ceilings.push(await measureCeiling(settings));
    result.backends.push(await runBackend(settings, database));
  }
  if (interrupted) return 130;
  process.stderr.write('ceiling\n');
  ceilings.push(await measureCeiling(settings));
  const mean = (runs) => Math.round(runs.reduce((sum, run) => sum + run.requestsPerSec, 0) / runs.length);
  result.ceiling = { requestsPerSec: mean(ceilings), measurements: ceilings };
  for (const [index, backend] of result.backends.entries()) {
    const ceilingRps = mean(ceilings.slice(index, index + 2));
    backend.ceilingRequestsPerSec = ceilingRps;
    for (const row of backend.scenarios)
      score(
        row,
        SCENARIOS.find((s) => s.id === row.id),
        ceilingRps,
        backend.database,
      );
    if (backend.concurrent) score(backend.concurrent, CONCURRENT, ceilingRps, backend.database);
    // The in-process cost of metrics per check as a share of what a check costs Tessera's CPU here.
    for (const scenario of Object.values(backend.comparison?.scenarios ?? {})) {
      const offCpu = scenario.atFixedRate?.cpuUsPerRequest['metrics off'] ?? scenario.cpuUsPerRequest['metrics off'];
      if (!result.metricsCost || !offCpu?.length) continue;
      scenario.inProcessCostPercent = Math.round((result.metricsCost.addedNsPerCheck / (median(offCpu) * 1000)) * 1000) / 10;
    }
  }
  printReport(result);
  writeResult(RESULT_FILE, result);
  process.stdout.write(`\nwrote ${RESULT_FILE}\n`);
  const failed = result.backends.some((b) => b.error || b.scenarios.some((row) => row.failed) || b.concurrent?.failed);
  if (failed) process.stdout.write('Some scenarios failed or did not run (see above): these numbers are not a valid result.\n');
  return failed ? 1 : 0;
}

process.on('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, async () => {
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping children and cleaning up\n`);
    killAllChildren();
    await runCleanups();
    process.exit(130);
  });
}

// Once interrupted, the signal handler cleans up and exits.
main().then(
  (code) => interrupted || process.exit(code),
  async (error) => {
    if (interrupted) return;
    process.stderr.write(`benchmark failed: ${error.stack ?? error.message}\n`);
    killAllChildren();
    await runCleanups();
    process.exit(2);
  },
);
