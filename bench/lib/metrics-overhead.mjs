// What metrics add to one forward-auth check, measured in this process on the production build:
// the work ForwardAuthLane does per check only when metrics are on (a second clock read, one
// observation of the route's series and one of the verification's), against the same loop
// without it. On a shared machine throughput pairs swing by more than the few percent asked
// about; this cost does not, and set against the CPU a check costs it gives the overhead.
import { createRequire } from 'node:module';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { ROOT } from './processes.mjs';

const require = createRequire(import.meta.url);
const ITERATIONS = 2_000_000;
const REPEATS = 7;
const RESULTS = ['valid', 'bad_signature', 'malformed', 'wrong_audience'];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Resolves with the added nanoseconds per check and the garbage collections the metered loop caused. */
export async function measureMetricsOverhead() {
  const { Metrics } = require(join(ROOT, 'dist', 'metrics', 'metrics.service.js'));
  const config = { metrics: { port: 0, host: '127.0.0.1' }, database: { provider: 'sqlite' } };
  const metrics = new Metrics(config, { count: async () => ({ instance: {}, service_account: {}, model_external: {}, refresh: {} }) });
  const requests = metrics.route('/v1/auth/instances/:instanceId/verify');
  const verifications = metrics.verifications('instance');
  let sink = 0;

  // The lane reads the clock once per check with metrics off too (for its log line's start).
  const bare = () => {
    for (let i = 0; i < ITERATIONS; i++) sink += performance.now();
  };
  const metered = () => {
    for (let i = 0; i < ITERATIONS; i++) {
      const started = performance.now();
      sink += started;
      const seconds = (performance.now() - started) / 1000;
      requests.observe('GET', i & 1 ? 204 : 401, seconds);
      verifications.observe(RESULTS[i & 3], seconds);
    }
  };
  const time = (loop) => {
    const start = process.hrtime.bigint();
    loop();
    return Number(process.hrtime.bigint() - start) / ITERATIONS;
  };
  // Warm both loops up so both are optimized before anything is measured.
  time(bare);
  time(metered);

  let collections = 0;
  const observer = new PerformanceObserver((list) => (collections += list.getEntries().length));
  const added = [];
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    const bareNs = time(bare);
    observer.observe({ entryTypes: ['gc'] });
    const meteredNs = time(metered);
    // GC entries are delivered asynchronously: let them arrive before the observer stops.
    await new Promise((resolve) => setImmediate(resolve));
    observer.disconnect();
    added.push(meteredNs - bareNs);
  }
  if (sink === 42) process.stdout.write(''); // keeps the loops' results alive
  return {
    iterations: ITERATIONS * REPEATS,
    addedNsPerCheck: Math.round(median(added) * 10) / 10,
    addedNsPerRepeat: added.map((ns) => Math.round(ns * 10) / 10),
    garbageCollectionsWhileMetered: collections,
  };
}
