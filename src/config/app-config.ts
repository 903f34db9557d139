import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { trustedProxyProblem } from '../common/client-address';
import { parseDuration } from '../common/duration';
import { DatabaseTarget, resolveDatabaseTarget } from './database-target';

/** The whole configuration, read once from the environment at start and validated. */
export interface AppConfig {
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    /** Deepest nesting of arrays and objects a JSON body may have. */
    jsonMaxDepth: number;
    /** Time to receive a whole request, headers and body, from its first byte. */
    bodyTimeoutMs: number;
    /** Time to receive a request's headers. */
    headerTimeoutMs: number;
    maxHeaderBytes: number;
    /** Peers (addresses and CIDR ranges) whose X-Forwarded-For / X-Real-IP name the client; empty: none. */
    trustedProxies: string[];
    publicUrl?: string;
  };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  dataDir: string;
  database: DatabaseTarget;
  bootstrapAdmin: { email: string; password?: string };
  auth: {
    issuer: string;
    signingKeyFile?: string;
    verifyKeyFiles: string[];
    accessTtlMs: number;
    refreshTtlMs: number;
    refreshRotation: boolean;
    modelSessionTtlMs: number;
    loginAttemptsPerAddressPerMinute: number;
    loginFailuresPerAccount: number;
    loginFailureWindowMs: number;
  };
  instances: { regions: string[]; urlTemplate: string; tokenMaxTtlMs: number; tokenDefaultTtlMs: number };
  models: { externalTokenMaxTtlMs: number; externalTokenDefaultTtlMs: number };
  /** Token rotation: the longest `gracePeriod` during which a rotated token keeps working. */
  rotation: { maxGraceMs: number };
  /** `POST /v1/token-revocations`: requests per client address per window, counted by all replicas together. */
  tokenRevocations: { rate: Rate };
  /**
   * `/metrics`: on its own port when `port` is set, else on the service's port when `token` is set,
   * else not served. `token`, when set, is required as `Authorization: Bearer <token>` wherever it is served.
   */
  metrics: { port?: number; host: string; token?: string };
}

/** At most `limit` events per fixed window of `windowMs`. */
export interface Rate {
  limit: number;
  windowMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

/** Reads and validates the configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);

  const dataDir = resolve(read.string('TESSERA_DATA_DIR', './data'));
  let database: DatabaseTarget = { provider: 'sqlite', url: '' };
  try {
    database = resolveDatabaseTarget(env.DATABASE_URL, dataDir);
  } catch (error) {
    problems.push((error as Error).message);
  }

  const tokenMaxTtlMs = read.duration('TESSERA_INSTANCE_TOKEN_MAX_TTL', '183d');
  const externalTokenMaxTtlMs = read.duration('TESSERA_MODEL_EXTERNAL_TOKEN_MAX_TTL', '365d');
  const host = read.string('HOST', '0.0.0.0');
  const config: AppConfig = {
    http: {
      host,
      port: read.integer('PORT', 8080, 0, 65535),
      bodyLimitBytes: read.integer('TESSERA_BODY_LIMIT_BYTES', 102_400, 1_024, 10_485_760),
      jsonMaxDepth: read.integer('TESSERA_JSON_MAX_DEPTH', 32, 4, 256),
      bodyTimeoutMs: read.duration('TESSERA_BODY_TIMEOUT', '30s'),
      headerTimeoutMs: read.duration('TESSERA_HEADER_TIMEOUT', '20s'),
      maxHeaderBytes: read.integer('TESSERA_MAX_HEADER_BYTES', 16_384, 1_024, 1_048_576),
      trustedProxies: read.trustedProxies(),
      publicUrl: read.url('TESSERA_PUBLIC_URL'),
    },
    logLevel: read.oneOf('TESSERA_LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    dataDir,
    database,
    bootstrapAdmin: {
      email: read.email('TESSERA_ADMIN_EMAIL', 'admin@tessera.local'),
      password: env.TESSERA_ADMIN_PASSWORD || undefined,
    },
    auth: {
      issuer: read.string('TESSERA_ISSUER', 'tessera'),
      signingKeyFile: read.file('TESSERA_SIGNING_KEY_FILE'),
      verifyKeyFiles: read.files('TESSERA_VERIFY_KEY_FILES'),
      accessTtlMs: read.duration('TESSERA_ACCESS_TOKEN_TTL', '30m'),
      refreshTtlMs: read.duration('TESSERA_REFRESH_TOKEN_TTL', '90d'),
      refreshRotation: read.boolean('TESSERA_REFRESH_ROTATION', false),
      modelSessionTtlMs: read.duration('TESSERA_MODEL_SESSION_TTL', '4h'),
      loginAttemptsPerAddressPerMinute: read.integer('TESSERA_LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE', 60, 1, 1_000_000),
      loginFailuresPerAccount: read.integer('TESSERA_LOGIN_FAILURES_PER_ACCOUNT', 10, 1, 1_000_000),
      loginFailureWindowMs: read.duration('TESSERA_LOGIN_FAILURE_WINDOW', '15m'),
    },
    instances: {
      regions: read.list('TESSERA_REGIONS', ['eu01']),
      urlTemplate: read.string('TESSERA_INSTANCE_URL_TEMPLATE', 'https://{instanceId}.model-experiments.{region}.tessera.local'),
      tokenMaxTtlMs: tokenMaxTtlMs,
      tokenDefaultTtlMs: read.duration('TESSERA_INSTANCE_TOKEN_DEFAULT_TTL', '183d'),
    },
    models: {
      externalTokenMaxTtlMs,
      externalTokenDefaultTtlMs: read.duration('TESSERA_MODEL_EXTERNAL_TOKEN_DEFAULT_TTL', '90d'),
    },
    rotation: { maxGraceMs: read.duration('TESSERA_ROTATION_MAX_GRACE', '7d') },
    tokenRevocations: { rate: read.rate('TESSERA_TOKEN_REVOCATION_RATE', '30/1m') },
    metrics: {
      port: read.optionalInteger('TESSERA_METRICS_PORT', 0, 65535),
      host: read.string('TESSERA_METRICS_HOST', host),
      token: read.secret('TESSERA_METRICS_TOKEN', 16),
    },
  };
  // Node refuses to start a server whose header timeout is longer than its request timeout.
  if (config.http.headerTimeoutMs > config.http.bodyTimeoutMs) {
    problems.push('TESSERA_HEADER_TIMEOUT: must not exceed TESSERA_BODY_TIMEOUT');
  }
  if (config.metrics.port !== undefined && config.metrics.port !== 0 && config.metrics.port === config.http.port) {
    problems.push('TESSERA_METRICS_PORT: must differ from PORT (leave it unset to serve /metrics on PORT, behind TESSERA_METRICS_TOKEN)');
  }
  if (config.instances.tokenDefaultTtlMs > tokenMaxTtlMs) {
    problems.push('TESSERA_INSTANCE_TOKEN_DEFAULT_TTL: must not exceed TESSERA_INSTANCE_TOKEN_MAX_TTL');
  }
  if (config.models.externalTokenDefaultTtlMs > externalTokenMaxTtlMs) {
    problems.push('TESSERA_MODEL_EXTERNAL_TOKEN_DEFAULT_TTL: must not exceed TESSERA_MODEL_EXTERNAL_TOKEN_MAX_TTL');
  }
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze(config);
}

class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  string(name: string, fallback: string): string {
    const value = this.env[name]?.trim();
    return value ? value : fallback;
  }

  list(name: string, fallback: string[] = []): string[] {
    const value = this.env[name]?.trim();
    if (!value) return fallback;
    return value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  }

  /**
   * TESSERA_TRUSTED_PROXIES; the older TESSERA_TRUST_PROXY=true still means "trust every peer"
   * (any client can then claim any address), so the two cannot be combined.
   */
  trustedProxies(): string[] {
    const ranges = this.list('TESSERA_TRUSTED_PROXIES');
    for (const range of ranges) {
      const problem = trustedProxyProblem(range);
      if (problem) this.problems.push(`TESSERA_TRUSTED_PROXIES: ${problem}; expected a comma-separated list such as 10.0.0.0/8, fd00::/8, 192.0.2.7`);
    }
    if (!this.boolean('TESSERA_TRUST_PROXY', false)) return ranges;
    if (ranges.length) this.problems.push('TESSERA_TRUST_PROXY: trusts every peer; set either it or TESSERA_TRUSTED_PROXIES, not both');
    return ['0.0.0.0/0', '::/0'];
  }

  email(name: string, fallback: string): string {
    const value = this.string(name, fallback).toLowerCase();
    if (!/^[^\s@]+@[^\s@]+$/.test(value)) this.problems.push(`${name}: expected an email address, got "${value}"`);
    return value;
  }

  /** A path to a file that must exist; keys are read later, at start, where the variable is not known. */
  file(name: string): string | undefined {
    const path = this.env[name]?.trim();
    if (path) this.checkFile(name, path);
    return path || undefined;
  }

  files(name: string): string[] {
    const paths = this.list(name);
    for (const path of paths) this.checkFile(name, path);
    return paths;
  }

  private checkFile(name: string, path: string): void {
    if (!existsSync(path) || !statSync(path).isFile()) this.problems.push(`${name}: no such file "${path}"`);
  }

  /** A secret sent in a header: long enough not to be guessed, and without whitespace. */
  secret(name: string, minLength: number): string | undefined {
    const value = this.env[name]?.trim();
    if (!value) return undefined;
    if (value.length < minLength || !/^[\x21-\x7e]+$/.test(value)) {
      // The value itself stays out of the message: it is a secret.
      this.problems.push(`${name}: expected at least ${minLength} printable ASCII characters without spaces`);
      return undefined;
    }
    return value;
  }

  optionalInteger(name: string, min: number, max: number): number | undefined {
    return this.env[name]?.trim() ? this.integer(name, min, min, max) : undefined;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.env[name]?.trim();
    if (!value) return fallback;
    // Plain decimal digits only: Number() would also take "0x50" or "1e3".
    const parsed = /^-?\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      this.problems.push(`${name}: expected an integer from ${min} to ${max}, got "${value}"`);
      return fallback;
    }
    return parsed;
  }

  /** An absolute http(s) URL, without a trailing slash; undefined when unset. */
  url(name: string): string | undefined {
    const value = this.env[name]?.trim();
    if (!value) return undefined;
    let parsed: URL | undefined;
    try {
      parsed = new URL(value);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.search || parsed.hash) {
      this.problems.push(`${name}: expected an absolute http or https URL without query or fragment, got "${value}"`);
      return undefined;
    }
    return value.replace(/\/+$/, '');
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.env[name]?.trim().toLowerCase();
    if (!value) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off'].includes(value)) return false;
    this.problems.push(`${name}: expected true or false, got "${value}"`);
    return fallback;
  }

  duration(name: string, fallback: string): number {
    const value = this.string(name, fallback);
    const parsed = parseDuration(value);
    if (parsed === undefined || parsed <= 0) {
      this.problems.push(`${name}: expected a positive duration such as 30m, 12h or 90d, got "${value}"`);
      return parseDuration(fallback)!;
    }
    return parsed;
  }

  /** `<count>/<duration>`, e.g. `30/1m`: at most count events per window of that duration. */
  rate(name: string, fallback: string): Rate {
    const value = this.string(name, fallback);
    const parsed = parseRate(value);
    if (!parsed) {
      this.problems.push(`${name}: expected <count>/<duration> such as 30/1m (a count from 1 to 1000000), got "${value}"`);
      return parseRate(fallback)!;
    }
    return parsed;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.string(name, fallback) as T;
    if (!allowed.includes(value)) {
      this.problems.push(`${name}: expected one of ${allowed.join(', ')}, got "${value}"`);
      return fallback;
    }
    return value;
  }
}

function parseRate(text: string): Rate | undefined {
  const match = /^(\d+)\s*\/\s*(\S+)$/.exec(text);
  const limit = Number(match?.[1]);
  const windowMs = match ? parseDuration(match[2]) : undefined;
  if (!(limit >= 1 && limit <= 1_000_000) || windowMs === undefined || windowMs <= 0) return undefined;
  return { limit, windowMs };
}
