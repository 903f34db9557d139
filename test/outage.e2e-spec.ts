import BetterSqlite3 from 'better-sqlite3';
import { Client } from 'pg';
import { LISTENER_APPLICATION_NAME } from '../src/cache/postgres-transport';
import { givenInstance, givenProject, givenServiceAccount, givenToken, verifyPath } from './support/fixtures';
import { seedModel } from './support/model-registry';
import { pollUntil, Replica, ReplicaSet, sleep } from './support/replicas';
import { HttpResponse, TestApp, usingPostgres } from './support/test-app';

/**
 * The database goes away under load and comes back: replicas stay up, answer 503 (never a verdict
 * on the credentials) while it is gone, and serve again once it is back, having lost nothing they
 * acknowledged. On PostgreSQL the test's own database refuses connections and its backends are
 * terminated (the server itself is shared with other tests); on SQLite another connection holds
 * the write lock past the busy timeout.
 */
const describeOnPostgres = usingPostgres() ? describe : describe.skip;
const describeOnSqlite = usingPostgres() ? describe.skip : describe;
if (!usingPostgres()) {
  process.stdout.write('outage.e2e-spec: the two-replica PostgreSQL outage test needs TEST_DATABASE_URL; running the SQLite lock test only\n');
}

const RECOVERY_BOUND_MS = 5_000;
const PROPAGATION_BOUND_MS = 1_000;

/** 503 in the documented shape of the route's API family, with Retry-After. */
function expectUnavailable(response: HttpResponse, family: 'stackit' | 'console'): void {
  expect(response.status).toBe(503);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(response.headers.get('x-request-id')).toBeTruthy();
  if (family === 'stackit') expect(response.body).toEqual({ code: 503, message: expect.any(String), status: 'Service Unavailable' });
  else expect(response.body).toEqual({ detail: expect.any(String), code: 'unavailable' });
}

describeOnPostgres('a PostgreSQL outage under load, two node dist/main.js replicas', () => {
  let set: ReplicaSet;
  let admin: Client;
  let databaseName: string;
  let loading = false;

  beforeAll(async () => {
    set = await ReplicaSet.start(2);
    databaseName = new URL(set.databaseUrl).pathname.slice(1);
    admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
  }, 90_000);
  afterAll(async () => {
    loading = false;
    // Whatever happened, the database must take connections again so it can be dropped.
    await admin?.query(`ALTER DATABASE "${databaseName}" ALLOW_CONNECTIONS true`).catch(() => undefined);
    await admin?.end();
    await set?.close();
  });

  it('keeps both replicas up, answers 503 while the database is gone, recovers, loses no acknowledged write', async () => {
    const [a, b] = set.replicas;
    const owner = await a.login();
    const token = owner.access;
    const outage = await givenProject(a, owner, 'outage');
    const project = outage.id;
    const tracking = await givenInstance(a, outage);
    const instance = tracking.id;
    const tokens = tracking.tokensPath;
    const probe = await givenToken(a, tracking, { name: 'probe', ttlDuration: '1d' });
    // The other credentials an authentication path checks: a service-account token and a model's external token.
    const accountToken = (await givenServiceAccount(a, outage, 'reader', 'outage')).access;
    const model = await seedModel(a, token, { key: 'outage', prefix: 'models/outage', name: 'outage-model' });
    const external = (await a.request('POST', '/console/api/modelhost/external-api-tokens/', { token, json: { name: 'outage', model_id: model.modelId } })).body
      .token;
    const modelVerify = `/v1/auth/models/${model.modelId}/verify`;
    for (const replica of [a, b]) {
      expect((await replica.request('GET', `/v1/projects/${project}`, { token: accountToken })).status).toBe(200);
      expect((await replica.request('GET', modelVerify, { token: external })).status).toBe(204);
    }

    // Creates and verifies in flight on both replicas for the whole test.
    type Phase = 'before' | 'outage' | 'after';
    let phase: Phase = 'before';
    const statuses: Record<Phase, Record<string, number>> = { before: {}, outage: {}, after: {} };
    const acknowledged: string[] = [];
    let outageStartedAt = 0;
    const outageResponses: { response: HttpResponse; family: 'stackit' | 'console'; sentAt: number; answeredAt: number; path: string }[] = [];
    const send = async (replica: Replica, method: string, path: string, family: 'stackit' | 'console', options: { token: string; json?: unknown }) => {
      const sentIn = phase;
      const sentAt = Date.now();
      const response = await replica.request(method, path, options).catch(() => undefined);
      if (!response) return undefined;
      statuses[sentIn][response.status] = (statuses[sentIn][response.status] ?? 0) + 1;
      if (sentIn === 'outage') outageResponses.push({ response, family, sentAt, answeredAt: Date.now(), path });
      return response;
    };
    loading = true;
    const worker = async (replica: Replica, index: number) => {
      for (let n = 0; loading && n < 100_000; n++) {
        const created = await send(replica, 'POST', tokens, 'stackit', { token, json: { name: `load-${index}-${n}`, ttlDuration: '1d' } });
        if (created?.status === 202) acknowledged.push(created.body.token.id);
        await send(replica, 'GET', verifyPath(instance), 'stackit', { token: probe.content });
        await sleep(10);
      }
    };
    const load = [worker(a, 0), worker(a, 1), worker(b, 2), worker(b, 3)];

    await sleep(1_000);
    await admin.query(`ALTER DATABASE "${databaseName}" ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [databaseName]);
    outageStartedAt = Date.now();
    phase = 'outage';

    // Console routes with a valid user or service-account token, and forward-auth for instances and models, on both replicas.
    const checks: Promise<void>[] = [];
    for (let round = 0; round < 10; round++) {
      for (const replica of [a, b]) {
        checks.push(send(replica, 'GET', '/v1/projects', 'stackit', { token }).then(() => undefined));
        checks.push(send(replica, 'GET', '/console/api/users/me', 'console', { token }).then(() => undefined));
        checks.push(send(replica, 'GET', verifyPath(instance), 'stackit', { token: probe.content }).then(() => undefined));
        checks.push(send(replica, 'GET', `/v1/projects/${project}`, 'stackit', { token: accountToken }).then(() => undefined));
        checks.push(send(replica, 'GET', modelVerify, 'stackit', { token: external }).then(() => undefined));
      }
      await sleep(300);
    }
    await Promise.all(checks);
    expect(a.running && b.running).toBe(true);

    phase = 'after';
    const reallowedAt = Date.now();
    await admin.query(`ALTER DATABASE "${databaseName}" ALLOW_CONNECTIONS true`);
    const recoveryMs = await pollUntil(async () => {
      const answers = await Promise.all(
        [a, b].flatMap((replica) => [
          replica.request('GET', '/v1/projects', { token }),
          replica.request('GET', verifyPath(instance), { token: probe.content }),
        ]),
      );
      return answers.every((r) => r.status === 200 || r.status === 204);
    }, RECOVERY_BOUND_MS + 2_000);
    await sleep(500);
    loading = false;
    await Promise.all(load);

    process.stdout.write(
      `outage figures: responses by status before ${JSON.stringify(statuses.before)}, during the outage ${JSON.stringify(statuses.outage)}, ` +
        `after ${JSON.stringify(statuses.after)}; recovery ${recoveryMs} ms; ${acknowledged.length} creates acknowledged\n`,
    );

    // Both processes survived the lost connections.
    expect([a.running, b.running]).toEqual([true, true]);
    // During the outage: never a verdict on the credentials, never a 500. Requests sent in its first
    // instants may still be answered from memory (the replica has not yet seen its connections
    // drop), and slow ones may be answered after the database is back; every request sent and
    // answered in between gets a 503 in the documented shape.
    for (const status of [401, 403, 500]) expect(statuses.outage[status] ?? 0).toBe(0);
    const settled = outageResponses.filter(({ sentAt, answeredAt }) => sentAt - outageStartedAt > 500 && answeredAt < reallowedAt);
    expect(settled.length).toBeGreaterThan(20);
    const edges = outageResponses
      .filter(({ response }) => response.status !== 503)
      .map(({ sentAt, path, response }) => `${response.status} ${path} +${sentAt - outageStartedAt} ms`);
    if (edges.length) process.stdout.write(`not 503 at the edges of the outage: ${edges.join(', ')}\n`);
    for (const { response, family } of settled) expectUnavailable(response, family);
    // Back within the bound.
    expect(recoveryMs).toBeDefined();
    expect(recoveryMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    expect(statuses.before[202]).toBeGreaterThan(0);

    // Every acknowledged token exists.
    const database = new Client({ connectionString: set.databaseUrl });
    await database.connect();
    try {
      const { rows } = await database.query('SELECT count(*)::int AS n FROM "InstanceToken" WHERE id = ANY($1)', [acknowledged]);
      expect(rows[0].n).toBe(acknowledged.length);

      // Once both listeners are back, a delete through one replica reaches the other within 1 s.
      const listeners = async () =>
        (
          await database.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [
            LISTENER_APPLICATION_NAME,
          ])
        ).rows[0].n;
      expect(await pollUntil(async () => (await listeners()) === 2, 15_000, 100)).toBeDefined();
    } finally {
      await database.end();
    }
    const doomed = (await a.request('POST', tokens, { token, json: { name: 'doomed', ttlDuration: '1d' } })).body.token;
    for (const replica of [a, b]) expect((await replica.request('GET', verifyPath(instance), { token: doomed.content })).status).toBe(204);
    expect((await a.request('DELETE', `${tokens}/${doomed.id}`, { token })).status).toBe(202);
    const propagatedMs = await pollUntil(
      async () => (await b.request('GET', verifyPath(instance), { token: doomed.content })).status === 401,
      PROPAGATION_BOUND_MS,
    );
    expect(propagatedMs).toBeDefined();
    expect([a.running, b.running]).toEqual([true, true]);
  }, 120_000);
});

describeOnSqlite('SQLite write lock held past the busy timeout', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(() => app?.close());

  it('answers 503 with Retry-After to writes, keeps serving reads, and writes again once the lock is gone', async () => {
    const admin = await app.login();
    const token = admin.access;
    const instance = await givenInstance(app, await givenProject(app, admin));
    const project = instance.project.id;
    const probe = (await app.request('POST', instance.tokensPath, { token, json: { name: 'probe' } })).body.token;

    const intruder = new BetterSqlite3(app.config.database.sqlitePath);
    intruder.exec('BEGIN IMMEDIATE');
    try {
      // The raw write path (token create) and Prisma's (project rename) each give up after the busy timeout.
      expectUnavailable(await app.request('POST', instance.tokensPath, { token, json: { name: 'blocked' } }), 'stackit');
      expectUnavailable(await app.request('PATCH', `/v1/projects/${project}`, { token, json: { name: 'renamed' } }), 'stackit');
      // WAL readers are not blocked by a writer.
      expect((await app.request('GET', `/v1/projects/${project}`, { token })).status).toBe(200);
      expect((await app.request('GET', instance.verifyPath, { token: probe.content })).status).toBe(204);
    } finally {
      intruder.exec('ROLLBACK');
      intruder.close();
    }
    expect((await app.request('POST', instance.tokensPath, { token, json: { name: 'after' } })).status).toBe(202);
    const names = (await app.request('GET', instance.tokensPath, { token })).body.tokens.map((t: { name: string }) => t.name);
    expect(names.sort()).toEqual(['after', 'probe']);
  }, 30_000);
});
