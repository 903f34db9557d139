/**
 * Whether an error means "the database could not answer" (connection lost or refused, server
 * shutting down, SQLite lock held past the busy timeout) rather than "the request was wrong".
 * Such a request is answered 503 with Retry-After: the caller's input and credentials may be fine,
 * and on an authentication path a 401 would make clients throw away good tokens.
 *
 * Errors reach here raw (pg, better-sqlite3) or wrapped by Prisma (a known error whose
 * `meta.driverAdapterError.cause` keeps the driver's code), so the cause chain is followed.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    if (unavailableHere(current)) return true;
    const { cause, meta } = current as ErrorLike;
    current = meta?.driverAdapterError ?? cause;
  }
  return false;
}

interface ErrorLike {
  code?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  message?: unknown;
  originalMessage?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
}

/** Node socket errors on the way to the database. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/**
 * SQLSTATEs: connection exceptions (08…), insufficient resources (53…: too many connections, disk
 * full, out of memory), operator intervention (57P01-03: shutdown, crash, starting up; 57014: a
 * statement cancelled, e.g. by statement_timeout), and 55000 as sent at connect time by a database
 * that is not accepting connections.
 */
const SQLSTATE = /^(08[0-9A-Z]{3}|53[0-9A-Z]{3}|57P0[1-3]|57014)$/;
/** Prisma's codes for the same conditions (can't reach, timed out, closed, pool timeout, too many connections). */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);
/** Driver adapter error kinds with the same meaning. */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/** pg's own errors carry no code, only these messages. */
const PG_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Query read timeout|Cannot use a pool after calling end)/;

function unavailableHere(error: ErrorLike): boolean {
  const code = typeof error.code === 'string' ? error.code : typeof error.originalCode === 'string' ? error.originalCode : undefined;
  const message = typeof error.message === 'string' ? error.message : typeof error.originalMessage === 'string' ? error.originalMessage : '';
  if (code !== undefined) {
    if (SOCKET_CODES.has(code) || SQLSTATE.test(code) || PRISMA_CODES.has(code)) return true;
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return true;
    if (code === '55000' && message.includes('not currently accepting connections')) return true;
  }
  if (typeof error.kind === 'string' && ADAPTER_KINDS.has(error.kind)) return true;
  return PG_MESSAGES.test(message);
}
