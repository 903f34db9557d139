import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { sendError } from './common/error-body';
import { AppConfig } from './config/app-config';
import { ForwardAuthLane, requestIdOf } from './forward-auth/forward-auth-lane';
import { InstanceForwardAuth } from './instances/verification/instance-forward-auth';
import { createLogger, listeningText, NestPinoLogger } from './logging/logger';
import { ModelForwardAuth } from './models/verification/model-forward-auth';
import metadata from './metadata';

/** Builds the application exactly as production runs it; e2e tests call this too. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const forwardAuth = new ForwardAuthLane();
  const logger = createLogger(config.logLevel);
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
    loggerInstance: logger,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { logger: new NestPinoLogger(logger) });
  await setupApp(app);
  forwardAuth.route('instances', app.get(InstanceForwardAuth, { strict: false }));
  forwardAuth.route('models', app.get(ModelForwardAuth, { strict: false }));
  if (config.logLevel !== 'silent') forwardAuth.useLogger(logger);
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
  const document = SwaggerModule.createDocument(app, openApiConfig(), {
    // Swagger numbers the methods of multi-path controllers (`create[1]`); the aliases leave the document, so drop the index.
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey.replace(/\[\d+\]$/, '')}`,
  });
  SwaggerModule.setup('docs', app, publicDocument(document), { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  // SIGTERM/SIGINT: stop accepting connections, finish in-flight requests, close the database, exit 0
  // (Nest's default re-raises the signal, which orchestrators report as a crash).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
}

function openApiConfig() {
  return new DocumentBuilder()
    .setTitle('Tessera')
    .setDescription(
      'Token lifecycle for ML platforms: STACKIT-style instance tracking tokens (`/v1`; every `/v1/projects/...` route is also served under `/v1alpha`), ' +
        'service accounts after STACKIT Service Account API v2 (`/v2`, also served under `/v1` and `/v1alpha`), ' +
        'Practicus-style console and model authentication (`/console/api`).',
    )
    .setVersion('1.0.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Console access token or service-account access token' })
    .build();
}

/**
 * Aliases stay out of the document so generated clients get one method per operation: `/v1alpha`
 * repeats `/v1`, and `/v1` repeats the `/v2` service-account routes.
 */
function publicDocument(document: OpenAPIObject): OpenAPIObject {
  const isAlias = (path: string) => path.startsWith('/v1alpha/') || (path.startsWith('/v1/') && `/v2/${path.slice(4)}` in document.paths);
  const paths = Object.fromEntries(Object.entries(document.paths).filter(([path]) => !isAlias(path)));
  return { ...document, paths };
}

export async function listen(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  await app.listen({ port: config.http.port, host: config.http.host, listenTextResolver: listeningText(config.database.provider) });
  // Log lines are buffered in blocks; whoever waits for the start line should not wait for a block.
  (app.getHttpAdapter().getInstance().log as Logger).flush();
}
