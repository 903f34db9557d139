// `npm run build`: generate (scripts/generate.js), then transpile src/ into dist/ and the command-line
// tool (cli/, with the client it is built on) into dist/cli/ with SWC, one file at a time and
// without type-checking (`npm run typecheck` and `npm test` do that), so a build takes
// the time of the generators rather than of tsc. With --if-stale it does only the stages whose
// inputs changed since the last build, which `npm start` and `npm test` rely on. The web console
// (console/) is bundled by Vite into console/dist/, also without type-checking: `npm run typecheck`
// checks it against the committed API client, so a contract change fails CI, not the console's users.
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');
const { transformFileSync } = require('@swc/core');
const { generatePrismaClients, generateSwaggerMetadata } = require('./generate');

const root = join(__dirname, '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
const stampFile = join(dist, '.build-inputs.json');
const generatedOutputs = [join(src, 'generated'), join(src, 'metadata.ts')];
const consoleApp = join(root, 'console');
const consoleDist = join(consoleApp, 'dist');
// The CLI and the generated client it imports keep their places relative to each other under dist/.
const cliSources = () => [...files(join(root, 'cli')), 'clients/typescript/index.ts'];

// What each stage reads; a change in any of these files reruns the stage (and the ones that name it
// in `after`).
const stages = [
  {
    name: 'prisma',
    inputs: () => [...files(join(root, 'prisma')), 'scripts/generate.js', 'scripts/prisma-schemas.mjs', 'prisma.config.ts', 'package-lock.json'],
    outputs: [join(src, 'generated')],
    run: generatePrismaClients,
  },
  {
    name: 'app',
    after: ['prisma'],
    inputs: () => [
      ...files(src).filter((file) => !isGenerated(file) && !file.endsWith('.spec.ts')),
      'scripts/build.js',
      'scripts/generate.js',
      'tsconfig.json',
      'tsconfig.build.json',
      'package-lock.json',
    ],
    outputs: [join(src, 'metadata.ts'), join(dist, 'main.js')],
    run: () => {
      generateSwaggerMetadata();
      transpile();
    },
  },
  {
    name: 'console',
    inputs: () => [
      ...files(consoleApp).filter((file) => !join(root, file).startsWith(consoleDist)),
      'clients/typescript/index.ts',
      'clients/typescript/schema.d.ts',
      'scripts/build.js',
      'package-lock.json',
    ],
    outputs: [join(consoleDist, 'index.html')],
    run: buildConsole,
  },
  {
    name: 'cli',
    // `app` replaces dist/ as a whole, so this stage runs again after it.
    after: ['app'],
    inputs: () => [...cliSources(), 'scripts/build.js', 'package-lock.json'],
    outputs: [join(dist, 'cli', 'main.js')],
    run: transpileCli,
  },
];

/** Builds what is out of date (everything without `ifStale`); returns the names of the stages run. */
function build({ ifStale = false } = {}) {
  const previous = ifStale && existsSync(stampFile) ? JSON.parse(readFileSync(stampFile, 'utf8')) : {};
  const stamp = {};
  const ran = [];
  for (const stage of stages) {
    stamp[stage.name] = digest(stage.inputs());
    const fresh =
      !(stage.after ?? []).some((name) => ran.includes(name)) &&
      previous[stage.name] === stamp[stage.name] &&
      stage.outputs.every((output) => existsSync(output));
    if (fresh) continue;
    stage.run();
    ran.push(stage.name);
  }
  if (ran.length) writeFileSync(stampFile, JSON.stringify(stamp, null, 2) + '\n');
  return ran;
}

/** Into a fresh directory that then replaces dist/, so a server started meanwhile finds a whole build. */
function transpile() {
  const next = `${dist}.next`;
  rmSync(next, { recursive: true, force: true });
  for (const file of files(src)) {
    if (!file.endsWith('.ts') || file.endsWith('.spec.ts') || file.endsWith('.d.ts')) continue;
    transpileFile(file, join(next, relative('src', file)).replace(/\.ts$/, '.js'));
  }
  rmSync(dist, { recursive: true, force: true });
  renameSync(next, dist);
}

/** cli/**.ts into dist/cli/, clients/typescript/index.ts into dist/clients/typescript/. */
function transpileCli() {
  for (const folder of ['cli', 'clients']) rmSync(join(dist, folder), { recursive: true, force: true });
  for (const file of cliSources()) {
    if (file.endsWith('.ts') && !file.endsWith('.d.ts')) transpileFile(file, join(dist, file).replace(/\.ts$/, '.js'));
  }
}

function transpileFile(file, out) {
  const { code, map } = transformFileSync(join(root, file), {
    swcrc: false,
    sourceMaps: true,
    outputPath: out,
    // The same transform as tsc with tsconfig.json: legacy decorators with design-time type
    // metadata (Nest's injection and Swagger read it), ES2022 class fields, CommonJS.
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${code}\n//# sourceMappingURL=${out.split('/').pop()}.map\n`);
  writeFileSync(`${out}.map`, map);
}

/** Vite's CLI, run with this Node (node_modules/.bin is not on PATH under `node scripts/...`). */
function buildConsole() {
  const vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  execFileSync(process.execPath, [vite, 'build', 'console', '--config', 'console/vite.config.mts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
}

/** Files under a directory, relative to the project root, sorted. */
function files(directory) {
  if (!existsSync(directory)) return [];
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath ?? entry.path, entry.name)))
    .sort();
}

function isGenerated(file) {
  return generatedOutputs.some((output) => join(root, file).startsWith(output));
}

function digest(paths) {
  const hash = createHash('sha256');
  for (const path of paths) {
    hash.update(`${path}\0`);
    hash.update(existsSync(join(root, path)) ? readFileSync(join(root, path)) : '');
    hash.update('\0');
  }
  return hash.digest('hex');
}

module.exports = { build };

if (require.main === module) {
  const ifStale = process.argv.includes('--if-stale');
  const started = Date.now();
  const ran = build({ ifStale });
  if (ran.length || !ifStale) process.stderr.write(`built ${ran.join(' and ')} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
