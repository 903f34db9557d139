import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';

const BODY_LIMIT = 'bodyLimitBytes';

/**
 * The route's own request body limit instead of TESSERA_BODY_LIMIT_BYTES, for the few routes
 * whose bodies are legitimately larger; a larger body gets 413 naming this limit.
 */
export const BodyLimit = (bytes: number) => RouteConfig({ [BODY_LIMIT]: bytes });

/**
 * Applies @BodyLimit. Fastify takes a route's body limit when the route is added, and Nest
 * passes only `config` through: so the limit travels in the config and this hook moves it.
 * Register it before the routes are (before `app.init()`).
 */
export function applyRouteBodyLimits(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    const bytes = (route.config as Record<string, unknown> | undefined)?.[BODY_LIMIT];
    if (typeof bytes === 'number') route.bodyLimit = bytes;
  });
}
