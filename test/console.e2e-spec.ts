import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, screenshot, seriousA11yViolations } from './support/browser';
import { givenInstance, givenMembership, givenProject, givenToken } from './support/fixtures';
import { ADMIN_EMAIL, ADMIN_PASSWORD, jwtPayload, TestApp } from './support/test-app';
import { forwardAuth } from './support/typed-client';

// A browser drives a real Tessera; on a loaded machine a page step can take seconds.
jest.setTimeout(180_000);

/** The web console in Chromium against a real Tessera (SQLite, or PostgreSQL with TEST_DATABASE_URL). */
describe('web console', () => {
  let app: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    [app, browser] = await Promise.all([TestApp.start(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
  });
  afterEach(() => context.close());

  /** Opens `path` (a reload signs out: the tokens live in the page's memory only) and signs in there. */
  async function signIn(email = ADMIN_EMAIL, password = ADMIN_PASSWORD, path = '/'): Promise<void> {
    await page.goto(`${app.baseUrl}/console${path}`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  async function expectAccessible(): Promise<void> {
    expect(await seriousA11yViolations(page)).toEqual([]);
  }

  const dialog = () => page.getByRole('dialog');
  const row = (name: string) => page.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });

  it('GET / redirects to the console, which serves the sign-in page', async () => {
    const response = await page.goto(app.baseUrl);
    expect(response?.url()).toBe(`${app.baseUrl}/console/`);
    await expect(page.title()).resolves.toBe('Tessera console');
    await page.getByRole('heading', { name: 'Sign in to Tessera' }).waitFor();
    await expectAccessible();
    await screenshot(page, 'sign-in');
  });

  it('the portal steps: project, instance, tracking token created, used, listed, edited and deleted', async () => {
    await signIn();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await expectAccessible();

    await page.getByRole('button', { name: 'Create project' }).click();
    await dialog().getByLabel('Name').fill('ml-team');
    await dialog().getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'ml-team', level: 1 }).waitFor();

    await page.getByRole('button', { name: 'Create instance' }).click();
    await dialog().getByLabel('Name').fill('tracking');
    await dialog().getByLabel('Description (optional)').fill('MLflow for the team');
    await dialog().getByRole('button', { name: 'Create instance' }).click();
    await page.getByRole('link', { name: 'Tracking tokens of tracking' }).waitFor();
    await expectAccessible();
    await screenshot(page, 'project');

    await page.getByRole('link', { name: 'Tracking tokens of tracking' }).click();
    await page.getByRole('heading', { name: 'tracking: tracking tokens' }).waitFor();
    const instanceId = /\/instances\/([^/]+)$/.exec(page.url())![1];
    await page.getByText('No tracking tokens yet').waitFor();
    await expectAccessible();

    await page.getByRole('button', { name: 'Create token' }).click();
    await dialog().getByLabel('Name').fill('ci');
    await dialog().getByLabel('Description (optional)').fill('nightly training');
    await dialog().getByRole('radio', { name: '30 days' }).check();
    await expectAccessible();
    await dialog().getByRole('button', { name: 'Create token' }).click();

    await dialog().getByRole('heading', { name: 'Token ci created' }).waitFor();
    await dialog().getByText('you will not see it again').waitFor();
    const secret = await dialog().getByLabel('Token').inputValue();
    expect(secret.length).toBeGreaterThan(20);
    await expect(dialog().locator('pre').textContent()).resolves.toContain(`export MLFLOW_TRACKING_TOKEN=${secret}`);
    await expectAccessible();
    await screenshot(page, 'token-created');
    expect((await forwardAuth(app, `/v1/auth/instances/${instanceId}/verify`, secret)).status).toBe(204);
    await dialog().getByRole('button', { name: 'Done' }).click();

    const ci = row('ci');
    await ci.waitFor();
    await expect(ci.getByText('active', { exact: true }).count()).resolves.toBe(1);
    await expect(ci.textContent()).resolves.toContain('in 30 days');
    const expires = await ci.locator('time').first().getAttribute('datetime');
    const daysLeft = (Date.parse(expires!) - Date.now()) / 86_400_000;
    expect(daysLeft).toBeGreaterThan(29.9);
    expect(daysLeft).toBeLessThanOrEqual(30);
    await screenshot(page, 'tokens');

    await page.getByRole('button', { name: 'Edit ci' }).click();
    await dialog().getByLabel('Description').fill('weekly training');
    await dialog().getByRole('button', { name: 'Save' }).click();
    await ci.getByText('weekly training').waitFor();

    await page.getByRole('button', { name: 'Delete ci' }).click();
    await dialog().getByRole('button', { name: 'Delete token' }).click();
    await dialog().getByText('Type ci to confirm.').waitFor();
    await dialog().getByLabel('Type ci to confirm').fill('ci');
    await expectAccessible();
    await dialog().getByRole('button', { name: 'Delete token' }).click();
    await page.getByText('No tracking tokens yet').waitFor();
    expect((await forwardAuth(app, `/v1/auth/instances/${instanceId}/verify`, secret)).status).toBe(401);
  });

  it('filters tokens by state and searches them by name', async () => {
    const project = await givenProject(app, await app.login(), 'filters');
    const projectId = project.id;
    const instance = await givenInstance(app, project);
    await givenToken(app, instance, { name: 'training-a' });
    await givenToken(app, instance, { name: 'serving-b' });
    await signIn();
    await page.getByRole('link', { name: 'filters' }).waitFor();
    await screenshot(page, 'projects');
    await signIn(ADMIN_EMAIL, ADMIN_PASSWORD, `/projects/${projectId}/regions/eu01/instances/${instance.id}`);
    await row('training-a').waitFor();
    await page.getByLabel('Search by name').fill('serv');
    await row('serving-b').waitFor();
    await expect(row('training-a').count()).resolves.toBe(0);
    await page.getByLabel('State').selectOption('inactive');
    await page.getByText('No token matches the filter.').waitFor();

    // Dark mode follows the system, with the same contrast rules.
    await page.getByLabel('State').selectOption('');
    await page.getByLabel('Search by name').fill('');
    await page.emulateMedia({ colorScheme: 'dark' });
    await row('training-a').waitFor();
    await expectAccessible();
    await screenshot(page, 'tokens-dark');
  });

  it('a reader sees the tokens but no create, edit or delete controls, also on a phone-width window', async () => {
    const project = await givenProject(app, await app.login(), 'read-only');
    const instance = await givenInstance(app, project);
    await givenToken(app, instance, { name: 'ci' });
    await app.createUser('reader@tessera.test', 'reader-password-1');
    await givenMembership(app, project, 'reader@tessera.test', 'reader');

    await page.setViewportSize({ width: 390, height: 844 });
    await signIn('reader@tessera.test', 'reader-password-1');
    await page.getByRole('link', { name: 'read-only' }).click();
    await page.getByText('your role: reader').waitFor();
    await page.getByRole('link', { name: 'Tracking tokens of tracking' }).waitFor();
    for (const name of ['Create instance', 'Rename', 'Rename tracking', 'Delete tracking', 'Add member']) {
      await expect(page.getByRole('button', { name, exact: true }).count()).resolves.toBe(0);
    }
    await expect(page.getByRole('combobox', { name: /^Role of / }).count()).resolves.toBe(0);
    await expectAccessible();

    await page.getByRole('link', { name: 'Tracking tokens of tracking' }).click();
    await row('ci').waitFor();
    for (const name of ['Create token', 'Edit ci', 'Delete ci']) {
      await expect(page.getByRole('button', { name, exact: true }).count()).resolves.toBe(0);
    }
    // The table scrolls inside its frame; the page itself fits the phone's width.
    await expect(page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).resolves.toBe(true);
    await expectAccessible();
  });

  it('a wrong password shows the API error next to the form', async () => {
    await page.goto(`${app.baseUrl}/console/`);
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe('No active account found with the given credentials');
    await expect(page.getByRole('button', { name: 'Sign out' }).count()).resolves.toBe(0);
    await expectAccessible();
  });

  it('sign-out revokes the refresh token and keeps no token in storage', async () => {
    const login = page.waitForResponse((response) => response.url().endsWith('/console/api/auth') && response.request().method() === 'POST');
    await signIn();
    const { refresh } = (await (await login).json()) as { refresh: string };
    const stored = await page.evaluate('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie })');
    expect(stored).toBe(JSON.stringify({ local: {}, session: {}, cookie: '' }));
    expect((await app.request('POST', '/console/api/auth/refresh/', { json: { refresh } })).status).toBe(200);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Tessera' }).waitFor();
    expect((await app.request('POST', '/console/api/auth/refresh/', { json: { refresh } })).status).toBe(401);
  });

  it('the Practicus steps: prefix, model, version, session token, get_meta with it', async () => {
    await signIn();
    await page.getByRole('link', { name: 'Models' }).click();
    await page.getByRole('heading', { name: 'Models', level: 1 }).waitFor();
    await expectAccessible();

    await page.getByRole('button', { name: 'Create prefix' }).click();
    await dialog().getByLabel('Key').fill('practicus');
    await dialog().getByLabel('Prefix (URL path)').fill('models/practicus');
    await dialog().getByRole('button', { name: 'Create prefix' }).click();
    await page.getByRole('cell', { name: 'models/practicus' }).waitFor();

    await page.getByRole('button', { name: 'Create model' }).click();
    await dialog().getByLabel('Name').fill('diamond-price');
    await expectAccessible();
    await dialog().getByRole('button', { name: 'Create model' }).click();
    await page.getByRole('heading', { name: 'diamond-price', level: 1 }).waitFor();
    const modelId = Number(/\/models\/(\d+)$/.exec(page.url())![1]);

    await page.getByRole('button', { name: 'Add version' }).click();
    await dialog().getByLabel('Version').fill('3');
    await dialog().getByLabel('Stage').selectOption('Production');
    await dialog().getByRole('button', { name: 'Add version' }).click();
    await page.getByRole('combobox', { name: 'Stage of version 3' }).waitFor();
    await expect(page.getByRole('combobox', { name: 'Stage of version 3' }).inputValue()).resolves.toBe('Production');
    await expectAccessible();
    await screenshot(page, 'model');

    await page.getByRole('button', { name: 'Get session token' }).click();
    const session = await dialog().getByLabel('Token').inputValue();
    const url = `${app.baseUrl}/models/practicus/diamond-price/?get_meta=true`;
    await expect(dialog().locator('pre').textContent()).resolves.toBe(`curl -H "Authorization: Bearer ${session}" "${url}"`);
    await expectAccessible();
    await dialog().getByRole('button', { name: 'Done' }).click();

    const meta = await app.request('GET', '/models/practicus/diamond-price/?get_meta=true', { token: session });
    expect(meta.status).toBe(200);
    expect(meta.body).toMatchObject({ model_id: modelId, name: 'diamond-price', prefix: 'models/practicus', version: { version: '3', stage: 'Production' } });
    expect((await forwardAuth(app, `/v1/auth/models/${modelId}/verify`, session)).status).toBe(204);

    await page.getByRole('link', { name: 'Models', exact: true }).first().click();
    await page.getByRole('link', { name: 'diamond-price' }).waitFor();
    await screenshot(page, 'models');

    await page.getByRole('link', { name: 'External API tokens' }).click();
    await page.getByText('No external API tokens yet.').waitFor();
    await page.getByRole('button', { name: 'Create token' }).click();
    await dialog().getByLabel('Name').fill('partner');
    await dialog().getByLabel('Scope').selectOption(`model:${modelId}`);
    await expectAccessible();
    await dialog().getByRole('button', { name: 'Create token' }).click();
    const external = await dialog().getByLabel('Token').inputValue();
    await dialog().getByRole('button', { name: 'Done' }).click();
    await row('partner').getByText('active').waitFor();
    expect((await forwardAuth(app, `/v1/auth/models/${modelId}/verify`, external)).status).toBe(204);
    await page.getByRole('button', { name: 'Revoke partner' }).click();
    await row('partner').getByText('revoked').waitFor();
    expect((await forwardAuth(app, `/v1/auth/models/${modelId}/verify`, external)).status).toBe(401);
    await expectAccessible();
  });

  it('service accounts with access tokens, members and the audit trail', async () => {
    const project = await givenProject(app, await app.login(), 'pipelines');
    const projectId = project.id;
    const instance = await givenInstance(app, project);
    await givenToken(app, instance, { name: 'audited' });
    await signIn(ADMIN_EMAIL, ADMIN_PASSWORD, `/projects/${projectId}`);
    await page.getByRole('button', { name: 'Add member' }).click();
    await dialog().getByLabel('Email (user or service account)').fill('colleague@tessera.test');
    await dialog().getByLabel('Role').selectOption('editor');
    await dialog().getByRole('button', { name: 'Add member' }).click();
    await expect(page.getByRole('combobox', { name: 'Role of colleague@tessera.test' }).inputValue()).resolves.toBe('editor');

    await page.getByRole('link', { name: 'Service accounts' }).click();
    await page.getByText('No service accounts yet.').waitFor();
    await page.getByRole('button', { name: 'Create service account' }).click();
    await dialog().getByLabel('Name').fill('trainer');
    await dialog().getByRole('button', { name: 'Create' }).click();
    await page.getByRole('button', { name: 'Access tokens' }).click();
    await page.getByRole('button', { name: 'Create access token' }).click();
    const saToken = await dialog().getByLabel('Token').inputValue();
    await expectAccessible();
    await dialog().getByRole('button', { name: 'Done' }).click();
    const asServiceAccount = await app.request('GET', `/v1/projects/${projectId}`, { token: saToken });
    expect(asServiceAccount.status).toBe(200);
    await expectAccessible();
    await screenshot(page, 'service-accounts');
    await page.getByRole('button', { name: /^Revoke / }).click();
    await page.getByText('inactive').waitFor();
    expect((await app.request('GET', `/v1/projects/${projectId}`, { token: saToken })).status).toBe(401);

    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'pipelines' }).click();
    await page.getByRole('link', { name: 'Audit events' }).click();
    await page.getByRole('cell', { name: 'instance-token.create' }).waitFor();
    await page.getByLabel('Action').selectOption('instance.create');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('cell', { name: 'instance.create' }).waitFor();
    await expect(page.getByRole('cell', { name: 'instance-token.create' }).count()).resolves.toBe(0);
    await expectAccessible();
    await screenshot(page, 'audit');
  });
});

describe('web console with short-lived access tokens', () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([TestApp.start({ TESSERA_ACCESS_TOKEN_TTL: '2s' }), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('refreshes an expired access token without the user noticing', async () => {
    await givenProject(app, await app.login(), 'kept-open');
    const context = await browser.newContext();
    const page = await context.newPage();
    const refreshes: number[] = [];
    page.on('response', (response) => {
      if (response.url().endsWith('/console/api/auth/refresh')) refreshes.push(response.status());
    });
    const login = page.waitForResponse((response) => response.url().endsWith('/console/api/auth') && response.request().method() === 'POST');
    await page.goto(`${app.baseUrl}/console/`);
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const expiresAt = jwtPayload(((await (await login).json()) as { access: string }).access).exp * 1000;
    await page.getByRole('link', { name: 'kept-open' }).waitFor();

    // Wait until the access token the page holds has expired (the server counts whole seconds).
    await page.waitForTimeout(Math.max(0, expiresAt - Date.now()) + 1_100);
    await page.getByRole('link', { name: 'kept-open' }).click();
    await page.getByRole('heading', { name: 'kept-open', level: 1 }).waitFor();
    await page.getByText('your role: owner').waitFor();
    expect(refreshes.length).toBeGreaterThan(0);
    expect(refreshes.every((status) => status === 200)).toBe(true);
    await expect(page.getByRole('heading', { name: 'Sign in to Tessera' }).count()).resolves.toBe(0);
    await expect(page.getByRole('alert').count()).resolves.toBe(0);
    await context.close();
  });
});
