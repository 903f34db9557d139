import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, mergeMap, Observable, of, throwError } from 'rxjs';
import { AppError } from '../common/app-error';
import { Principal } from '../common/principal';
import { IdempotencyService } from './idempotency.service';

const KEY = /^[\x21-\x7e]{1,255}$/;

/** Applies `Idempotency-Key` to a POST handler; requests without the header run as usual. */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');

  constructor(private readonly idempotency: IdempotencyService) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { user: Principal }>();
    const reply = http.getResponse<FastifyReply>();
    const key = request.headers['idempotency-key'];
    if (key === undefined) return next.handle();
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw AppError.badRequest('Idempotency-Key: 1 to 255 visible ASCII characters, e.g. a UUID', 'invalid');
    }
    const scope = `${request.user.kind}:${request.user.id} ${request.method} ${routeOf(request.url)}`;
    const claim = await this.idempotency.begin(scope, key, hashBody(request.body));
    if (claim.kind === 'replay') {
      reply.status(claim.status).header('idempotent-replayed', 'true');
      return of(claim.body);
    }
    return next.handle().pipe(
      mergeMap(async (body: unknown) => {
        try {
          await this.idempotency.complete(claim.id, scope, key, reply.statusCode, body);
        } catch (error) {
          // The work is done; answering with its result beats failing a request that succeeded.
          this.logger.error(`storing the response for an Idempotency-Key failed: ${(error as Error).message}`);
        }
        return body;
      }),
      catchError((error: unknown) => from(this.idempotency.release(claim.id)).pipe(mergeMap(() => throwError(() => error)))),
    );
  }
}

/** `/v1alpha` serves the same operations as `/v1`, so a key is shared by both spellings of a route. */
function routeOf(url: string): string {
  const path = url.split('?')[0].replace(/\/+$/, '');
  return path.replace(/^\/v1alpha\//, '/v1/');
}

/** The body's hash, independent of key order and whitespace. */
function hashBody(body: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(body ?? null)))
    .digest('hex');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
