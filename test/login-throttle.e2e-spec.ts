import { HttpResponse, TestApp, usingPostgres } from './support/test-app';

/**
 * Login limits hold when the guesses arrive all at once: every attempt is counted before its
 * password is checked, per account in the database (shared by replicas) and per address.
 */
const CONCURRENCY = 60;
const ACCOUNT_LIMIT = 10;
const ADDRESS_LIMIT = 10;

const login = (app: TestApp, email: string, password: string) => app.request('POST', '/console/api/auth/', { json: { email, password } });

function tally(responses: HttpResponse[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const response of responses) counts[response.status] = (counts[response.status] ?? 0) + 1;
  return counts;
}

function expectThrottled(responses: HttpResponse[]): void {
  for (const response of responses.filter((r) => r.status === 429)) {
    expect(response.body).toEqual({ detail: expect.any(String), code: 'throttled' });
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  }
}

describe(`login throttling under ${CONCURRENCY}-way concurrency (${usingPostgres() ? 'PostgreSQL' : 'SQLite'})`, () => {
  let app: TestApp;
  let replica: TestApp;

  beforeAll(async () => {
    app = await TestApp.start({ TESSERA_LOGIN_FAILURES_PER_ACCOUNT: String(ACCOUNT_LIMIT), TESSERA_LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: '100000' });
    replica = await app.startReplica();
  }, 60_000);
  afterAll(async () => {
    await replica?.close();
    await app?.close();
  });

  it(`lets at most ${ACCOUNT_LIMIT} of ${CONCURRENCY} simultaneous wrong passwords for one account through; the rest get 429`, async () => {
    await app.createUser('target@tessera.test', 'target-password-1');
    const responses = await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => login(app, 'target@tessera.test', `guess-${i}-guess`)));
    const counts = tally(responses);
    process.stdout.write(`one account, one replica, ${CONCURRENCY} at once: ${JSON.stringify(counts)}\n`);
    expect(counts[401]).toBeLessThanOrEqual(ACCOUNT_LIMIT);
    expect(counts[429]).toBe(CONCURRENCY - counts[401]);
    expectThrottled(responses);
    // Locked: even the right password waits for the window.
    expect((await login(app, 'target@tessera.test', 'target-password-1')).status).toBe(429);
  });

  it(`shares the account count between two replicas: ${CONCURRENCY} guesses split over both still allow at most ${ACCOUNT_LIMIT}`, async () => {
    await app.createUser('shared@tessera.test', 'shared-password-1');
    const responses = await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => login(i % 2 ? replica : app, 'shared@tessera.test', `guess-${i}-guess`)));
    const counts = tally(responses);
    process.stdout.write(`one account, two replicas, ${CONCURRENCY} at once: ${JSON.stringify(counts)}\n`);
    expect(counts[401]).toBeLessThanOrEqual(ACCOUNT_LIMIT);
    expect(counts[429]).toBe(CONCURRENCY - counts[401]);
    expectThrottled(responses);
  });

  it('clears the count of an account on a successful login', async () => {
    await app.createUser('forgetful@tessera.test', 'forgetful-password-1');
    for (let i = 0; i < ACCOUNT_LIMIT - 1; i++) expect((await login(app, 'forgetful@tessera.test', `guess-${i}-guess`)).status).toBe(401);
    expect((await login(replica, 'forgetful@tessera.test', 'forgetful-password-1')).status).toBe(200);
    for (let i = 0; i < ACCOUNT_LIMIT; i++) expect((await login(app, 'forgetful@tessera.test', `again-${i}-guess`)).status).toBe(401);
    expect((await login(app, 'forgetful@tessera.test', 'forgetful-password-1')).status).toBe(429);
  });
});

describe(`per-address login limit under ${CONCURRENCY}-way concurrency`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({ TESSERA_LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: String(ADDRESS_LIMIT) });
  });
  afterAll(() => app?.close());

  it(`answers at most ${ADDRESS_LIMIT} of ${CONCURRENCY} simultaneous attempts on distinct accounts from one address; the rest get 429`, async () => {
    const responses = await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => login(app, `spray-${i}@tessera.test`, 'some-password-1')));
    const counts = tally(responses);
    process.stdout.write(`one address, ${CONCURRENCY} accounts at once: ${JSON.stringify(counts)}\n`);
    expect(counts[401]).toBeLessThanOrEqual(ADDRESS_LIMIT);
    expect(counts[429]).toBe(CONCURRENCY - counts[401]);
    expectThrottled(responses);
  });
});
