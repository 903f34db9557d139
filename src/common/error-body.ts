import { HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { isDatabaseUnavailable } from '../database/unavailable';
import { AppError } from './app-error';

/** Routes whose clients expect the STACKIT error body `{code, message, status}`. */
const STACKIT_FAMILY = /^\/(v1|v1alpha|v2)(\/|\?|$)/;

/** The two documented error bodies: STACKIT's `{code, message, status}` and the console's `{detail, code}`. */
export type ErrorFamily = 'stackit' | 'console';

/** The error body a request path's clients expect: `/v1`, `/v1alpha` and `/v2` are STACKIT's. */
export const errorFamilyOf = (url: string): ErrorFamily => (STACKIT_FAMILY.test(url) ? 'stackit' : 'console');

/** The documented error body of `family`. */
export function errorBody(family: ErrorFamily, status: number, code: string, message: string): Record<string, unknown> {
  return family === 'stackit' ? { code: status, message, status: STATUS_CODES[status] ?? 'Error' } : { detail: message, code };
}

export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

// Forward-auth answers have no request logger; their unexpected errors are logged here.
const fallbackLogger = new Logger('Errors');

const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'request body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: "request body is empty although content-type is 'application/json'",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported content type: send the body as JSON with Content-Type: application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'request body length does not match content-length',
  FST_ERR_BAD_URL: 'the URL is not valid (malformed percent-encoding)',
  FST_ERR_MAX_PARAM_LENGTH: 'a path segment is too long',
};

/**
 * Turns anything thrown while handling a request into the documented error body of the API
 * family the request belongs to. Unknown errors become a bare 500; their text is only logged.
 */
export function toErrorReply(error: unknown, family: ErrorFamily, log?: FastifyBaseLogger): ErrorReply {
  const { status, code, message, headers, unexpected } = classify(error);
  if (unexpected) {
    if (log) log.error({ err: error }, 'unexpected error');
    else fallbackLogger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  return { status, headers, body: errorBody(family, status, code, message) };
}

/**
 * Answers `request` with `error` in its documented shape. `x-request-id` is set here too: errors
 * Fastify's router raises (malformed URLs) are answered before the hook that usually sets it.
 */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  // Nest wraps Fastify's errors (bad JSON, wrong content type, body too large) in an HttpException.
  if (error instanceof HttpException && isFastifyError(error.cause)) error = error.cause;
  // Fastify's own error does not say what the limit is; the route knows.
  if (isFastifyError(error) && error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') error = AppError.payloadTooLarge(request.routeOptions.bodyLimit);
  const { status, headers, body } = toErrorReply(error, errorFamilyOf(request.url), request.log);
  reply
    .code(status)
    .headers({ ...headers, 'x-request-id': request.id })
    .send(body);
}

function isFastifyError(error: unknown): error is Error & { code: string; statusCode: number } {
  return error instanceof Error && error.name === 'FastifyError';
}

function classify(error: unknown): { status: number; code: string; message: string; headers: Record<string, string>; unexpected?: boolean } {
  if (error instanceof AppError) {
    return { status: error.status, code: error.code, message: error.message, headers: error.headers };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    const message = Array.isArray(raw) ? raw.join('; ') : typeof raw === 'string' ? raw : error.message;
    const headers: Record<string, string> = status === Number(HttpStatus.UNAUTHORIZED) ? { 'www-authenticate': 'Bearer' } : {};
    return { status, code: defaultCode(status), message, headers };
  }
  const prismaCode = (error as { code?: unknown; name?: string })?.name === 'PrismaClientKnownRequestError' ? (error as { code: string }).code : undefined;
  if (prismaCode === 'P2002') return { status: 409, code: 'conflict', message: 'resource already exists', headers: {} };
  if (prismaCode === 'P2025') return { status: 404, code: 'not_found', message: 'resource not found', headers: {} };
  const fastify = error as { statusCode?: number; code?: string; message?: string };
  if (typeof fastify?.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    const message = FASTIFY_MESSAGES[fastify.code ?? ''] ?? 'request is not valid';
    return { status: fastify.statusCode, code: defaultCode(fastify.statusCode), message, headers: {} };
  }
  if (isDatabaseUnavailable(error)) {
    logUnavailable(error);
    return { status: 503, code: 'unavailable', message: UNAVAILABLE_MESSAGE, headers: { 'retry-after': RETRY_AFTER_SECONDS } };
  }
  return { status: 500, code: 'internal_error', message: 'internal server error', headers: {}, unexpected: true };
}

/**
 * The database did not answer: the request may well be valid, so it is neither a 4xx nor a 401
 * (clients would drop good credentials) but a 503 to retry: connections are reopened per request.
 */
const UNAVAILABLE_MESSAGE = 'the database is unreachable or busy; retry shortly';
const RETRY_AFTER_SECONDS = '2';

/** One line per second at most: during an outage every request fails the same way. */
let unavailableLoggedAt = 0;
let unavailableSuppressed = 0;
function logUnavailable(error: unknown): void {
  const now = Date.now();
  if (now - unavailableLoggedAt < 1000) {
    unavailableSuppressed++;
    return;
  }
  const more = unavailableSuppressed ? ` (and ${unavailableSuppressed} more since the last line)` : '';
  unavailableLoggedAt = now;
  unavailableSuppressed = 0;
  fallbackLogger.warn(`database unavailable, answered 503: ${(error as Error)?.message ?? String(error)}${more}`);
}

function defaultCode(status: number): string {
  switch (status) {
    case 400:
      return 'bad_request';
    case 401:
      return 'not_authenticated';
    case 403:
      return 'permission_denied';
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 414:
      return 'uri_too_long';
    case 415:
      return 'unsupported_media_type';
    case 422:
      return 'unprocessable_entity';
    case 429:
      return 'throttled';
    default:
      return status >= 500 ? 'internal_error' : 'error';
  }
}
