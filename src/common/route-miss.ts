import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { AppError } from './app-error';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * The answer to a request no route takes: 405 with `Allow` when the path is served with other
 * methods, else 404. The model URL catch-all (GET `*`) does not count as serving a path.
 */
export function routeMiss(fastify: FastifyInstance, method: string, url: string): AppError {
  const path = url.split(/[?#]/)[0].replace(/(.)\/+$/, '$1');
  const allowed = METHODS.filter((candidate) => {
    const route = fastify.findRoute({ method: candidate, url: path });
    return route && !Object.prototype.hasOwnProperty.call(route.params ?? {}, '*');
  });
  if (!allowed.length) return AppError.notFound(`Cannot ${method} ${path}`);
  return new AppError(HttpStatus.METHOD_NOT_ALLOWED, 'method_not_allowed', `${method} is not allowed on ${path}; use ${allowed.join(', ')}`, {
    allow: allowed.join(', '),
  });
}
