import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, RequestListener, Server, ServerOptions, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { ClientAddresses } from '../common/client-address';
import { toErrorReply } from '../common/error-body';
import type { Metrics, RouteMeter, VerificationMeter, VerificationResult } from '../metrics/metrics.service';

/** What a forward-auth check answers: 204 with identity headers, or an error with its JSON body (refusals.ts builds the 401s). */
export interface ForwardAuthAnswer {
  status: number;
  headers: Record<string, string>;
  /**
   * JSON, serialized once for prebuilt answers: an error body per refused request is measurable at
   * gateway rates. A string rather than a Buffer: Node writes head and string body in one write.
   */
  body?: string;
  /** What the token check concluded; absent when the check failed (the database could not be asked). */
  result?: VerificationResult;
}

/** One kind of resource a gateway can ask about, e.g. an instance or a model. */
export interface ForwardAuthCheck {
  /** The `kind` label of this check's verifications in the metrics. */
  readonly verificationKind: 'instance' | 'model';
  /**
   * Synchronous when the answer is cached, which is the common case. `clientAddress`: who presented
   * the token (the gateway's client when the gateway is a trusted proxy, see ClientAddresses).
   */
  check(resourceId: string, authorization: string | undefined, requestId: string, clientAddress: string): ForwardAuthAnswer | Promise<ForwardAuthAnswer>;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const DENIAL_LINES_PER_SECOND = 20;
const JSON_TYPE = 'application/json; charset=utf-8';

/** The request id a gateway sent, if it is a sane one; otherwise a new one. Fastify's genReqId uses this too. */
export function requestIdOf(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** An answer with a JSON body, serialized here once. */
export function jsonAnswer(status: number, body: unknown, headers: Record<string, string> = {}): ForwardAuthAnswer {
  const json = JSON.stringify(body);
  return { status, headers: { ...headers, 'content-type': JSON_TYPE, 'content-length': String(Buffer.byteLength(json)) }, body: json };
}

/** What a check that threw gets (a 503 when the database cannot be asked), in the `/v1` error shape. */
function errorAnswer(error: unknown): ForwardAuthAnswer {
  const { status, headers, body } = toErrorReply(error, 'stackit');
  return jsonAnswer(status, body, headers);
}

interface Route {
  check: ForwardAuthCheck;
  /** Both set, or neither (metrics off: the lane then does not read the clock for them). */
  verifications?: VerificationMeter;
  requests?: RouteMeter;
}

/**
 * Forward authentication (nginx `auth_request`, Envoy `ext_authz`, Traefik ForwardAuth) on the
 * service's own port, answered before Fastify sees the request.
 *
 * Every proxied request costs one of these checks. Even as a plain Fastify route the framework's
 * per-request work (request and reply objects, hooks, routing) was most of the cost, and a check
 * needs none of it: no body, no DTO, no Nest guard. So the HTTP server is created here
 * (Fastify's `serverFactory`) and requests for `/v1/auth/<kind>/<id>/verify[/...]` go to their
 * check directly; everything else goes to Fastify. Gateways forward the client's method and often
 * its path, so every method and any sub-path is served. Bodies are never read (a check of an
 * upload must not parse it). Like every other response, these carry `x-request-id` and are logged
 * as one `request` line, granted checks at debug (the gateway logs the requests it lets through),
 * denials at info within a budget (LogBudget).
 */
export class ForwardAuthLane {
  private readonly routes = new Map<string, Route>();
  private log?: FastifyBaseLogger;
  private logsGranted = false;
  private readonly denialLines = new LogBudget(DENIAL_LINES_PER_SECOND, () => this.log);

  constructor(private readonly clientAddresses: ClientAddresses) {}

  /**
   * Answers `/v1/auth/<kind>/<id>/verify...` with `check`; counts and times it in `metrics` under
   * the route template `/v1/auth/<kind>/:<singular kind>Id/verify`, whatever sub-path was asked.
   */
  route(kind: string, check: ForwardAuthCheck, metrics: Metrics): void {
    const requests = metrics.route(`/v1/auth/${kind}/:${kind.replace(/s$/, '')}Id/verify`);
    this.routes.set(kind, { check, ...(requests && { requests, verifications: metrics.verifications(check.verificationKind) }) });
  }

  /** Request lines go to Fastify's logger, so they look like every other request line. */
  useLogger(log: FastifyBaseLogger): void {
    this.log = log;
    this.logsGranted = ['debug', 'trace'].includes(log.level);
  }

  /** For Fastify's `serverFactory`: the lane first, Fastify for everything it does not serve. */
  serverFactory = (fastify: RequestListener, fastifyOptions: Record<string, unknown>): Server => {
    // Fastify fills in defaults for these before calling the factory.
    const options = fastifyOptions as unknown as FastifyServerOptions;
    const server = createServer(options.http ?? {}, (request, response) => {
      if (!this.serve(request, response)) fastify(request, response);
    });
    // What Fastify sets on the servers it creates itself.
    server.keepAliveTimeout = options.keepAliveTimeout;
    server.requestTimeout = options.requestTimeout;
    server.setTimeout(options.connectionTimeout);
    if (options.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    return server;
  };

  /** False when the request is not a forward-auth check (Fastify then answers it, 404 included). */
  private serve(request: IncomingMessage, response: ServerResponse): boolean {
    const url = request.url ?? '';
    if (!url.startsWith('/v1/auth/')) return false;
    const target = parseTarget(url);
    const route = target && this.routes.get(target.kind);
    if (!route) return false;
    const started = performance.now();
    const requestId = requestIdOf(request.headers['x-request-id']);
    let answer: ForwardAuthAnswer | Promise<ForwardAuthAnswer>;
    try {
      answer = route.check.check(target.id, request.headers.authorization, requestId, this.clientAddresses.of(request));
    } catch (error) {
      answer = errorAnswer(error);
    }
    if (answer instanceof Promise) {
      answer.then(
        (settled) => this.send(request, response, route, settled, requestId, started),
        (error: unknown) => this.send(request, response, route, errorAnswer(error), requestId, started),
      );
    } else {
      this.send(request, response, route, answer, requestId, started);
    }
    return true;
  }

  private send(request: IncomingMessage, response: ServerResponse, route: Route, answer: ForwardAuthAnswer, requestId: string, started: number): void {
    // Not a spread: a spread with an extra key is much slower than Object.assign, per request.
    response.writeHead(answer.status, Object.assign({ 'x-request-id': requestId }, answer.headers));
    response.end(answer.body);
    let ms = -1;
    if (route.requests) {
      ms = performance.now() - started;
      route.requests.observe(request.method!, answer.status, ms / 1000);
      if (answer.result) route.verifications!.observe(answer.result, ms / 1000);
    }
    const granted = answer.status < 300;
    if (!this.log || (granted ? !this.logsGranted : !this.denialLines.take())) return;
    if (ms < 0) ms = performance.now() - started;
    const line = { reqId: requestId, method: request.method, path: (request.url ?? '').split('?')[0], status: answer.status, ms: Math.round(ms * 10) / 10 };
    if (granted) this.log.debug(line, 'request');
    else this.log.info(line, 'request');
  }
}

/**
 * At most `perSecond` denial lines a second; beyond that one line a second counts the rest.
 * Anyone can send junk tokens at gateway rates, and a line for each would let them fill the disk
 * and cost a good share of the throughput. Known tokens' denials (expired, wrong
 * instance) are also in the audit trail.
 */
class LogBudget {
  private windowStartedAt = 0;
  private taken = 0;
  private suppressed = 0;

  constructor(
    private readonly perSecond: number,
    private readonly log: () => FastifyBaseLogger | undefined,
  ) {}

  take(): boolean {
    const now = Date.now();
    if (now - this.windowStartedAt >= 1000) {
      this.windowStartedAt = now;
      this.taken = 0;
    }
    if (++this.taken <= this.perSecond) return true;
    if (this.suppressed++ === 0) setTimeout(() => this.report(), 1000).unref();
    return false;
  }

  private report(): void {
    this.log()?.info({ suppressed: this.suppressed }, 'forward-auth denials not logged in the last second (log budget)');
    this.suppressed = 0;
  }
}

/** The Fastify options the lane's server honours. */
interface FastifyServerOptions {
  http?: ServerOptions;
  keepAliveTimeout: number;
  requestTimeout: number;
  connectionTimeout: number;
  maxRequestsPerSocket: number;
}

/** `/v1/auth/<kind>/<id>/verify`, optionally followed by `/<anything>`, then maybe a query string. */
function parseTarget(url: string): { kind: string; id: string } | undefined {
  // The path ends where Fastify's router ends it: at the query string, or at a fragment a client
  // should not have sent. `/v1/auth/instances/<id>?next=/verify` is no check.
  const end = url.search(/[?#]/);
  const path = url.slice('/v1/auth/'.length, end < 0 ? url.length : end);
  const kindEnd = path.indexOf('/');
  const idEnd = path.indexOf('/', kindEnd + 1);
  if (kindEnd <= 0 || idEnd <= kindEnd + 1) return undefined;
  const verifyEnd = idEnd + '/verify'.length;
  if (path.slice(idEnd, verifyEnd) !== '/verify') return undefined;
  const next = path[verifyEnd];
  if (next !== undefined && next !== '/') return undefined;
  const rawId = path.slice(kindEnd + 1, idEnd);
  try {
    return { kind: path.slice(0, kindEnd), id: rawId.includes('%') ? decodeURIComponent(rawId) : rawId };
  } catch {
    return undefined; // malformed escapes: Fastify answers 400
  }
}
