// Generates what the build and the tests need and git does not keep: both Prisma clients and the
// Swagger plugin metadata (src/metadata.ts), so @nestjs/swagger documents DTOs under SWC exactly as
// the Nest CLI's tsc plugin would.
const { execFileSync } = require('node:child_process');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');

function generatePrismaClients() {
  const prisma = join(root, 'node_modules', '.bin', 'prisma');
  execFileSync(process.execPath, [join(__dirname, 'prisma-schemas.mjs'), '--check'], { stdio: 'inherit', cwd: root });
  for (const [provider, url] of [
    ['sqlite', 'file:./data/unused.db'],
    ['postgresql', 'postgresql://localhost/unused'],
  ]) {
    execFileSync(prisma, ['generate', '--schema', `prisma/${provider}/schema.prisma`], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    });
  }
}

function generateSwaggerMetadata() {
  // The generator type-checks the project, which imports src/metadata.ts: start from a stub, so a
  // fresh clone has one and a previous run's file cannot name a source file that is gone.
  writeFileSync(join(root, 'src', 'metadata.ts'), 'export default async () => ({});\n');
  const { PluginMetadataGenerator } = require('@nestjs/cli/lib/compiler/plugins/plugin-metadata-generator');
  const { ReadonlyVisitor } = require('@nestjs/swagger/plugin');
  new PluginMetadataGenerator().generate({
    visitors: [new ReadonlyVisitor({ introspectComments: true, pathToSource: join(root, 'src'), classValidatorShim: true })],
    outputDir: join(root, 'src'),
    watch: false,
    tsconfigPath: 'tsconfig.build.json',
    printDiagnostics: false,
  });
}

module.exports = { generatePrismaClients, generateSwaggerMetadata };

if (require.main === module) {
  generatePrismaClients();
  generateSwaggerMetadata();
}
