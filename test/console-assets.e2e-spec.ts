import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CONSOLE_DIST } from '../src/console/console-assets';
import { TestApp } from './support/test-app';

const PAGE = 'a page of the web console, not an API operation';

/** How Tessera serves the built web console (console/dist, built by `npm run build`) next to the API. */
describe('web console assets', () => {
  let app: TestApp;
  const script = () => readdirSync(join(CONSOLE_DIST, 'assets')).find((name) => name.endsWith('.js'))!;

  beforeAll(async () => {
    if (!existsSync(join(CONSOLE_DIST, 'index.html'))) throw new Error(`${CONSOLE_DIST} is missing: run \`npm run build\` first (npm test does)`);
    app = await TestApp.start();
  });
  afterAll(() => app.close());

  it('redirects / and /console to /console/, which serves index.html revalidated on every load', async () => {
    for (const [path, location] of [
      ['/', '/console/'],
      ['/console', '/console/'],
      ['/console?next=1', '/console/?next=1'],
    ]) {
      const response = await fetch(`${app.baseUrl}${path}`, { redirect: 'manual' });
      expect([response.status, response.headers.get('location')]).toEqual([path === '/' ? 302 : 301, location]);
    }
    const page = await app.request('GET', '/console/', { undocumented: PAGE });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.text).toBe(readFileSync(join(CONSOLE_DIST, 'index.html'), 'utf8'));
    const etag = page.headers.get('etag')!;
    expect((await app.request('GET', '/console/', { headers: { 'if-none-match': etag }, undocumented: PAGE })).status).toBe(304);
  });

  it("answers the app's own paths with index.html, so a deep link opens that page", async () => {
    const deep = await app.request('GET', '/console/projects/0b5f3c1e-0000-4000-8000-000000000000/audit', { undocumented: PAGE });
    expect(deep.status).toBe(200);
    expect(deep.text).toContain('<div id="root"></div>');
  });

  it('serves hashed assets as immutable, gzipped when the client accepts it', async () => {
    const name = script();
    const plain = await app.request('GET', `/console/assets/${name}`, { headers: { 'accept-encoding': 'identity' }, undocumented: PAGE });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(plain.text).toBe(readFileSync(join(CONSOLE_DIST, 'assets', name), 'utf8'));

    // node:http, since fetch would decompress the body.
    const gzipped = await new Promise<{ encoding?: string; body: Buffer }>((resolve, reject) => {
      get(`${app.baseUrl}/console/assets/${name}`, { headers: { 'accept-encoding': 'gzip' } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ encoding: response.headers['content-encoding'], body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
    expect(gzipped.encoding).toBe('gzip');
    expect(gunzipSync(gzipped.body).toString('utf8')).toBe(plain.text);
  });

  it('answers a missing asset with a JSON 404, never with the page', async () => {
    const missing = await app.request('GET', '/console/assets/missing-0000.js', { undocumented: PAGE });
    expect([missing.status, missing.body]).toEqual([404, { detail: 'Cannot GET /console/assets/missing-0000.js', code: 'not_found' }]);
  });

  it('leaves /console/api to the API: its routes work, unknown paths get JSON 404 or 405', async () => {
    const { access } = await app.login();
    expect((await app.request('GET', '/console/api/users/me', { token: access })).status).toBe(200);
    expect((await app.request('GET', '/console/api/users/me')).status).toBe(401);
    for (const path of ['/console/api', '/console/api/', '/console/api/no-such-thing', '/console/api/modelhost/nothing/here']) {
      const response = await app.request('GET', path, { undocumented: 'a path no route takes' });
      expect([path, response.status, response.headers.get('content-type'), response.body.code]).toEqual([
        path,
        404,
        'application/json; charset=utf-8',
        'not_found',
      ]);
    }
    const wrongMethod = await app.request('GET', '/console/api/auth/logout', { undocumented: 'a known path with a method it does not serve' });
    expect([wrongMethod.status, wrongMethod.headers.get('allow'), wrongMethod.body.code]).toEqual([405, 'POST', 'method_not_allowed']);
    const post = await app.request('POST', '/console/projects', { json: {}, undocumented: 'the console takes no POST' });
    expect(post.status).toBe(404);
  });

  it('keeps the console out of the OpenAPI document', async () => {
    const document = (await app.request('GET', '/openapi.json', { undocumented: 'the document itself' })).body as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).filter((path) => path === '/' || (path.startsWith('/console') && !path.startsWith('/console/api/')))).toEqual([]);
  });
});
