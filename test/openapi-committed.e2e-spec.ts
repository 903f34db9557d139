import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TestApp } from './support/test-app';

const ROOT = join(__dirname, '..');
const SELF = 'the document does not list itself as an operation';
const REGENERATE = 'Run `npm run openapi` and commit openapi/ and clients/typescript/schema.d.ts.';

/** The first line where `committed` and `served` part, so the failure says what changed. */
function firstDifference(committed: string, served: string): string {
  const a = committed.split('\n');
  const b = served.split('\n');
  const line = a.findIndex((text, index) => text !== b[index]);
  const at = line === -1 ? a.length : line;
  return `line ${at + 1}: committed ${JSON.stringify(a[at] ?? '<end of file>')}, served ${JSON.stringify(b[at] ?? '<end of file>')}`;
}

function expectCommitted(file: string, served: string): void {
  const committed = readFileSync(join(ROOT, file), 'utf8');
  if (committed !== served) throw new Error(`${file} differs from the document the app serves (${firstDifference(committed, served)}). ${REGENERATE}`);
}

describe('the committed contract (openapi/, clients/typescript/)', () => {
  let app: TestApp;

  // The app started as scripts/openapi.mjs starts it: the same public URL, so `servers` matches.
  beforeAll(async () => {
    app = await TestApp.start({ TESSERA_PUBLIC_URL: 'http://localhost:8080' });
  });
  afterAll(() => app.close());

  it('openapi/openapi.json is the served /openapi.json, formatted', async () => {
    const served = await app.request('GET', '/openapi.json', { undocumented: SELF });
    expect(served.status).toBe(200);
    expectCommitted('openapi/openapi.json', `${JSON.stringify(served.body, null, 2)}\n`);
  });

  it('openapi/openapi.yaml is the served /openapi.yaml', async () => {
    const served = await app.request('GET', '/openapi.yaml', { undocumented: SELF });
    expect(served.status).toBe(200);
    expectCommitted('openapi/openapi.yaml', served.text);
  });

  it('clients/typescript/schema.d.ts is what openapi-typescript generates from openapi/openapi.json', async () => {
    const stale = await promisify(execFile)('npm', ['run', '--silent', 'openapi:client', '--', '--check'], { cwd: ROOT }).then(
      () => undefined,
      (error: { stderr?: string }) =>
        `clients/typescript/schema.d.ts is out of date with openapi/openapi.json (${error.stderr?.trim().split('\n').pop()}). ${REGENERATE}`,
    );
    expect(stale).toBeUndefined();
  });
});
