// Turns load summaries into rows, prints the table and writes the JSON result.
import { renameSync, writeFileSync } from 'node:fs';

const signed = (percent) => `${percent >= 0 ? '+' : ''}${percent}%`;
const round = (value, digits = 1) => (Number.isFinite(value) ? Math.round(value * 10 ** digits) / 10 ** digits : null);

/**
 * One result row. Responses with a status outside `expect`, connection errors and timeouts are
 * errors; a row where most requests were errors measured the wrong thing and is marked failed.
 */
export function toRow({ scenario, summary, rssMb }) {
  const expected = scenario.expect.reduce((sum, status) => sum + (summary.statusCodes[status] ?? 0), 0);
  const errors = summary.responses - expected + summary.connectionErrors + summary.timeouts;
  const attempts = summary.responses + summary.connectionErrors + summary.timeouts;
  const row = {
    id: scenario.id,
    title: scenario.title,
    requestsPerSec: round(summary.responses / summary.durationSec, 0),
    p50: round(summary.latencyMs.p50, 2),
    p99: round(summary.latencyMs.p99, 2),
    responses: summary.responses,
    errors,
    statusCodes: summary.statusCodes,
    rssMaxMb: round(rssMb),
    cpuUsPerRequest: summary.cpuSeconds === undefined || !summary.responses ? null : round((summary.cpuSeconds * 1e6) / summary.responses),
  };
  row.failed = attempts === 0 || errors * 2 > attempts;
  if (row.failed) row.note = `mostly errors: statuses ${JSON.stringify(summary.statusCodes)}, expected ${scenario.expect.join('/')}`;
  return row;
}

/** Adds the ratio to the ceiling (known once the run is over) and the target verdict. */
export function score(row, scenario, ceilingRps, database) {
  if (row.requestsPerSec === undefined) return;
  row.ratio = round(row.requestsPerSec / ceilingRps, 3);
  if (!scenario.target) return;
  const met = row.failed ? false : scenario.target.met(row, database);
  if (met !== undefined) row.target = { text: scenario.target.text, met };
}

export function notRun(scenario, reason) {
  return { id: scenario.id, title: scenario.title, failed: true, note: `not run: ${reason}` };
}

const COLUMNS = [
  ['scenario', 30, (r) => (r.variant ? `${r.id} (${r.variant})` : r.id)],
  ['req/s', 8, (r) => r.requestsPerSec],
  ['p50 ms', 7, (r) => r.p50],
  ['p99 ms', 7, (r) => r.p99],
  ['ceiling', 8, (r) => (r.ratio == null ? undefined : `${Math.round(r.ratio * 100)}%`)],
  ['errors', 7, (r) => r.errors],
  ['RSS MB', 7, (r) => r.rssMaxMb],
  ['CPU µs/req', 11, (r) => r.cpuUsPerRequest],
  ['target', 28, (r) => (r.target ? `${r.target.met ? 'met' : 'MISSED'}: ${r.target.text}` : undefined)],
];

function line(cells) {
  return cells
    .map((cell, i) => String(cell ?? '-').padEnd(COLUMNS[i][1]))
    .join(' ')
    .trimEnd();
}

export function printReport(result, out = process.stdout) {
  const { ceiling, settings } = result;
  out.write(
    `\nTessera benchmark: -c ${settings.connections}, ${settings.durationSec} s per scenario after ${settings.warmupSec} s warm-up, ` +
      `log level ${settings.logLevel}, ${result.machine.cpus} CPUs, load ${result.machine.loadAverageAtStart.join(' ')}\n`,
  );
  const at = (run) => `${run.requestsPerSec} req/s (p50 ${run.p50} ms, p99 ${run.p99} ms)`;
  out.write(`ceiling (bare Fastify, constant JSON), measured before each backend and at the end: ${ceiling.measurements.map(at).join(', ')}\n`);
  if (result.metricsCost) {
    const cost = result.metricsCost;
    out.write(
      `metrics cost per forward-auth check, in process: ${cost.addedNsPerCheck} ns (median of ${cost.addedNsPerRepeat.join(', ')}), ` +
        `${cost.garbageCollectionsWhileMetered} garbage collections in ${cost.iterations} metered checks\n`,
    );
  }
  for (const backend of result.backends) {
    out.write(
      `\n== ${backend.database}${backend.error ? ` — ${backend.error}` : ''} (ceiling ${backend.ceilingRequestsPerSec} req/s, the mean of the measurements around it)\n`,
    );
    out.write(`${line(COLUMNS.map(([name]) => name))}\n`);
    for (const row of [...backend.scenarios, ...(backend.concurrent ? [backend.concurrent] : [])]) {
      out.write(`${line(COLUMNS.map(([, , read]) => read(row)))}${row.failed ? '  FAILED' : ''}\n`);
      if (row.note) out.write(`    ${row.note}\n`);
    }
    if (backend.concurrent?.login) {
      const login = backend.concurrent.login;
      out.write(`    logins meanwhile: ${login.requestsPerSec} req/s, p99 ${login.p99} ms, errors ${login.errors}\n`);
      if (backend.concurrent.ceilingDuringLogins)
        out.write(`    bare Fastify ceiling under the same login load: ${backend.concurrent.ceilingDuringLogins} req/s\n`);
    }
    if (backend.rssMaxMb != null) {
      out.write(`RSS max over the whole run: ${backend.rssMaxMb} MB (target <250 MB: ${backend.rssMaxMb < 250 ? 'met' : 'MISSED'})\n`);
    }
    for (const problem of backend.seedProblems ?? []) out.write(`seed problem: ${problem}\n`);
    const comparison = backend.comparison;
    for (const [id, o] of Object.entries(comparison?.scenarios ?? {})) {
      const { a, b } = comparison;
      out.write(
        `${b} vs ${a}, ${id}: ${a} ${o.requestsPerSec[a].join(', ')} req/s; ${b} ${o.requestsPerSec[b].join(', ')} req/s; ` +
          `per pair ${o.perRoundChangePercent.map(signed).join(', ')}; means ${signed(o.meanChangePercent)}; ` +
          `CPU per request ${a} ${o.cpuUsPerRequest[a].join(', ')} µs, ${b} ${o.cpuUsPerRequest[b].join(', ')} µs, means ${o.cpuPerRequestChangePercent === null ? '-' : signed(o.cpuPerRequestChangePercent)}\n`,
      );
      const r = o.atFixedRate;
      if (r) {
        out.write(
          `    at ${r.offeredRate} req/s offered: CPU per request ${a} ${r.cpuUsPerRequest[a].join(', ')} µs, ${b} ${r.cpuUsPerRequest[b].join(', ')} µs; ` +
            `medians ${signed(r.medianChangePercent)}${o.inProcessCostPercent === undefined ? '' : `; in-process cost of metrics ${o.inProcessCostPercent}% of a check's CPU`}\n`,
        );
      }
    }
    if (backend.instanceVerificationsCounted !== undefined)
      out.write(`instance verifications counted by tessera_token_verifications_total: ${backend.instanceVerificationsCounted}\n`);
  }
}

export function writeResult(path, result) {
  writeFileSync(`${path}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}
