import { TokenVerifier } from '../src/instances/verification/token-verifier.service';
import { TokenUseQueues } from '../src/token-uses/token-use-queue';
import { Caller, givenInstance, givenProject, givenToken, Instance, Project } from './support/fixtures';
import { seedModel } from './support/model-registry';
import { pollUntil } from './support/replicas';
import { HttpResponse, TestApp } from './support/test-app';

// The list filters, sort orders and cursor pages of the three token lists (Tessera extensions),
// over HTTP on SQLite or PostgreSQL (TEST_DATABASE_URL).

interface Listed {
  id: string;
  name: string;
  state: string;
  validUntil: string;
  lastUsedAt?: string;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const at = (offsetMs: number) => encodeURIComponent(new Date(Date.now() + offsetMs).toISOString());

/** `rows` in the order `value direction`, empty values last either way, ties by id in the same direction. */
function sortedBy<T extends { id: string }>(rows: T[], value: (row: T) => string | undefined, direction: 'asc' | 'desc'): T[] {
  const sign = direction === 'asc' ? 1 : -1;
  const compare = (x: string, y: string) => (x < y ? -sign : x > y ? sign : 0);
  return [...rows].sort((a, b) => {
    const [x, y] = [value(a), value(b)];
    if (x === undefined || y === undefined) return x === y ? compare(a.id, b.id) : x === undefined ? 1 : -1;
    return compare(x, y) || compare(a.id, b.id);
  });
}

/**
 * Reads every page of a list (`first` fetches a page after the given cursor) while `create` adds
 * items, until the pages end. Resolves with the ids read, in order, and the ids created meanwhile.
 */
async function pageWhileCreating(
  read: (cursor?: string) => Promise<{ ids: string[]; next?: string }>,
  create: (i: number) => Promise<string>,
  createAtMost: number,
): Promise<{ read: string[]; created: string[] }> {
  let done = false;
  const created: string[] = [];
  const creating = (async () => {
    while (!done && created.length < createAtMost) created.push(await create(created.length));
  })();
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await read(cursor);
    ids.push(...page.ids);
    cursor = page.next;
    pages++;
  } while (cursor && pages < 1000);
  done = true;
  await creating;
  return { read: ids, created };
}

/** Every id of `before` read exactly once, no id read twice, and some created while reading. */
function expectExactlyOnce(before: string[], result: { read: string[]; created: string[] }) {
  expect(result.created.length).toBeGreaterThan(0);
  expect(new Set(result.read).size).toBe(result.read.length);
  expect(before.filter((id) => !result.read.includes(id))).toEqual([]);
  const known = new Set([...before, ...result.created]);
  expect(result.read.filter((id) => !known.has(id))).toEqual([]);
}

describe('token list filters and cursor pages', () => {
  let app: TestApp;
  let owner: Caller;
  let project: Project;

  beforeAll(async () => {
    app = await TestApp.start();
    owner = await app.createUser('owner@tessera.test');
    project = await givenProject(app, owner);
  });
  afterAll(() => app.close());

  const get = (path: string, query = '', token = owner.access) => app.request('GET', `${path}${query ? `?${query}` : ''}`, { token });

  async function expectRefused(path: string, query: string, parameter: string, token = owner.access) {
    const response: HttpResponse = await get(path, query, token);
    expect({ query, status: response.status }).toEqual({ query, status: 400 });
    expect({ query, text: response.text }).toEqual({ query, text: expect.stringContaining(`${parameter}`) });
  }

  describe('instance tokens', () => {
    let instance: Instance;
    let all: Listed[];
    const names = (tokens: Listed[]) => tokens.map((token) => token.name);
    const page = async (query: string): Promise<{ tokens: Listed[]; nextCursor?: string }> => {
      const response = await get(instance.tokensPath, query);
      expect({ query, status: response.status, text: response.status === 200 ? '' : response.text }).toEqual({ query, status: 200, text: '' });
      return response.body;
    };
    const list = async (query: string) => names((await page(query)).tokens);

    beforeAll(async () => {
      instance = await givenInstance(app, project);
      const alpha = await givenToken(app, instance, { name: 'alpha-prod', labels: { env: 'prod', team: 'ml', tier: 'gold' }, ttlDuration: '30d' });
      await givenToken(app, instance, { name: 'beta_prod', labels: { env: 'prod', team: 'data' }, ttlDuration: '10d' });
      const gamma = await givenToken(app, instance, { name: 'gamma', labels: { env: 'dev' }, ttlDuration: '20d' });
      await givenToken(app, instance, { name: 'delta', ttlDuration: '1s' });
      for (const token of [alpha, gamma]) expect((await app.request('GET', instance.verifyPath, { token: token.content })).status).toBe(204);
      await app.app.get(TokenVerifier).flushUses();
      // delta expires a second after its creation.
      expect(await pollUntil(async () => (await list('state=inactive')).length === 1, 5_000)).toBeDefined();
      all = (await page('')).tokens;
      expect(names(all)).toEqual(['alpha-prod', 'beta_prod', 'gamma', 'delta']);
      expect(all.filter((token) => token.lastUsedAt).map((token) => token.name)).toEqual(['alpha-prod', 'gamma']);
    });

    it('answers without parameters as before they existed: every token, STACKIT’s body, no nextCursor', async () => {
      const plain = await get(instance.tokensPath);
      expect(plain.text).toBe(JSON.stringify({ message: 'successfully fetched instance tokens', tokens: all }));
      const everything = await page('state=active&state=inactive&pageSize=1000');
      expect(everything).toEqual({ message: 'successfully fetched instance tokens', tokens: all });
      expect((await get(instance.tokensPath)).text).toBe(plain.text);
    });

    it('filters by state, expiry and use', async () => {
      expect(await list('state=active')).toEqual(['alpha-prod', 'beta_prod', 'gamma']);
      expect(await list('state=inactive')).toEqual(['delta']);
      expect(await list('state=active,inactive')).toEqual(names(all));
      expect(await list(`expiresBefore=${at(15 * DAY)}`)).toEqual(['beta_prod', 'delta']);
      expect(await list(`expiresAfter=${at(15 * DAY)}`)).toEqual(['alpha-prod', 'gamma']);
      expect(await list(`expiresAfter=${at(15 * DAY)}&expiresBefore=${at(25 * DAY)}`)).toEqual(['gamma']);
      expect(await list(`lastUsedAfter=${at(-HOUR)}`)).toEqual(['alpha-prod', 'gamma']);
      expect(await list(`lastUsedBefore=${at(HOUR)}`)).toEqual(['alpha-prod', 'gamma']);
      expect(await list(`lastUsedBefore=${at(-HOUR)}`)).toEqual([]);
      expect(await list('neverUsed=true')).toEqual(['beta_prod', 'delta']);
      expect(await list('neverUsed=false')).toEqual(['alpha-prod', 'gamma']);
      // An offset instead of Z is the same instant.
      expect(await list(`expiresBefore=${encodeURIComponent('2000-01-01T01:00:00+01:00')}`)).toEqual([]);
    });

    it('searches names ignoring case, with "_" and "%" matched literally', async () => {
      expect(await list('search=PROD')).toEqual(['alpha-prod', 'beta_prod']);
      expect(await list('search=a_p')).toEqual(['beta_prod']);
      expect(await list('search=%25')).toEqual([]);
      expect(await list('search=eLT')).toEqual(['delta']);
    });

    it('selects by labels with Kubernetes selectors', async () => {
      const select = (selector: string) => list(`labelSelector=${encodeURIComponent(selector)}`);
      expect(await select('env=prod')).toEqual(['alpha-prod', 'beta_prod']);
      expect(await select('env==prod')).toEqual(['alpha-prod', 'beta_prod']);
      expect(await select('team!=ml')).toEqual(['beta_prod', 'gamma', 'delta']);
      expect(await select('tier')).toEqual(['alpha-prod']);
      expect(await select('!team')).toEqual(['gamma', 'delta']);
      expect(await select('env in (dev, prod)')).toEqual(['alpha-prod', 'beta_prod', 'gamma']);
      expect(await select('env notin (prod)')).toEqual(['gamma', 'delta']);
      expect(await select('env=prod,team!=ml')).toEqual(['beta_prod']);
      expect(await select('env=staging')).toEqual([]);
    });

    it('combines filters', async () => {
      expect(await list('state=active&labelSelector=env&search=A&neverUsed=false')).toEqual(['alpha-prod', 'gamma']);
      expect(await list(`state=active&expiresBefore=${at(25 * DAY)}&labelSelector=${encodeURIComponent('team!=ml')}`)).toEqual(['beta_prod', 'gamma']);
    });

    it('sorts by each field both ways, empty lastUsedAt last, ties by id', async () => {
      // Responses show whole seconds, the database orders by milliseconds: compare the values shown
      // (unique here but for lastUsedAt), and among tokens never used the ids.
      const fields: Record<string, (token: Listed) => string | undefined> = {
        validUntil: (token) => token.validUntil,
        lastUsedAt: (token) => token.lastUsedAt,
        name: (token) => token.name,
      };
      for (const [field, value] of Object.entries(fields)) {
        for (const direction of ['asc', 'desc'] as const) {
          const sorted = (await page(`sort=${field}:${direction}`)).tokens;
          const expected = sortedBy(all, value, direction);
          const unused = (tokens: Listed[]) => tokens.filter((token) => !token.lastUsedAt).map((token) => token.id);
          expect({ sort: `${field}:${direction}`, values: sorted.map(value), unused: unused(sorted) }).toEqual({
            sort: `${field}:${direction}`,
            values: expected.map(value),
            unused: unused(expected),
          });
        }
      }
      expect(await list('sort=name')).toEqual(['alpha-prod', 'beta_prod', 'delta', 'gamma']);
      expect(await list('sort=validUntil:desc')).toEqual(['alpha-prod', 'gamma', 'beta_prod', 'delta']);
      expect(await list('sort=createdAt')).toEqual(names(all));
      expect(await list('sort=createdAt:desc')).toEqual(names(all).reverse());
      expect((await list('sort=lastUsedAt:desc')).slice(0, 2).sort()).toEqual(['alpha-prod', 'gamma']);
    });

    it('pages with a cursor: the pages add up to the whole list in every order', async () => {
      for (const sort of ['createdAt', 'lastUsedAt:desc', 'lastUsedAt:asc', 'name:desc', 'validUntil']) {
        const read: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const next = await page(`sort=${sort}&pageSize=1${cursor ? `&cursor=${cursor}` : ''}`);
          expect(next.tokens.length).toBe(1);
          read.push(...names(next.tokens));
          cursor = next.nextCursor;
          pages++;
        } while (cursor && pages < 10);
        expect({ sort, read }).toEqual({ sort, read: await list(`sort=${sort}`) });
      }
      const first = await page('pageSize=3');
      expect(names(first.tokens)).toEqual(['alpha-prod', 'beta_prod', 'gamma']);
      expect(first.nextCursor).toEqual(expect.any(String));
      expect(await page(`pageSize=3&cursor=${first.nextCursor}`)).toEqual({ message: 'successfully fetched instance tokens', tokens: [all[3]] });
    });

    it('refuses bad parameters with a 400 naming the parameter', async () => {
      const path = instance.tokensPath;
      const otherCursor = (await page('pageSize=1&sort=name')).nextCursor!;
      const cases: Array<[string, string]> = [
        ['state=bogus', 'state'],
        ['state=active&state=expired', 'state'],
        ['expiresBefore=2027-01-31', 'expiresBefore'],
        ['expiresAfter=tomorrow', 'expiresAfter'],
        ['lastUsedBefore=2027-02-30T00:00:00Z', 'lastUsedBefore'],
        ['lastUsedAfter=1700000000', 'lastUsedAfter'],
        ['neverUsed=yes', 'neverUsed'],
        ['search=' + 'x'.repeat(65), 'search'],
        ['labelSelector=' + encodeURIComponent('=prod'), 'labelSelector'],
        ['labelSelector=' + encodeURIComponent('env in (a,b'), 'labelSelector'],
        ['labelSelector=' + encodeURIComponent('env=prod,,tier'), 'labelSelector'],
        ['sort=size', 'sort'],
        ['sort=name:up', 'sort'],
        ['sort=-name', 'sort'],
        ['pageSize=0', 'pageSize'],
        ['pageSize=1001', 'pageSize'],
        ['pageSize=ten', 'pageSize'],
        ['cursor=' + encodeURIComponent('not a cursor!'), 'cursor'],
        ['cursor=' + Buffer.from('{"i":1}').toString('base64url'), 'cursor'],
        [`cursor=${otherCursor}`, 'cursor'],
        [`sort=name:desc&pageSize=1&cursor=${otherCursor}`, 'cursor'],
        ['colour=blue', 'colour'],
      ];
      for (const [query, parameter] of cases) await expectRefused(path, query, parameter);
    });

    it.each(['createdAt', 'name:desc'])('pages by %s while tokens are created: every earlier token once, none twice', async (sort) => {
      const busy = await givenInstance(app, project, { name: `busy-${sort.replace(':', '-')}` });
      // Names in no relation to creation order, so new tokens land before and after the cursor.
      const name = (i: number) => `t${(i * 7919) % 1000}-${i}`;
      for (let i = 0; i < 24; i++) await givenToken(app, busy, { name: name(i) });
      const before = ((await get(busy.tokensPath)).body.tokens as Listed[]).map((token) => token.id);
      const result = await pageWhileCreating(
        async (cursor) => {
          const response = await get(busy.tokensPath, `sort=${sort}&pageSize=5${cursor ? `&cursor=${cursor}` : ''}`);
          expect(response.status).toBe(200);
          return { ids: (response.body.tokens as Listed[]).map((token) => token.id), next: response.body.nextCursor };
        },
        async (i) => (await givenToken(app, busy, { name: name(100 + i) })).id,
        15,
      );
      expect(before).toHaveLength(24);
      expectExactlyOnce(before, result);
    });
  });

  describe('service-account access tokens', () => {
    let tokensPath: string;
    let byTtl: Record<number, string>;

    beforeAll(async () => {
      const accounts = `/v2/projects/${project.id}/service-accounts`;
      const account = await app.request('POST', accounts, { token: owner.access, json: { name: 'lister', role: 'reader' } });
      tokensPath = `${accounts}/${account.body.email}/access-tokens`;
      byTtl = {};
      for (const ttlDays of [1, 5, 10, 3]) {
        byTtl[ttlDays] = (await app.request('POST', tokensPath, { token: owner.access, json: { ttlDays } })).body.id;
      }
      expect((await app.request('DELETE', `${tokensPath}/${byTtl[5]}`, { token: owner.access })).status).toBe(200);
    });

    const ids = async (query: string): Promise<string[]> => {
      const response = await get(tokensPath, query);
      expect({ query, status: response.status }).toEqual({ query, status: 200 });
      return response.body.items.map((item: { id: string }) => item.id);
    };

    it('answers without parameters as before: every token by creation, no nextCursor', async () => {
      const response = await get(tokensPath);
      expect(Object.keys(response.body)).toEqual(['items']);
      expect(response.body.items.map((item: { id: string }) => item.id)).toEqual([byTtl[1], byTtl[5], byTtl[10], byTtl[3]]);
    });

    it('filters by state and expiry, and sorts', async () => {
      expect(await ids('state=revoked')).toEqual([byTtl[5]]);
      expect(await ids('state=active')).toEqual([byTtl[1], byTtl[10], byTtl[3]]);
      expect(await ids('state=expired')).toEqual([]);
      expect(await ids('state=expired&state=revoked')).toEqual([byTtl[5]]);
      expect(await ids(`expiresBefore=${at(4 * DAY)}`)).toEqual([byTtl[1], byTtl[3]]);
      expect(await ids(`expiresAfter=${at(4 * DAY)}&state=active`)).toEqual([byTtl[10]]);
      expect(await ids('sort=validUntil:desc')).toEqual([byTtl[10], byTtl[5], byTtl[3], byTtl[1]]);
      expect(await ids('sort=createdAt:desc')).toEqual([byTtl[3], byTtl[10], byTtl[5], byTtl[1]]);
    });

    it('refuses bad parameters with a 400 naming the parameter', async () => {
      const otherCursor = (await get(tokensPath, 'pageSize=1&sort=validUntil')).body.nextCursor as string;
      for (const [query, parameter] of [
        ['state=inactive', 'state'],
        ['sort=name', 'sort'],
        ['pageSize=0', 'pageSize'],
        ['expiresAfter=soon', 'expiresAfter'],
        [`cursor=${otherCursor}`, 'cursor'],
      ]) {
        await expectRefused(tokensPath, query, parameter);
      }
    });

    it('filters by last use', async () => {
      const used = await app.request('POST', tokensPath, { token: owner.access, json: { ttlDays: 2 } });
      expect((await app.request('GET', `/v1/projects/${project.id}/regions/eu01/instances`, { token: used.body.token })).status).toBe(200);
      await app.app.get(TokenUseQueues).flush();
      expect(await ids('neverUsed=false')).toEqual([used.body.id]);
      expect(await ids('neverUsed=true')).toEqual([byTtl[1], byTtl[5], byTtl[10], byTtl[3]]);
      expect(await ids(`lastUsedAfter=${at(-60_000)}`)).toEqual([used.body.id]);
      expect(await ids(`lastUsedBefore=${at(-60_000)}`)).toEqual([]);
      expect(await ids(`lastUsedBefore=${at(60_000)}&state=active`)).toEqual([used.body.id]);
      expect(await ids(`lastUsedAfter=${at(-60_000)}&neverUsed=true`)).toEqual([]);
      await expectRefused(tokensPath, 'neverUsed=maybe', 'neverUsed');
      await expectRefused(tokensPath, 'lastUsedAfter=yesterday', 'lastUsedAfter');
    });

    it('pages while tokens are created: every earlier token once, none twice', async () => {
      const before = await ids('pageSize=1000');
      const result = await pageWhileCreating(
        async (cursor) => {
          const response = await get(tokensPath, `sort=validUntil&pageSize=2${cursor ? `&cursor=${cursor}` : ''}`);
          expect(response.status).toBe(200);
          return { ids: response.body.items.map((item: { id: string }) => item.id), next: response.body.nextCursor };
        },
        async (i) => (await app.request('POST', tokensPath, { token: owner.access, json: { ttlDays: 1 + (i % 10) } })).body.id,
        8,
      );
      expectExactlyOnce(before, result);
    });
  });

  describe('external model tokens', () => {
    const TOKENS = '/console/api/modelhost/external-api-tokens/';
    let admin: string;
    let created: Record<string, string>;
    let modelId: number;

    const create = async (name: string, ttl = '30d') => {
      const response = await app.request('POST', TOKENS, { token: admin, json: { name, prefix_key: 'practicus', ttl } });
      expect(response.status).toBe(201);
      return response.body.id as string;
    };
    const read = async (query: string) => {
      const response = await get(TOKENS, query, admin);
      expect({ query, status: response.status }).toEqual({ query, status: 200 });
      return { names: (response.body as Array<{ name: string }>).map((token) => token.name), next: response.headers.get('x-next-cursor') ?? undefined };
    };

    beforeAll(async () => {
      admin = (await app.login()).access;
      modelId = (await seedModel(app, admin)).modelId;
      created = {};
      for (const [name, ttl] of [
        ['partner-a', '30d'],
        ['partner_b', '10d'],
        ['internal', '60d'],
      ]) {
        created[name] = await create(name, ttl);
      }
      expect((await app.request('DELETE', `${TOKENS}${created.internal}`, { token: admin })).status).toBe(204);
    });

    it('answers without list filters as before: an array of every token, no cursor header', async () => {
      expect(await read('')).toEqual({ names: ['partner-a', 'partner_b', 'internal'], next: undefined });
      expect(await read('prefix_key=practicus')).toEqual({ names: ['partner-a', 'partner_b', 'internal'], next: undefined });
    });

    it('filters, searches and sorts', async () => {
      expect((await read('search=PARTNER')).names).toEqual(['partner-a', 'partner_b']);
      expect((await read('search=r_b')).names).toEqual(['partner_b']);
      expect((await read('state=revoked')).names).toEqual(['internal']);
      expect((await read('state=active&prefix_key=practicus')).names).toEqual(['partner-a', 'partner_b']);
      expect((await read(`expires_before=${at(20 * DAY)}`)).names).toEqual(['partner_b']);
      expect((await read(`expires_after=${at(20 * DAY)}`)).names).toEqual(['partner-a', 'internal']);
      expect((await read('sort=name:desc')).names).toEqual(['partner_b', 'partner-a', 'internal']);
      expect((await read('sort=expires_at')).names).toEqual(['partner_b', 'partner-a', 'internal']);
    });

    it('refuses bad parameters with a 400 naming the parameter', async () => {
      for (const [query, parameter] of [
        ['page_size=0', 'page_size'],
        ['expires_before=2027', 'expires_before'],
        ['sort=createdAt', 'sort'],
        ['state=inactive', 'state'],
        [`cursor=${(await read('page_size=1&sort=name')).next}`, 'cursor'],
      ]) {
        await expectRefused(TOKENS, query, parameter, admin);
      }
    });

    it('filters by last use at model forward-auth', async () => {
      const used = await app.request('POST', TOKENS, { token: admin, json: { name: 'used', prefix_key: 'practicus', ttl: '30d' } });
      expect((await app.request('GET', `/v1/auth/models/${modelId}/verify`, { token: used.body.token })).status).toBe(204);
      await app.app.get(TokenUseQueues).flush();
      expect((await read('never_used=false')).names).toEqual(['used']);
      expect((await read('never_used=true')).names).toEqual(['partner-a', 'partner_b', 'internal']);
      expect((await read(`last_used_after=${at(-60_000)}`)).names).toEqual(['used']);
      expect((await read(`last_used_before=${at(-60_000)}`)).names).toEqual([]);
      await expectRefused(TOKENS, 'never_used=1', 'never_used', admin);
    });

    it('pages (cursor in X-Next-Cursor) while tokens are created: every earlier token once, none twice', async () => {
      const before = ((await get(TOKENS, '', admin)).body as Array<{ id: string }>).map((token) => token.id);
      const result = await pageWhileCreating(
        async (cursor) => {
          const response = await get(TOKENS, `sort=name&page_size=1${cursor ? `&cursor=${cursor}` : ''}`, admin);
          expect(response.status).toBe(200);
          return { ids: (response.body as Array<{ id: string }>).map((token) => token.id), next: response.headers.get('x-next-cursor') ?? undefined };
        },
        (i) => create(`churn ${(i * 37) % 10} ${i}`),
        6,
      );
      expectExactlyOnce(before, result);
    });
  });
});
