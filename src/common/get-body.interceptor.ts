import { CallHandler, ExecutionContext, HttpStatus, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { Observable } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AppError } from './app-error';

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
      const text = await readBody(request.raw, this.config.http.bodyLimitBytes);
      if (text) request.body = parse(text, request.headers['content-type']);
    }
    return next.handle();
  }
}

function carriesBody(raw: IncomingMessage): boolean {
  return raw.headers['transfer-encoding'] !== undefined || Number(raw.headers['content-length'] ?? 0) > 0;
}

const tooLarge = () => new AppError(HttpStatus.PAYLOAD_TOO_LARGE, 'payload_too_large', 'request body is too large');

function readBody(raw: IncomingMessage, limit: number): Promise<string> {
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
    raw.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    raw.once('error', () => reject(AppError.badRequest('request body could not be read')));
  });
}

/** Keys that would reach an object's prototype once the body is copied into a DTO. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function parse(text: string, contentType: string | undefined): unknown {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json') {
    try {
      return JSON.parse(text, (key, value) => {
        if (FORBIDDEN_KEYS.has(key)) throw new SyntaxError('forbidden key');
        return value;
      });
    } catch {
      throw AppError.badRequest('request body is not valid JSON');
    }
  }
  if (type === 'application/x-www-form-urlencoded') {
    const params = new URLSearchParams(text);
    if ([...params.keys()].some((key) => FORBIDDEN_KEYS.has(key))) throw AppError.badRequest('request body contains a forbidden field name');
    return Object.fromEntries(params);
  }
  throw new AppError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'unsupported_media_type', 'unsupported content type; send application/json or application/x-www-form-urlencoded');
}
