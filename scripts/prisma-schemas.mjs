// Composes prisma/models.prisma with each provider's header into prisma/<provider>/schema.prisma.
// `--check` fails when a committed copy is out of date (CI runs it through `npm test`).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';

const providers = ['sqlite', 'postgresql'];
const models = readFileSync('prisma/models.prisma', 'utf8');
const check = process.argv.includes('--check');
let stale = [];

for (const provider of providers) {
  const header = `// GENERATED from prisma/models.prisma by scripts/prisma-schemas.mjs: edit that file instead.

generator client {
  provider            = "prisma-client"
  output              = "../../src/generated/prisma-${provider}"
  engineType          = "client"
  moduleFormat        = "cjs"
  importFileExtension = ""
}

// The CLI and the app connect through the driver adapter chosen in prisma.config.ts.
datasource db {
  provider = "${provider}"
  url      = env("DATABASE_URL")
}
`;
  const target = `prisma/${provider}/schema.prisma`;
  const content = `${header}\n${models}`;
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current === content) continue;
  if (check) stale.push(target);
  else writeFileSync(target, content);
}

if (stale.length) {
  console.error(`Out of date: ${stale.join(', ')}. Run \`node scripts/prisma-schemas.mjs\` and commit.`);
  process.exit(1);
}
