import type { LoggerService } from '@nestjs/common';
import { networkInterfaces } from 'node:os';
import pino, { type Level, type Logger } from 'pino';
import type { AppConfig } from '../config/app-config';

/**
 * The process's one logger. Fastify's request lines, the forward-auth lane's and Nest's
 * application lines all go through it, so every line has the same shape: `level` by name, `time`
 * in epoch milliseconds, `msg`, and `reqId` on lines about a request.
 */
export function createLogger(level: AppConfig['logLevel']): Logger {
  if (level === 'silent') return pino({ enabled: false });
  return pino(
    { level, formatters: { level: (label) => ({ level: label }) } },
    // Buffered asynchronous writes: not a write(2) per request line on the verification hot path.
    // pino flushes the buffer at exit.
    pino.destination({ sync: false, minLength: 4096 }),
  );
}

const STACK = /\n\s+at /;

/** Nest's LoggerService over pino: Nest's levels map to pino's (`log` is `info`, `verbose` is `trace`). */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest's Logger appends its context as the last parameter; `error` puts a stack (or undefined) before it. */
  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const last = params[params.length - 1];
    if (typeof last === 'string' && !STACK.test(last)) {
      fields.context = last;
      params = params.slice(0, -1);
    }
    for (const param of params) {
      if (param instanceof Error) fields.err = param;
      else if (typeof param === 'string') fields.stack = param;
      else if (param && typeof param === 'object') Object.assign(fields, param);
    }
    if (message instanceof Error) {
      fields.err = message;
      message = message.message;
    } else if (message && typeof message === 'object') {
      Object.assign(fields, message);
      message = undefined;
    }
    this.logger[level](fields, message as string | undefined);
  }
}

/**
 * The start line, once per address a client can use: Fastify calls this for every IPv4 address
 * when bound to 0.0.0.0; bound to `::` (every address of both families) it names just `[::]`,
 * so this lists them all.
 */
export function listeningText(database: string): (address: string) => string {
  return (address) => {
    const url = new URL(address);
    if (url.hostname !== '[::]') return `listening on ${address} (${database})`;
    const all = Object.values(networkInterfaces())
      .flatMap((entries) => entries ?? [])
      .map((entry) => `${url.protocol}//${entry.family === 'IPv6' ? `[${entry.address}]` : entry.address}:${url.port}`);
    return `listening on ${all.join(', ')} (${database}; bound to ${address})`;
  };
}
