// `node bench/markdown.mjs FIRST.json SECOND.json`: bench/README.md's "Latest results" tables from two
// runs of `npm run bench` (copies of bench/results/latest.json), SECOND being the one published.
// Run the benchmark twice in a row: the second table shows how far the numbers moved.
import { readFileSync } from 'node:fs';

const DATABASE_NAMES = { sqlite: 'SQLite', postgresql: 'PostgreSQL' };
const percent = (ratio) => `${Math.round(ratio * 100)}%`;
const signed = (change) => `${change >= 0 ? '+' : ''}${change}%`;
const rowsOf = (backend) => [...backend.scenarios, ...(backend.concurrent ? [backend.concurrent] : [])];

function resultsTable(run) {
  const [sqlite, postgres] = run.backends;
  if (!postgres) throw new Error('expected a run on SQLite and PostgreSQL (set BENCH_DATABASE_URL)');
  const at = run.generatedAt.slice(0, 16).replace('T', ' ');
  const ceilings = run.ceiling.measurements.map((m) => m.requestsPerSec).join(', ');
  const lines = [
    `Run of ${at} UTC (${run.machine.cpus} × ${run.machine.cpuModel}, Node ${run.machine.node}), \`-c ${run.settings.connections}\`, ` +
      `${run.settings.durationSec} s per scenario after ${run.settings.warmupSec} s warm-up, log level \`${run.settings.logLevel}\`. ` +
      `Ceiling (bare Fastify) before SQLite, before PostgreSQL and at the end: ${ceilings} req/s; ` +
      `SQLite's ratios use ${sqlite.ceilingRequestsPerSec}, PostgreSQL's ${postgres.ceilingRequestsPerSec}.`,
    '',
    '| scenario | SQLite req/s | p50 / p99 ms | of ceiling | PostgreSQL req/s | p50 / p99 ms | of ceiling | target |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const row of rowsOf(sqlite)) {
    const other = rowsOf(postgres).find((candidate) => candidate.id === row.id);
    const cells = (r) => (r?.requestsPerSec === undefined ? ['not run', '', ''] : [r.requestsPerSec, `${r.p50} / ${r.p99}`, percent(r.ratio)]);
    const verdicts = [
      [sqlite, row],
      [postgres, other],
    ]
      .filter(([, r]) => r?.target)
      .map(([backend, r]) => `${DATABASE_NAMES[backend.database]} ${r.target.met ? 'met' : '**missed**'}`);
    const text = row.target?.text ?? other?.target?.text;
    lines.push(`| ${[row.id, ...cells(row), ...cells(other), text ? `${text}: ${verdicts.join(', ')}` : ''].join(' | ')} |`);
  }
  const during = (backend) => backend.concurrent;
  lines.push(
    '',
    `Logins during verify-during-logins: SQLite ${during(sqlite).login.requestsPerSec}/s, PostgreSQL ${during(postgres).login.requestsPerSec}/s; ` +
      `the bare Fastify ceiling under the same logins: SQLite ${during(sqlite).ceilingDuringLogins}, PostgreSQL ${during(postgres).ceilingDuringLogins} req/s. ` +
      `Peak RSS over the whole run: SQLite ${sqlite.rssMaxMb} MB, PostgreSQL ${postgres.rssMaxMb} MB (target <250 MB).`,
  );
  return lines;
}

function noiseTable(first, second) {
  const change = (before, after) => signed(Math.round((after / before - 1) * 100));
  const lines = [
    '| | first run | second run | change |',
    '| --- | ---: | ---: | ---: |',
    `| ceiling (mean) | ${first.ceiling.requestsPerSec} | ${second.ceiling.requestsPerSec} | ${change(first.ceiling.requestsPerSec, second.ceiling.requestsPerSec)} |`,
  ];
  for (const [index, backend] of second.backends.entries()) {
    for (const row of rowsOf(backend)) {
      const before = rowsOf(first.backends[index] ?? { scenarios: [] }).find((candidate) => candidate.id === row.id);
      if (before?.requestsPerSec === undefined || row.requestsPerSec === undefined) continue;
      lines.push(
        `| ${DATABASE_NAMES[backend.database]} ${row.id} | ${before.requestsPerSec} (${percent(before.ratio)}) | ${row.requestsPerSec} (${percent(row.ratio)}) | ${change(before.requestsPerSec, row.requestsPerSec)} |`,
      );
    }
  }
  return lines;
}

const files = process.argv.slice(2);
if (files.length !== 2) {
  process.stderr.write('usage: node bench/markdown.mjs FIRST.json SECOND.json (two runs, the second is published)\n');
  process.exit(2);
}
const [first, second] = files.map((file) => JSON.parse(readFileSync(file, 'utf8')));
process.stdout.write(`${[...resultsTable(second), '', ...noiseTable(first, second)].join('\n')}\n`);
