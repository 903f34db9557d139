import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { AppError } from '../common/app-error';
import { sendError, toErrorReply } from '../common/error-body';
import { constantTimeEqual, hashSecret } from '../common/secret-hash';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Metrics } from './metrics.service';

export const METRICS_PATH = '/metrics';

const CHALLENGE = { 'www-authenticate': 'Bearer realm="tessera-metrics"' };

type Scrape = { contentType: string; body: string } | { error: AppError };

/**
 * Serves `/metrics` where the configuration puts it: on TESSERA_METRICS_PORT (a small node:http
 * server of its own, so the public port never exposes it), else on the service's port when
 * TESSERA_METRICS_TOKEN is set, else nowhere (the service's port answers 404). The token, when
 * set, is required as `Authorization: Bearer <token>` on either port.
 *
 * On the service's port the route is registered with Fastify directly, not as a Nest controller:
 * it is for the operator's Prometheus, not an API operation, so it stays out of the OpenAPI
 * document that clients are generated from (docs/metrics.md documents it).
 */
@Injectable()
export class MetricsEndpoint implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private readonly tokenHash?: string;
  private server?: Server;

  constructor(
    private readonly metrics: Metrics,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.tokenHash = config.metrics.token && hashSecret(config.metrics.token);
  }

  /** `http://host:port` of the metrics port while it listens. */
  get url(): string | undefined {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) return undefined;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  onModuleInit(): void {
    if (this.config.metrics.port !== undefined || !this.tokenHash) return;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.get(METRICS_PATH, (request: FastifyRequest, reply: FastifyReply) => this.serveOnFastify(request, reply));
  }

  async onApplicationBootstrap(): Promise<void> {
    const { port, host } = this.config.metrics;
    if (port === undefined) return;
    const server = createServer((request, response) => void this.serveOnOwnPort(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`serving ${METRICS_PATH} on ${this.url}${this.tokenHash ? ' (bearer token required)' : ''}`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // Prometheus keeps its connection open between scrapes: close it, let a scrape in flight finish.
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeIdleConnections();
    await closed;
  }

  private async serveOnFastify(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const scrape = await this.scrape(request.headers.authorization);
    if ('error' in scrape) return sendError(scrape.error, request, reply);
    await reply.code(200).header('content-type', scrape.contentType).header('cache-control', 'no-store').send(scrape.body);
  }

  private async serveOnOwnPort(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '').split('?')[0];
    let scrape: Scrape;
    if (path !== METRICS_PATH) scrape = { error: AppError.notFound(`only ${METRICS_PATH} is served on this port`) };
    else if (request.method !== 'GET' && request.method !== 'HEAD') {
      scrape = { error: new AppError(405, 'method_not_allowed', `${METRICS_PATH} answers GET`, { allow: 'GET, HEAD' }) };
    } else scrape = await this.scrape(request.headers.authorization);
    if ('error' in scrape) {
      const { status, headers, body } = toErrorReply(scrape.error, 'console');
      response.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(body));
      return;
    }
    response.writeHead(200, { 'content-type': scrape.contentType, 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : scrape.body);
  }

  private async scrape(authorization: string | undefined): Promise<Scrape> {
    if (this.tokenHash && !this.authorized(authorization)) {
      return { error: new AppError(401, 'not_authenticated', `${METRICS_PATH} needs Authorization: Bearer <TESSERA_METRICS_TOKEN>`, CHALLENGE) };
    }
    try {
      return { contentType: this.metrics.registry.contentType, body: await this.metrics.registry.metrics() };
    } catch (error) {
      this.logger.error(`collecting metrics failed: ${(error as Error).message}`);
      return { error: new AppError(500, 'internal_error', 'collecting metrics failed') };
    }
  }

  /** Compares digests, so neither the comparison's time nor an early length check tells anything about the token. */
  private authorized(authorization: string | undefined): boolean {
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
    return Boolean(match && constantTimeEqual(hashSecret(match[1]), this.tokenHash!));
  }
}
