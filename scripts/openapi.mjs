// Writes the committed contract from the app itself: openapi/openapi.json and openapi/openapi.yaml as
// the built app serves them, then the typed client generated from the JSON
// (clients/typescript/schema.d.ts). `npm run openapi` builds first and runs this.
// test/openapi-committed.e2e-spec.ts fails when these files differ from what the app serves.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { createApp } = require(join(root, 'dist', 'app.setup.js'));
const { loadConfig } = require(join(root, 'dist', 'config', 'app-config.js'));

// The committed copy names the default address, not this machine's (the test starts the app the same way).
const PUBLIC_URL = 'http://localhost:8080';
// A throwaway SQLite database: the document depends on the code, not on data.
const dataDir = mkdtempSync(join(tmpdir(), 'tessera-openapi-'));
const config = loadConfig({
  TESSERA_PUBLIC_URL: PUBLIC_URL,
  TESSERA_LOG_LEVEL: 'silent',
  TESSERA_ADMIN_PASSWORD: 'unused-password-of-a-throwaway-database',
  TESSERA_DATA_DIR: dataDir,
  DATABASE_URL: `file:${join(dataDir, 'tessera.db')}`,
});
const app = await createApp(config);
try {
  // Fastify answers injected requests without a listening socket.
  await app.init();
  const json = await get('/openapi.json');
  write('openapi/openapi.json', `${JSON.stringify(JSON.parse(json), null, 2)}\n`);
  write('openapi/openapi.yaml', await get('/openapi.yaml'));
} finally {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
}
// The committed-contract test runs the same script with --check.
execFileSync('npm', ['run', '--silent', 'openapi:client'], { cwd: root, stdio: 'inherit' });

async function get(url) {
  const response = await app.inject({ method: 'GET', url });
  if (response.statusCode !== 200) throw new Error(`GET ${url} answered ${response.statusCode}: ${response.body}`);
  return response.body;
}

function write(file, text) {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
  console.log(`wrote ${file}`);
}
