import { AppError } from './app-error';

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Text that can spell a dangerous key or a lone surrogate; only then is the slower, checking parse needed. */
const NEEDS_REVIVER = /__proto__|constructor|\\u/;

/**
 * Parses a JSON request body, refusing before `JSON.parse` what would cost the server more than
 * the body's size: nesting deeper than `maxDepth` (class-transformer and class-validator recurse
 * per level, and a deep enough body overflows the stack). Also refused: strings with lone UTF-16
 * surrogates or NUL characters, which PostgreSQL cannot store (and an email check cannot encode),
 * and the keys that would reach an object's prototype once copied into a DTO. An empty body is no body: many clients send
 * `Content-Type: application/json` on every call, DELETE and GET included.
 */
export function parseJsonBody(body: Buffer, maxDepth: number): unknown {
  if (isBlank(body)) return undefined;
  if (nestingDepthExceeds(body, maxDepth)) throw AppError.badRequest(`request body is nested deeper than ${maxDepth} levels`);
  const text = body.toString('utf8');
  try {
    return NEEDS_REVIVER.test(text) ? JSON.parse(text, checkMember) : JSON.parse(text);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw AppError.badRequest('request body is not valid JSON');
  }
}

/**
 * Strings decoded from UTF-8 are always well formed, and JSON has no raw NUL: a lone surrogate or a
 * NUL can only come from a `\u` escape, which the reviver sees decoded.
 */
function unstorableProblem(text: string): string | undefined {
  if (!(text as string & { isWellFormed(): boolean }).isWellFormed()) return 'request contains a string with a lone UTF-16 surrogate (not valid Unicode)';
  if (text.includes('\0')) return 'request contains a NUL character (\\u0000), which cannot be stored';
  return undefined;
}

function checkMember(key: string, value: unknown): unknown {
  if (key === '__proto__' || (key === 'constructor' && typeof value === 'object' && value !== null && 'prototype' in value)) {
    throw AppError.badRequest(`request body contains the forbidden property name "${key}"`);
  }
  const problem = unstorableProblem(key) ?? (typeof value === 'string' ? unstorableProblem(value) : undefined);
  if (problem) throw AppError.badRequest(problem);
  return value;
}

function isBlank(body: Buffer): boolean {
  for (const byte of body) if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return false;
  return true;
}

/** One pass over the bytes, counting brackets outside strings; stops at the first level too deep. */
function nestingDepthExceeds(body: Buffer, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
