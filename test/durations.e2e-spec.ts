import { parseDuration } from '../src/common/duration';
import { seedModel } from './support/model-registry';
import { givenInstance, givenProject, Instance, instancesPath } from './support/fixtures';
import { TestApp } from './support/test-app';

const DAY_MS = 86_400_000;

// Every one within every field's maximum (183 days for instance tokens, 365 for external tokens).
const ACCEPTED: [string, number][] = [
  ['30d', 30 * DAY_MS],
  ['12h', 12 * 3_600_000],
  ['1w', 7 * DAY_MS],
  ['5h30m40s', (5 * 3600 + 30 * 60 + 40) * 1000],
  ['1.5h', 5_400_000],
  ['2d12h', 2.5 * DAY_MS],
  ['90s', 90_000],
  ['P30D', 30 * DAY_MS],
  ['PT12H', 12 * 3_600_000],
  ['P1DT2H', 26 * 3_600_000],
  ['P1W', 7 * DAY_MS],
  ['PT1H30M', 5_400_000],
  ['PT0.5H', 1_800_000],
  ['P2DT3H4M5S', (2 * 86400 + 3 * 3600 + 4 * 60 + 5) * 1000],
];

const REFUSED = [
  '',
  '0s',
  '0d',
  'PT0S',
  'P0D',
  '-1h',
  '3600',
  'abc',
  'P',
  'PT',
  'P1DT',
  '1y',
  'P1Y',
  'P1M',
  'P1W2D',
  '30D',
  'p30d',
  'pt12h',
  '5 h',
  ' 30d',
  '30d ',
  '1h2d',
  '2 days',
  '1.5',
  '.5h',
  '1,5h',
  'P1.5',
  'PT1H1D',
  '10ms',
];

describe('durations: one grammar, published as the pattern the server applies', () => {
  let app: TestApp;
  let access: string;
  let pattern: RegExp;
  let tracking: Instance;
  let modelId: number;

  beforeAll(async () => {
    app = await TestApp.start();
    ({ access } = await app.login());
    const document = (await app.request('GET', '/openapi.json', { undocumented: 'the document itself is not one of its operations' })).body;
    const schemas = document.components.schemas;
    pattern = new RegExp(schemas.CreateInstanceTokenPayload.properties.ttlDuration.pattern);
    // Every duration field publishes the same pattern; none claims `format: duration`.
    for (const [schema, field] of [
      ['CreateExternalTokenDto', 'ttl'],
      ['CreateInstancePayload', 'deletedExperimentRetention'],
      ['PartialUpdateInstancePayload', 'deletedExperimentRetention'],
    ]) {
      const property = schemas[schema].properties[field];
      const resolved = property.$ref
        ? schemas[property.$ref.split('/').pop()]
        : property.allOf?.[0]?.$ref
          ? schemas[property.allOf[0].$ref.split('/').pop()]
          : property;
      expect([schema, field, resolved.pattern]).toEqual([schema, field, pattern.source]);
    }
    expect(JSON.stringify(document)).not.toContain('"format":"duration"');
    tracking = await givenInstance(app, await givenProject(app, { access }));
    modelId = (await seedModel(app, access)).modelId;
  });
  afterAll(() => app.close());

  it.each(ACCEPTED)('accepts %s in the pattern, the parser and both token APIs', async (text, milliseconds) => {
    expect(pattern.test(text)).toBe(true);
    expect(parseDuration(text)).toBeCloseTo(milliseconds);
    const before = Date.now();
    const instanceToken = await app.request('POST', tracking.tokensPath, { token: access, json: { name: 'ttl', ttlDuration: text } });
    expect([text, instanceToken.status]).toEqual([text, 202]);
    // validUntil is written to the second.
    expect(Math.abs(Date.parse(instanceToken.body.token.validUntil) - (before + milliseconds))).toBeLessThan(5_000);
    const external = await app.request('POST', '/console/api/modelhost/external-api-tokens/', {
      token: access,
      json: { name: 'ttl', model_id: modelId, ttl: text },
    });
    expect([text, external.status]).toEqual([text, 201]);
  });

  it.each(REFUSED.map((text) => [text]))('refuses %j in the pattern, the parser and both token APIs, naming the accepted forms', async (text) => {
    expect(pattern.test(text)).toBe(false);
    expect(parseDuration(text)).toBeUndefined();
    const instanceToken = await app.request('POST', tracking.tokensPath, { token: access, json: { name: 'ttl', ttlDuration: text } });
    expect([text, instanceToken.status]).toEqual([text, 400]);
    expect(instanceToken.body.message).toContain('"P30D"');
    const external = await app.request('POST', '/console/api/modelhost/external-api-tokens/', {
      token: access,
      json: { name: 'ttl', model_id: modelId, ttl: text },
    });
    expect([text, external.status]).toEqual([text, 400]);
    expect(external.body.detail).toContain('"P30D"');
  });

  it('takes retention in both forms within 1d..90d, and refuses what the pattern refuses', async () => {
    for (const retention of ['7d', 'P7D', 'P2W', '36h', 'PT36H']) {
      const created = await app.request('POST', instancesPath(tracking.project.id), {
        token: access,
        json: { name: 'retained', deletedExperimentRetention: retention },
      });
      expect([retention, created.status, created.body.instance?.deletedExperimentRetention]).toEqual([retention, 202, retention]);
    }
    for (const retention of ['', '0d', 'P1M', '7 days', '3600']) {
      expect(pattern.test(retention)).toBe(false);
      const refused = await app.request('POST', instancesPath(tracking.project.id), {
        token: access,
        json: { name: 'retained', deletedExperimentRetention: retention },
      });
      expect([retention, refused.status]).toEqual([retention, 400]);
    }
    // Within the pattern, but outside the range: a 400 that names the range.
    const tooLong = await app.request('POST', instancesPath(tracking.project.id), {
      token: access,
      json: { name: 'retained', deletedExperimentRetention: 'P91D' },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.message).toContain('from 1d to 90d');
  });
});

describe('TTL maxima with two apps in one process', () => {
  let app: TestApp;
  let short: TestApp;

  beforeAll(async () => {
    app = await TestApp.start();
    // Started second: class-validator's container is one per process, so a maximum kept there
    // would be this app's for both. A replica (same database and key), because passport's
    // strategies are one per process too and the last app's checks every bearer token.
    short = await app.startReplica({ TESSERA_INSTANCE_TOKEN_MAX_TTL: '2d', TESSERA_INSTANCE_TOKEN_DEFAULT_TTL: '1d' });
  });
  afterAll(async () => {
    await short?.close();
    await app?.close();
  });

  it("validates each app's TTL fields against its own configured maximum", async () => {
    const tracking = await givenInstance(app, await givenProject(app, await app.login()));
    const create = (on: TestApp, ttlDuration: string) =>
      on.request('POST', tracking.tokensPath, { token: tracking.project.owner.access, json: { name: 'ttl', ttlDuration } });
    expect((await create(app, '30d')).status).toBe(202);
    const refused = await create(short, '30d');
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('at most 2 days');
    expect((await create(short, '36h')).status).toBe(202);
    // And the first app again, after the second validated.
    expect((await create(app, '100d')).status).toBe(202);
  });
});
