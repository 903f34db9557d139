import { CallHandler, ExecutionContext, HttpStatus, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { Observable } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AppError } from './app-error';
import { parseJsonBody } from './json-body';

/**
 * Fastify parses bodies of POST, PUT and PATCH only and leaves a GET body unread in the stream.
 * Some clients send GET with a body (`requests.get(url, json=...)`): this interceptor reads it,
 * within the same size limit, as JSON or form data, so `@Body()` and the ValidationPipe see it.
 * It runs after the guard, so unauthenticated bodies are never read.
 */
@Injectable()
export class GetBodyInterceptor implements NestInterceptor {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (request.method === 'GET' && request.body == null && carriesBody(request.raw)) {
      const body = await readBody(request.raw, this.config.http.bodyLimitBytes);
      if (body.length) request.body = parse(body, request.headers['content-type'], this.config.http.jsonMaxDepth);
    }
    return next.handle();
  }
}

function carriesBody(raw: IncomingMessage): boolean {
  return raw.headers['transfer-encoding'] !== undefined || Number(raw.headers['content-length'] ?? 0) > 0;
}

function readBody(raw: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => AppError.payloadTooLarge(limit);
  if (Number(raw.headers['content-length'] ?? 0) > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      // Stop collecting but keep draining, so the 413 still reaches the client on this connection.
      raw.removeListener('data', onData);
      raw.resume();
      reject(tooLarge());
    };
    raw.on('data', onData);
    raw.once('end', () => resolve(Buffer.concat(chunks)));
    raw.once('error', () => reject(AppError.badRequest('request body could not be read')));
  });
}

/** Keys that would reach an object's prototype once the body is copied into a DTO. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function parse(body: Buffer, contentType: string | undefined, maxDepth: number): unknown {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json') return parseJsonBody(body, maxDepth);
  if (type === 'application/x-www-form-urlencoded') {
    const params = new URLSearchParams(body.toString('utf8'));
    if ([...params.keys()].some((key) => FORBIDDEN_KEYS.has(key))) throw AppError.badRequest('request body contains a forbidden field name');
    return Object.fromEntries(params);
  }
  throw new AppError(
    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    'unsupported_media_type',
    'unsupported content type: send the body with Content-Type: application/json or application/x-www-form-urlencoded',
  );
}
