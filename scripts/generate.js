// Generates what the build and the tests need and git does not keep: both Prisma clients and the
// Swagger plugin metadata (src/metadata.ts), so @nestjs/swagger documents DTOs under tsc and SWC alike.
const { execFileSync } = require('node:child_process');
const { existsSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const prisma = join(root, 'node_modules', '.bin', 'prisma');
execFileSync('node', [join(__dirname, 'prisma-schemas.mjs'), '--check'], { stdio: 'inherit', cwd: root });
for (const [provider, url] of [['sqlite', 'file:./data/unused.db'], ['postgresql', 'postgresql://localhost/unused']]) {
  execFileSync(prisma, ['generate', '--schema', `prisma/${provider}/schema.prisma`], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
  });
}

// The generator type-checks src/, which imports src/metadata.ts: on a fresh clone, start from an empty one.
const metadataFile = join(root, 'src', 'metadata.ts');
if (!existsSync(metadataFile)) writeFileSync(metadataFile, 'export default async () => ({});\n');

const { PluginMetadataGenerator } = require('@nestjs/cli/lib/compiler/plugins/plugin-metadata-generator');
const { ReadonlyVisitor } = require('@nestjs/swagger/plugin');
new PluginMetadataGenerator().generate({
  visitors: [new ReadonlyVisitor({ introspectComments: true, pathToSource: join(root, 'src'), classValidatorShim: true })],
  outputDir: join(root, 'src'),
  watch: false,
  tsconfigPath: 'tsconfig.build.json',
  printDiagnostics: false,
});
