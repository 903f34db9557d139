import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { LogController, type FastifyHttpOptions, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { AppError } from './common/app-error';
import { applyRouteBodyLimits } from './common/body-limit';
import { ClientAddresses } from './common/client-address';
import { clientErrorHandler } from './common/client-errors';
import { sendError } from './common/error-body';
import { parseJsonBody } from './common/json-body';
import { AppConfig } from './config/app-config';
import { APP_CONFIG } from './config/config.module';
import { ForwardAuthLane, requestIdOf } from './forward-auth/forward-auth-lane';
import { InstanceForwardAuth } from './instances/verification/instance-forward-auth';
import { Metrics, UNMATCHED_ROUTE } from './metrics/metrics.service';
import { createLogger, listeningText, NestPinoLogger } from './logging/logger';
import { ModelForwardAuth } from './models/verification/model-forward-auth';
import metadata from './metadata';
import { buildOpenApiDocument, serveOpenApiDocument } from './openapi/openapi-document';

/** Builds the application exactly as production runs it; e2e tests call this too. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const clientAddresses = new ClientAddresses(config.http.trustedProxies);
  const forwardAuth = new ForwardAuthLane(clientAddresses);
  const logger = createLogger(config.logLevel);
  const options: FastifyHttpOptions<Server> = {
    serverFactory: forwardAuth.serverFactory,
    // Practicus clients always send a trailing slash, STACKIT clients never do.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    bodyLimit: config.http.bodyLimitBytes,
    // Bounded time per connection: a client that sends its headers or body slowly gets 408 and is
    // disconnected. Node checks every connection once per interval, so the interval is kept short
    // for the 408 to arrive close to the timeout.
    requestTimeout: config.http.bodyTimeoutMs,
    http: { headersTimeout: config.http.headerTimeoutMs, maxHeaderSize: config.http.maxHeaderBytes, connectionsCheckingInterval: 1_000 },
    clientErrorHandler: clientErrorHandler(config.http),
    // request.ip: the same rule as the forward-auth lane's (X-Real-IP aside, which Fastify does not read).
    trustProxy: clientAddresses.trusts,
    // onResponse below writes one line per request instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    // Malformed percent-encoding and over-long path parameters are refused by Fastify's router
    // before any hook runs: answer them in the documented error shapes too.
    frameworkErrors: sendError,
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => requestIdOf(request.headers['x-request-id']),
    loggerInstance: logger,
  };
  const adapter = new FastifyAdapter(options);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { logger: new NestPinoLogger(logger) });
  await setupApp(app, config);
  const metrics = app.get(Metrics, { strict: false });
  forwardAuth.route('instances', app.get(InstanceForwardAuth, { strict: false }), metrics);
  forwardAuth.route('models', app.get(ModelForwardAuth, { strict: false }), metrics);
  if (config.logLevel !== 'silent') forwardAuth.useLogger(logger);
  return app;
}

export async function setupApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  // JSON (and forms, registered by Nest) only: a text/plain body gets 415, not a string in a DTO.
  fastify.removeContentTypeParser('text/plain');
  applyRouteBodyLimits(fastify);
  // Replaces the default JSON parser, which would hand any depth to class-transformer.
  app.useBodyParser('application/json', { bodyLimit: config.http.bodyLimitBytes }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body, config.http.jsonMaxDepth));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  // Callback-style hooks: an async hook costs a promise and a microtask on every request.
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    reply.header('x-request-id', request.id);
    // A NUL decoded into a path or query parameter cannot be stored or looked up in PostgreSQL;
    // URLs carry it only percent-encoded (Node's parser refuses a raw one).
    if (request.url.includes('%00')) return sendError(AppError.badRequest('the URL contains a NUL character (%00)'), request, reply);
    done();
  });
  // One structured line per request; headers and bodies are never logged (they carry secrets).
  // Forward-auth checks never reach Fastify: ForwardAuthLane logs and counts them the same way.
  const metrics = app.get(Metrics, { strict: false });
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    request.log.info(
      { method: request.method, path: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request',
    );
    // The route template, never the URL: ids would make every request a series of its own.
    if (metrics.enabled) metrics.route(request.routeOptions.url ?? UNMATCHED_ROUTE)!.observe(request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  await SwaggerModule.loadPluginMetadata(metadata);
  serveOpenApiDocument(app, app.get(APP_CONFIG), buildOpenApiDocument(app));
  // SIGTERM/SIGINT: stop accepting connections, finish in-flight requests, close the database, exit 0
  // (Nest's default re-raises the signal, which orchestrators report as a crash).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
}

export async function listen(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  await app.listen({ port: config.http.port, host: config.http.host, listenTextResolver: listeningText(config.database.provider) });
  // Log lines are buffered in blocks; whoever waits for the start line should not wait for a block.
  // A flush while a block is being written writes nothing more, so flush again once it is written.
  const log = app.getHttpAdapter().getInstance().log as Logger;
  log.flush(() => log.flush());
}
