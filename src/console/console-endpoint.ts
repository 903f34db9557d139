import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../common/app-error';
import { sendError } from '../common/error-body';
import { routeMiss } from '../common/route-miss';
import { ConsoleAsset, loadConsoleAssets } from './console-assets';

export const CONSOLE_PATH = '/console/';
const API_PATH = /^\/console\/api(\/|$)/;

/**
 * Serves the web console (console/, built by `npm run build`) at `/console/`, and redirects `/`
 * there. Registered with Fastify directly, not as Nest controllers: these are pages for people,
 * not API operations, so they stay out of the OpenAPI document clients are generated from.
 *
 * Fastify tries a wildcard last, so every `/console/api/...` route still wins over `/console/*`;
 * a `/console/api/...` path no route takes gets the API's JSON 404 (or 405) here, never the page.
 * Any other path under `/console/` that is not a file is a page of the single-page app: it gets
 * index.html, whose script reads the path.
 */
@Injectable()
export class ConsoleEndpoint implements OnModuleInit {
  private readonly logger = new Logger('Console');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const assets = loadConsoleAssets();
    if (!assets.has('index.html')) this.logger.warn(`the web console is not built (run npm run build): ${CONSOLE_PATH} answers 404`);
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.get('/', (_request: FastifyRequest, reply: FastifyReply) => reply.redirect(CONSOLE_PATH, 302));
    // `/console/` takes no wildcard route, and with ignoreTrailingSlash it is the same route as
    // `/console`, which is sent to `/console/` so that relative links resolve under the console.
    fastify.get('/console', (request: FastifyRequest, reply: FastifyReply) => this.serve(assets, request, reply));
    fastify.get('/console/*', (request: FastifyRequest, reply: FastifyReply) => this.serve(assets, request, reply));
  }

  private serve(assets: Map<string, ConsoleAsset>, request: FastifyRequest, reply: FastifyReply): void {
    const [path, query] = splitUrl(request.url);
    if (API_PATH.test(path)) return sendError(routeMiss(request.server, request.method, request.url), request, reply);
    if (!path.startsWith(CONSOLE_PATH)) return void reply.redirect(`${CONSOLE_PATH}${query}`, 301);
    if (!assets.size) return sendError(AppError.notFound('the web console is not built: run npm run build'), request, reply);
    // The router decoded the name; the map holds only the built files, so no name reaches outside them.
    const name = (request.params as { '*'?: string })['*'] ?? '';
    // A missing file with an extension is a missing asset, not a page: a script tag must never get index.html.
    const asset = assets.get(name) ?? (/\.[a-z0-9]+$/i.test(name) ? undefined : assets.get('index.html'));
    if (!asset) return sendError(AppError.notFound(`Cannot GET ${path}`), request, reply);
    this.send(asset, request, reply);
  }

  private send(asset: ConsoleAsset, request: FastifyRequest, reply: FastifyReply): void {
    reply
      .header('content-type', asset.contentType)
      .header('etag', asset.etag)
      .header('vary', 'accept-encoding')
      // index.html names the current hashed assets: it is revalidated on every load.
      .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('x-content-type-options', 'nosniff');
    if (!asset.immutable) {
      reply
        .header(
          'content-security-policy',
          "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        .header('referrer-policy', 'no-referrer');
    }
    if (request.headers['if-none-match'] === asset.etag) return void reply.code(304).send();
    const gzipped = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? '')) ? asset.gzipped() : undefined;
    if (gzipped) reply.header('content-encoding', 'gzip');
    void reply.code(200).send(gzipped ?? asset.body);
  }
}

function splitUrl(url: string): [string, string] {
  const at = url.indexOf('?');
  return at < 0 ? [url, ''] : [url.slice(0, at), url.slice(at)];
}
