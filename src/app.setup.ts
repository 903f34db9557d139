import { ConsoleLogger, INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import pino from 'pino';
import { AppModule } from './app.module';
import { sendError } from './common/error-body';
import { AppConfig } from './config/app-config';
import { APP_CONFIG } from './config/config.module';
import { ForwardAuthLane, requestIdOf } from './forward-auth/forward-auth-lane';
import { InstanceForwardAuth } from './instances/verification/instance-forward-auth';
import { ModelForwardAuth } from './models/verification/model-forward-auth';
import metadata from './metadata';
import { buildOpenApiDocument, serveOpenApiDocument } from './openapi/openapi-document';

/** Builds the application exactly as production runs it; e2e tests call this too. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const forwardAuth = new ForwardAuthLane();
  const adapter = new FastifyAdapter({
    serverFactory: forwardAuth.serverFactory,
    // Practicus clients always send a trailing slash, STACKIT clients never do.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    // onResponse below writes one line per request instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    // Malformed percent-encoding and over-long path parameters are refused by Fastify's router
    // before any hook runs: answer them in the documented error shapes too.
    frameworkErrors: sendError,
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => requestIdOf(request.headers['x-request-id']),
    // Buffered asynchronous writes: not a write(2) per request line on the verification hot path.
    // pino flushes the buffer at exit.
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel, stream: pino.destination({ sync: false, minLength: 4096 }) },
  });
  const logger = new ConsoleLogger({ json: true, logLevels: nestLogLevels(config.logLevel) });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { logger });
  await setupApp(app);
  forwardAuth.route('instances', app.get(InstanceForwardAuth, { strict: false }));
  forwardAuth.route('models', app.get(ModelForwardAuth, { strict: false }));
  if (config.logLevel !== 'silent') forwardAuth.useLogger(app.getHttpAdapter().getInstance().log);
  return app;
}

export async function setupApp(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  // Callback-style hooks: an async hook costs a promise and a microtask on every request.
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    reply.header('x-request-id', request.id);
    done();
  });
  // One structured line per request; headers and bodies are never logged (they carry secrets).
  // Forward-auth checks never reach Fastify: ForwardAuthLane logs them the same way.
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    request.log.info({ method: request.method, path: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
    done();
  });

  await SwaggerModule.loadPluginMetadata(metadata);
  serveOpenApiDocument(app, app.get(APP_CONFIG), buildOpenApiDocument(app));
  // SIGTERM/SIGINT: stop accepting connections, finish in-flight requests, close the database, exit 0
  // (Nest's default re-raises the signal, which orchestrators report as a crash).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
}

function nestLogLevels(level: AppConfig['logLevel']) {
  const order = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
  const cut = { silent: 0, fatal: 1, error: 2, warn: 3, info: 4, debug: 5, trace: 6 }[level];
  return order.slice(0, cut) as unknown as ('fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose')[];
}

export async function listen(app: INestApplication, config: AppConfig): Promise<void> {
  await app.listen(config.http.port, config.http.host);
  new Logger('Tessera').log(`listening on ${await app.getUrl()} (${config.database.provider})`);
}
