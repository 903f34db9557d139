#!/usr/bin/env node
// The `tessera` command of package.json; the CLI itself is built from cli/ into dist/cli/.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!existsSync(main)) {
  process.stderr.write(`tessera: ${main} is missing: run \`npm run build\` in ${join(__dirname, '..')}\n`);
  process.exit(2);
}
require(main);
