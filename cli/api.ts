import { createTesseraClient, type TesseraClient } from '../clients/typescript';
import { ApiRefusal, CliError, ExitCode } from './errors';

export type { TesseraClient };

/** What every openapi-fetch call resolves to. */
interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** A client for `url`; every request it makes that cannot reach the server becomes exit code 3. */
export function clientFor(url: string, token?: string): TesseraClient {
  return createTesseraClient(url, { token, fetch: (request: Request) => reach(url, request) });
}

/**
 * The body of a successful call (undefined for 204); an error status becomes an {@link ApiRefusal}
 * carrying the API's message.
 */
export async function call<T>(request: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await request;
  if (!response.ok) throw new ApiRefusal(response.status, messageOf(response, error));
  return data as T;
}

/** Checks that `url` is an http(s) URL, so a typo is a usage error rather than a connection failure. */
export function serverUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw CliError.usage(`--url: not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw CliError.usage(`--url: not an http(s) URL: ${url}`);
  return url.replace(/\/+$/, '');
}

async function reach(url: string, request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch (error) {
    // fetch rejects only when no HTTP answer came back: refused, reset, DNS, TLS.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(`cannot reach Tessera at ${url}: ${cause?.code ?? cause?.message ?? String(error)}`, ExitCode.Unreachable);
  }
}

/** `message` in the STACKIT family (/v1, /v2), `detail` in the console family (/console/api). */
function messageOf(response: Response, body: unknown): string {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const message = [fields.message, fields.detail].find((value) => typeof value === 'string');
  return `${typeof message === 'string' ? message : response.statusText || 'request refused'} (HTTP ${response.status})`;
}
