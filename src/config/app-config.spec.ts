import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from './app-config';

/** The problems loadConfig reports for an environment, or [] when it is valid. */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe('loadConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-config-'));
    writeFileSync(join(dir, 'key.pem'), 'not checked here');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has documented defaults', () => {
    const config = loadConfig({});
    expect(config.http).toEqual({
      host: '0.0.0.0',
      port: 8080,
      bodyLimitBytes: 102_400,
      jsonMaxDepth: 32,
      bodyTimeoutMs: 30_000,
      headerTimeoutMs: 20_000,
      maxHeaderBytes: 16_384,
      trustedProxies: [],
    });
    expect(config.logLevel).toBe('info');
    expect(config.dataDir).toBe(resolve('./data'));
    expect(config.database).toEqual({ provider: 'sqlite', url: `file:${resolve('data', 'tessera.db')}`, sqlitePath: resolve('data', 'tessera.db') });
    expect(config.bootstrapAdmin).toEqual({ email: 'admin@tessera.local', password: undefined });
    expect(config.auth).toMatchObject({
      issuer: 'tessera',
      signingKeyFile: undefined,
      verifyKeyFiles: [],
      accessTtlMs: 30 * 60_000,
      refreshTtlMs: 90 * 86_400_000,
      refreshRotation: false,
      loginFailuresPerAccount: 10,
      loginAttemptsPerAddressPerMinute: 60,
    });
    expect(config.instances.regions).toEqual(['eu01']);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads valid values', () => {
    const config = loadConfig({
      PORT: '9090',
      HOST: '127.0.0.1',
      TESSERA_TRUST_PROXY: 'yes',
      TESSERA_REFRESH_ROTATION: 'TRUE',
      TESSERA_ACCESS_TOKEN_TTL: '5h30m',
      TESSERA_ADMIN_EMAIL: 'Root@Example.org',
      TESSERA_SIGNING_KEY_FILE: join(dir, 'key.pem'),
      TESSERA_VERIFY_KEY_FILES: ` ${join(dir, 'key.pem')} ,`,
      TESSERA_REGIONS: 'eu01, eu02',
      TESSERA_LOG_LEVEL: 'silent',
      TESSERA_PUBLIC_URL: 'https://tessera.example.com/api/',
    });
    expect(config.http).toMatchObject({ port: 9090, host: '127.0.0.1', trustedProxies: ['0.0.0.0/0', '::/0'], publicUrl: 'https://tessera.example.com/api' });
    expect(config.auth).toMatchObject({
      refreshRotation: true,
      accessTtlMs: 5.5 * 3_600_000,
      signingKeyFile: join(dir, 'key.pem'),
      verifyKeyFiles: [join(dir, 'key.pem')],
    });
    expect(config.bootstrapAdmin.email).toBe('root@example.org');
    expect(config.instances.regions).toEqual(['eu01', 'eu02']);
    expect(config.logLevel).toBe('silent');
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['PORT', '0x50'],
    ['PORT', '1e3'],
    ['TESSERA_BODY_LIMIT_BYTES', '10'],
    ['TESSERA_JSON_MAX_DEPTH', '1000'],
    ['TESSERA_BODY_TIMEOUT', 'never'],
    ['TESSERA_HEADER_TIMEOUT', '0s'],
    ['TESSERA_HEADER_TIMEOUT', '31s'],
    ['TESSERA_MAX_HEADER_BYTES', '100'],
    ['TESSERA_TRUST_PROXY', 'maybe'],
    ['TESSERA_TRUSTED_PROXIES', '10.0.0.0/33'],
    ['TESSERA_TRUSTED_PROXIES', 'fd00::/129'],
    ['TESSERA_TRUSTED_PROXIES', '10.0.0.1, proxy.internal'],
    ['TESSERA_TRUSTED_PROXIES', '10.0.0.0/8/1'],
    ['TESSERA_REFRESH_ROTATION', 'sometimes'],
    ['TESSERA_LOG_LEVEL', 'loud'],
    ['TESSERA_ACCESS_TOKEN_TTL', '30'],
    ['TESSERA_ACCESS_TOKEN_TTL', '0s'],
    ['TESSERA_REFRESH_TOKEN_TTL', 'forever'],
    ['TESSERA_MODEL_SESSION_TTL', '-4h'],
    ['TESSERA_LOGIN_FAILURE_WINDOW', 'soon'],
    ['TESSERA_LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE', '0'],
    ['TESSERA_LOGIN_FAILURES_PER_ACCOUNT', 'ten'],
    ['TESSERA_INSTANCE_TOKEN_MAX_TTL', 'x'],
    ['TESSERA_INSTANCE_TOKEN_DEFAULT_TTL', '3 fortnights'],
    ['TESSERA_ADMIN_EMAIL', 'admin'],
    ['TESSERA_SIGNING_KEY_FILE', '/nonexistent/tessera/key.pem'],
    ['TESSERA_VERIFY_KEY_FILES', '/nonexistent/tessera/old.pem'],
    ['DATABASE_URL', 'mysql://localhost/tessera'],
    ['DATABASE_URL', 'file:'],
    ['TESSERA_PUBLIC_URL', 'tessera.example.com'],
    ['TESSERA_PUBLIC_URL', 'ftp://tessera.example.com'],
    ['TESSERA_PUBLIC_URL', 'https://tessera.example.com/?x=1'],
  ])('names %s when it is %p', (name, value) => {
    const found = problems({ [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0].startsWith(`${name}:`)).toBe(true);
  });

  it('names every bad variable at once, in one readable message', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'x', TESSERA_LOG_LEVEL: 'loud', TESSERA_REFRESH_TOKEN_TTL: 'never', DATABASE_URL: 'redis://cache' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems: found, message } = error as ConfigError;
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'PORT', 'TESSERA_LOG_LEVEL', 'TESSERA_REFRESH_TOKEN_TTL']);
    expect(message).toMatch(/^Invalid configuration:\n {2}- /);
    for (const problem of found) expect(message).toContain(problem);
  });

  it('reads trusted proxies as addresses and CIDR ranges, IPv4 and IPv6, and refuses them with TESSERA_TRUST_PROXY', () => {
    expect(loadConfig({ TESSERA_TRUSTED_PROXIES: ' 10.0.0.0/8, 192.0.2.7 ,fd00::/8,::1' }).http.trustedProxies).toEqual([
      '10.0.0.0/8',
      '192.0.2.7',
      'fd00::/8',
      '::1',
    ]);
    expect(problems({ TESSERA_TRUSTED_PROXIES: '10.0.0.0/8', TESSERA_TRUST_PROXY: 'true' })).toEqual([
      'TESSERA_TRUST_PROXY: trusts every peer; set either it or TESSERA_TRUSTED_PROXIES, not both',
    ]);
  });

  it('refuses a default instance token lifetime above the maximum', () => {
    expect(problems({ TESSERA_INSTANCE_TOKEN_MAX_TTL: '30d', TESSERA_INSTANCE_TOKEN_DEFAULT_TTL: '31d' })).toEqual([
      'TESSERA_INSTANCE_TOKEN_DEFAULT_TTL: must not exceed TESSERA_INSTANCE_TOKEN_MAX_TTL',
    ]);
  });

  describe('token revocation rate', () => {
    it('defaults to 30 per minute and reads <count>/<duration>', () => {
      expect(loadConfig({}).tokenRevocations.rate).toEqual({ limit: 30, windowMs: 60_000 });
      expect(loadConfig({ TESSERA_TOKEN_REVOCATION_RATE: ' 5 / 10s ' }).tokenRevocations.rate).toEqual({ limit: 5, windowMs: 10_000 });
      expect(loadConfig({ TESSERA_TOKEN_REVOCATION_RATE: '1000/1h' }).tokenRevocations.rate).toEqual({ limit: 1000, windowMs: 3_600_000 });
    });

    it('refuses anything else, naming the variable', () => {
      for (const value of ['30', '0/1m', '30/', '/1m', '30/60', '-1/1m', '1.5/1m', '30 per minute']) {
        expect(problems({ TESSERA_TOKEN_REVOCATION_RATE: value })).toEqual([
          expect.stringMatching(/^TESSERA_TOKEN_REVOCATION_RATE: expected <count>\/<duration>/),
        ]);
      }
    });
  });

  describe('metrics', () => {
    it('are off by default; the metrics port binds where HOST does unless TESSERA_METRICS_HOST says otherwise', () => {
      expect(loadConfig({}).metrics).toEqual({ port: undefined, host: '0.0.0.0', token: undefined });
      expect(loadConfig({ HOST: '10.0.0.5', TESSERA_METRICS_PORT: '9464' }).metrics).toEqual({ port: 9464, host: '10.0.0.5', token: undefined });
      const token = 'a-metrics-token-of-32-characters';
      expect(loadConfig({ TESSERA_METRICS_PORT: '9464', TESSERA_METRICS_HOST: '127.0.0.1', TESSERA_METRICS_TOKEN: ` ${token} ` }).metrics).toEqual({
        port: 9464,
        host: '127.0.0.1',
        token,
      });
    });

    it('refuses a bad port, the service port, and a short or spaced token without echoing it', () => {
      for (const port of ['-1', '65536', 'http', '9464.5'])
        expect(problems({ TESSERA_METRICS_PORT: port })).toEqual([expect.stringMatching(/^TESSERA_METRICS_PORT: /)]);
      expect(problems({ PORT: '9000', TESSERA_METRICS_PORT: '9000' })).toEqual([expect.stringMatching(/^TESSERA_METRICS_PORT: must differ from PORT/)]);
      for (const token of ['short-token', 'a token with spaces in it, long enough']) {
        const found = problems({ TESSERA_METRICS_TOKEN: token });
        expect(found).toEqual([expect.stringMatching(/^TESSERA_METRICS_TOKEN: /)]);
        expect(found[0]).not.toContain(token);
      }
    });
  });

  describe('DATABASE_URL', () => {
    const database = (env: Record<string, string>) => loadConfig(env).database;

    it('defaults to tessera.db in TESSERA_DATA_DIR, also when blank', () => {
      for (const url of [undefined, '', '   ']) {
        const env: Record<string, string> = { TESSERA_DATA_DIR: dir };
        if (url !== undefined) env.DATABASE_URL = url;
        expect(database(env)).toEqual({ provider: 'sqlite', url: `file:${join(dir, 'tessera.db')}`, sqlitePath: join(dir, 'tessera.db') });
      }
    });

    it('takes file: URLs, relative or absolute, without their query', () => {
      expect(database({ DATABASE_URL: 'file:./var/t.db' })).toEqual({
        provider: 'sqlite',
        url: `file:${resolve('var/t.db')}`,
        sqlitePath: resolve('var/t.db'),
      });
      expect(database({ DATABASE_URL: `file:${dir}/abs.db?connection_limit=1` })).toEqual({
        provider: 'sqlite',
        url: `file:${dir}/abs.db`,
        sqlitePath: `${dir}/abs.db`,
      });
    });

    it('takes postgres:// and postgresql:// URLs as given', () => {
      for (const url of ['postgres://u:p@db:5432/tessera', 'postgresql://db/tessera?sslmode=require', 'PostgreSQL://db/tessera']) {
        expect(database({ DATABASE_URL: url })).toEqual({ provider: 'postgresql', url });
      }
    });

    it('refuses anything else, naming the variable', () => {
      for (const url of ['mysql://db/tessera', 'sqlite:./t.db', './t.db', 'file:', 'file:?mode=memory']) {
        const found = problems({ DATABASE_URL: url });
        expect(found).toHaveLength(1);
        expect(found[0]).toMatch(/^DATABASE_URL: /);
      }
    });
  });
});
