import { call, clientFor, serverUrl, type TesseraClient } from './api';
import { CredentialsStore, type Login } from './credentials';
import { readEnvironment } from './environment';
import { CliError } from './errors';

/** The options every command that talks to Tessera takes. */
export interface ConnectionOptions {
  url?: string;
  token?: string;
}

// Renew a little before expiry, so a token does not run out between this check and the server's.
const RENEW_BEFORE_MS = 60_000;

/** The server: `--url`, else `TESSERA_URL`, else the server of the last `tessera login`. */
export function resolveUrl(options: ConnectionOptions): string {
  const environment = readEnvironment();
  const url = options.url ?? environment.url ?? new CredentialsStore(environment.configDir).currentUrl;
  if (!url) throw CliError.usage('no server: pass --url, set TESSERA_URL or run `tessera login --url <url>`');
  return serverUrl(url);
}

/**
 * A client that sends the caller's credentials: `--token`, else `TESSERA_TOKEN`, else the access
 * token of `tessera login`, renewed with the stored refresh token when it is about to expire.
 */
export async function authenticatedClient(options: ConnectionOptions): Promise<TesseraClient> {
  const url = resolveUrl(options);
  const token = options.token ?? readEnvironment().token ?? (await loginAccessToken(url));
  return clientFor(url, token);
}

async function loginAccessToken(url: string): Promise<string> {
  const store = new CredentialsStore(readEnvironment().configDir);
  const login = store.get(url);
  if (!login) throw CliError.usage(`not logged in to ${url}: run \`tessera login\`, or pass --token or set TESSERA_TOKEN`);
  if (login.access && !expiresSoon(login.access)) return login.access;
  const renewed = await call(clientFor(url).POST('/console/api/auth/refresh', { body: { refresh: login.refresh } }));
  // With refresh-token rotation on, the server hands out a new refresh token and retires the old one.
  const next: Login = { ...login, access: renewed.access, refresh: renewed.refresh ?? login.refresh };
  store.save(url, next);
  return renewed.access;
}

function expiresSoon(jwt: string): boolean {
  try {
    const { exp } = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof exp !== 'number' || exp * 1000 - RENEW_BEFORE_MS <= Date.now();
  } catch {
    return true;
  }
}
