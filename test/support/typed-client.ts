import { createTesseraClient, type TesseraClient } from '../../clients/typescript';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './test-app';

/** The generated client (clients/typescript) against a test app, as the web console and CLI use it. */
export function typedClient(app: { baseUrl: string }, token?: string): TesseraClient {
  return createTesseraClient(app.baseUrl, { token });
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
  return fetch(`${app.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
}
