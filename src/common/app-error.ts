import { HttpStatus } from '@nestjs/common';

/**
 * The one error type services throw. `code` is stable and machine-readable: the console API
 * returns it as `code`; the STACKIT-style API returns the HTTP status there, as its spec demands.
 */
export class AppError extends Error {
  constructor(
    readonly status: HttpStatus,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  static badRequest(message: string, code = 'bad_request') {
    return new AppError(HttpStatus.BAD_REQUEST, code, message);
  }
  static unauthorized(message = 'Authentication credentials were not provided or are not valid.', code = 'not_authenticated') {
    return new AppError(HttpStatus.UNAUTHORIZED, code, message, { 'www-authenticate': 'Bearer' });
  }
  /** A presented token that is malformed, expired, revoked or of the wrong type. */
  static invalidToken(message = 'Token is invalid or expired') {
    return new AppError(HttpStatus.UNAUTHORIZED, 'token_not_valid', message, {
      'www-authenticate': 'Bearer error="invalid_token"',
    });
  }
  /**
   * A token that was valid but has expired: simplejwt's `token_not_valid` code, a message that
   * says what renews it, and the RFC 6750 challenge with the same words.
   */
  static expiredToken(message: string) {
    return new AppError(HttpStatus.UNAUTHORIZED, 'token_not_valid', message, {
      'www-authenticate': `Bearer error="invalid_token", error_description="${message.replace(/["\\]/g, '')}"`,
    });
  }
  static forbidden(message = 'You do not have permission to perform this action.') {
    return new AppError(HttpStatus.FORBIDDEN, 'permission_denied', message);
  }
  static notFound(message = 'resource not found') {
    return new AppError(HttpStatus.NOT_FOUND, 'not_found', message);
  }
  static conflict(message = 'resource conflict', code = 'conflict') {
    return new AppError(HttpStatus.CONFLICT, code, message);
  }
  static payloadTooLarge(limitBytes: number) {
    return new AppError(HttpStatus.PAYLOAD_TOO_LARGE, 'payload_too_large', `request body is larger than ${limitBytes} bytes`);
  }
  static tooManyRequests(retryAfterSeconds: number, message = 'too many requests') {
    return new AppError(HttpStatus.TOO_MANY_REQUESTS, 'throttled', message, { 'retry-after': String(retryAfterSeconds) });
  }
}
