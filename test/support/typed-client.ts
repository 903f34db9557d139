import { createTesseraClient, type TesseraClient } from '../../clients/typescript';
import { checkAgainstDocument } from './contract';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './test-app';

/**
 * The generated client (clients/typescript) against a test app, as the web console and CLI use it.
 * Like every e2e request, each response is checked against the document the app serves.
 */
export function typedClient(app: { baseUrl: string }, token?: string): TesseraClient {
  return createTesseraClient(app.baseUrl, { token, fetch: (request: Request) => checkedFetch(app.baseUrl, request) });
}

/** Logs in through the generated client and returns a client that sends the access token. */
export async function loggedIn(app: { baseUrl: string }, email = ADMIN_EMAIL, password = ADMIN_PASSWORD): Promise<TesseraClient> {
  const { access } = ok(await typedClient(app).POST('/console/api/auth', { body: { email, password } }));
  return typedClient(app, access);
}

/** The body of a successful call; anything else fails the test with the status and error body. */
export function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (!result.response.ok || result.data === undefined) {
    throw new Error(`${result.response.status} from ${result.response.url}: ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

/** A forward-auth check as a gateway makes it: plain fetch, the token as bearer. */
export function forwardAuth(app: { baseUrl: string }, path: string, token: string): Promise<Response> {
  return checkedFetch(app.baseUrl, new Request(`${app.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } }));
}

async function checkedFetch(baseUrl: string, request: Request): Promise<Response> {
  const response = await fetch(request);
  const url = new URL(response.url);
  const received = { status: response.status, header: (name: string) => response.headers.get(name) ?? undefined, text: await response.clone().text() };
  await checkAgainstDocument(baseUrl, request.method, `${url.pathname}${url.search}`, received);
  return response;
}
