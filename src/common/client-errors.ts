import { HttpStatus } from '@nestjs/common';
import type { ConnectionError, FastifyInstance } from 'fastify';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { requestIdOf } from '../forward-auth/forward-auth-lane';
import { AppConfig } from '../config/app-config';
import { AppError } from './app-error';
import { errorFamilyOf, toErrorReply } from './error-body';

/** The request line at the start of what Node's parser had read: `GET /v1/... HTTP/1.1`. */
const REQUEST_LINE = /^[A-Z]+ (\S+) HTTP\//;

/**
 * Fastify's `clientErrorHandler`: answers what Node's HTTP parser refuses before any route runs
 * (headers too large, a request not received within the timeouts, malformed HTTP) in the
 * documented error shape with an `x-request-id`, then closes the connection, as Node does.
 */
export function clientErrorHandler(config: AppConfig['http']) {
  const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
  const timeout = `request not received in time (headers within ${seconds(config.headerTimeoutMs)}, whole request within ${seconds(config.bodyTimeoutMs)})`;

  return function (this: FastifyInstance, error: ConnectionError, socket: Socket): void {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    // A request the parser already handed to Fastify (a body timeout) has its response object here.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      const url = inFlight?.req?.url ?? REQUEST_LINE.exec(requestStart(error))?.[1] ?? '/';
      const requestId = requestIdOf(inFlight?.req?.headers['x-request-id']);
      const { status, headers, body } = toErrorReply(appErrorFor(error.code), errorFamilyOf(url));
      const json = JSON.stringify(body);
      const head = Object.entries({
        ...headers,
        'x-request-id': requestId,
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(json)),
        connection: 'close',
      })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${json}`);
      this.log.info({ reqId: requestId, path: url.split('?')[0], status, reason: error.code }, 'request refused by the HTTP parser');
    }
    socket.destroy(error);
  };

  function appErrorFor(code: string): AppError {
    switch (code) {
      case 'ERR_HTTP_REQUEST_TIMEOUT':
        return new AppError(HttpStatus.REQUEST_TIMEOUT, 'request_timeout', timeout);
      case 'HPE_HEADER_OVERFLOW':
        return new AppError(431 as HttpStatus, 'request_header_fields_too_large', `request headers are larger than ${config.maxHeaderBytes} bytes`);
      default:
        return AppError.badRequest('malformed HTTP request');
    }
  }
}

/** What the parser had read when it gave up; Node passes a Buffer, though Fastify's type says otherwise. */
function requestStart(error: ConnectionError): string {
  const raw: unknown = error.rawPacket;
  return Buffer.isBuffer(raw) ? raw.toString('latin1') : '';
}
