import { Inject, Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { TimedFamily, TimedSeries } from './timed-series';
import { TOKEN_KINDS, TOKEN_STATES, TokenCountsRepository } from './token-counts.repository';

export const VERIFICATION_KINDS = ['instance', 'model', 'introspection', 'console'] as const;
export type VerificationKind = (typeof VERIFICATION_KINDS)[number];

export const VERIFICATION_RESULTS = ['valid', 'expired', 'revoked', 'unknown', 'bad_signature', 'wrong_audience', 'malformed'] as const;
/** What a token check concluded; docs/metrics.md says which case counts as which. */
export type VerificationResult = (typeof VERIFICATION_RESULTS)[number];

export const LOGIN_OUTCOMES = ['success', 'invalid_credentials', 'throttled'] as const;
export type LoginOutcome = (typeof LOGIN_OUTCOMES)[number];

// Seconds. A cached verification takes microseconds, one that reads the database about a millisecond.
const VERIFICATION_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1];
const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
/** The route label of requests no route matched (404s): never the raw URL, whose cardinality is unbounded. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Verifications of one kind, one prebuilt series per result. */
export interface VerificationMeter {
  observe(result: VerificationResult, seconds: number): void;
}

/** The requests of one route template, a series per method and status class made on first use. */
export class RouteMeter {
  private readonly byMethod = new Map<string, (TimedSeries | undefined)[]>();

  constructor(
    private readonly route: string,
    private readonly family: TimedFamily,
  ) {}

  observe(method: string, status: number, seconds: number): void {
    let byClass = this.byMethod.get(method);
    if (!byClass) this.byMethod.set(method, (byClass = []));
    const index = Math.min(Math.max(Math.floor(status / 100), 1), 5) - 1;
    (byClass[index] ??= this.family.add({ route: this.route, method, status_class: STATUS_CLASSES[index] })).observe(seconds);
  }
}

const NO_VERIFICATIONS: VerificationMeter = { observe: () => undefined };

/**
 * Prometheus metrics (docs/metrics.md). Other modules record through the methods below; with
 * metrics off (neither TESSERA_METRICS_PORT nor TESSERA_METRICS_TOKEN set) they record nothing and
 * the forward-auth lane, which checks `enabled`, does not even read the clock.
 *
 * Hot paths hold a meter (`verifications(kind)`, `route(template)`) whose series are built once:
 * an observation updates numbers in place. Labels never carry ids, tokens or raw URLs.
 */
@Injectable()
export class Metrics {
  readonly enabled: boolean;
  readonly registry = new Registry();
  private readonly logger = new Logger('Metrics');
  private readonly verificationFamily = new TimedFamily(
    VERIFICATION_BUCKETS,
    { name: 'tessera_token_verifications_total', help: 'Token verifications by kind of check and result.' },
    { name: 'tessera_token_verification_duration_seconds', help: 'Time to decide a token verification, by kind of check and result.' },
  );
  private readonly verificationMeters = new Map<VerificationKind, VerificationMeter>();
  private readonly httpFamily = new TimedFamily(
    HTTP_BUCKETS,
    { name: 'tessera_http_requests_total', help: 'HTTP requests by route template, method and status class.' },
    { name: 'tessera_http_request_duration_seconds', help: 'HTTP request duration by route template, method and status class.' },
  );
  private readonly routeMeters = new Map<string, RouteMeter>();
  private readonly logins?: Counter<'outcome'>;
  private readonly invalidationNotices?: Counter;
  private readonly invalidationListener?: Gauge;

  constructor(@Inject(APP_CONFIG) config: AppConfig, tokenCounts: TokenCountsRepository) {
    this.enabled = config.metrics.port !== undefined || config.metrics.token !== undefined;
    if (!this.enabled) return;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    for (const metric of [...this.verificationFamily.metrics(), ...this.httpFamily.metrics()]) this.registry.registerMetric(metric);
    for (const kind of VERIFICATION_KINDS) this.verificationMeters.set(kind, this.prebuiltVerificationMeter(kind));

    this.logins = new Counter({
      name: 'tessera_logins_total',
      help: 'Console logins (POST /console/api/auth) by outcome.',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of LOGIN_OUTCOMES) this.logins.inc({ outcome }, 0);

    const logger = this.logger;
    new Gauge({
      name: 'tessera_tokens',
      help: 'Stored tokens by kind and state, counted at scrape time.',
      labelNames: ['kind', 'state'],
      registers,
      async collect() {
        try {
          const counts = await tokenCounts.count(new Date());
          for (const kind of TOKEN_KINDS) for (const state of TOKEN_STATES[kind]) this.set({ kind, state }, counts[kind][state] ?? 0);
        } catch (error) {
          // A scrape must not fail with the database: the previous counts stay.
          logger.warn(`counting tokens for /metrics failed: ${(error as Error).message}`);
        }
      },
    });

    // Only PostgreSQL has a listener: on SQLite one process serves the database and sees every write.
    if (config.database.provider === 'postgresql') {
      this.invalidationListener = new Gauge({
        name: 'tessera_invalidation_listener_connected',
        help: "1 while the PostgreSQL LISTEN connection that carries other replicas' cache invalidations is up, else 0 (caches are then bypassed).",
        registers,
      });
      this.invalidationNotices = new Counter({
        name: 'tessera_invalidation_notices_received_total',
        help: 'Cache invalidation notices received from other replicas.',
        registers,
      });
    }
  }

  /** The meter of one kind of token check. */
  verifications(kind: VerificationKind): VerificationMeter {
    return this.verificationMeters.get(kind) ?? NO_VERIFICATIONS;
  }

  /** The meter of one route template; undefined with metrics off. */
  route(template: string): RouteMeter | undefined {
    if (!this.enabled) return undefined;
    let meter = this.routeMeters.get(template);
    if (!meter) this.routeMeters.set(template, (meter = new RouteMeter(template, this.httpFamily)));
    return meter;
  }

  login(outcome: LoginOutcome): void {
    this.logins?.inc({ outcome });
  }

  invalidationNoticeReceived(): void {
    this.invalidationNotices?.inc();
  }

  invalidationListenerConnected(connected: boolean): void {
    this.invalidationListener?.set(connected ? 1 : 0);
  }

  private prebuiltVerificationMeter(kind: VerificationKind): VerificationMeter {
    const byResult = Object.fromEntries(VERIFICATION_RESULTS.map((result) => [result, this.verificationFamily.add({ kind, result })])) as Record<
      VerificationResult,
      TimedSeries
    >;
    return { observe: (result, seconds) => byResult[result].observe(seconds) };
  }
}
