import { createTesseraClient, type components, type TesseraClient } from '../../../clients/typescript';

export type User = components['schemas']['UserDto'];

// Asking for a new access token with the refresh token: never retried, never refreshed itself.
const AUTH_PATHS = /\/console\/api\/auth(\/|$)/;

/**
 * The signed-in person's tokens, held in memory only (a script that reads storage cannot take them,
 * and closing the tab ends the session). Every API call goes through `client`, the client generated
 * from the committed OpenAPI document; its fetch adds the access token and, when the server
 * answers 401 because that token expired, gets a new one with the refresh token and sends the
 * request once more, so the person never notices.
 */
export class Session {
  readonly client: TesseraClient;
  private access?: string;
  private refreshToken?: string;
  private refreshing?: Promise<boolean>;

  constructor(
    baseUrl: string,
    private readonly onExpired: () => void,
  ) {
    this.client = createTesseraClient(baseUrl, { fetch: (request) => this.send(request) });
  }

  /** Signs in; the API's error (wrong password, locked account) is returned in words. */
  async signIn(email: string, password: string): Promise<{ user?: User; error?: unknown }> {
    const { data, error } = await this.client.POST('/console/api/auth', { body: { email, password } });
    if (!data) return { error };
    this.access = data.access;
    this.refreshToken = data.refresh;
    const me = await this.client.GET('/console/api/users/me');
    if (!me.data) this.forget();
    return { user: me.data, error: me.error };
  }

  /** Revokes the refresh token on the server, then forgets both tokens. */
  async signOut(): Promise<void> {
    const refresh = this.refreshToken;
    this.forget();
    if (refresh) await this.client.POST('/console/api/auth/logout', { body: { refresh } });
  }

  private forget(): void {
    this.access = undefined;
    this.refreshToken = undefined;
  }

  private async send(request: Request): Promise<Response> {
    const retry = AUTH_PATHS.test(new URL(request.url).pathname) ? undefined : request.clone();
    const response = await fetch(this.authorize(request));
    if (response.status !== 401 || !retry || !this.refreshToken) return response;
    if (!(await this.refresh())) {
      this.onExpired();
      return response;
    }
    return fetch(this.authorize(retry));
  }

  private authorize(request: Request): Request {
    if (this.access && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${this.access}`);
    return request;
  }

  /** One refresh for all the requests that found the access token expired at the same time. */
  private refresh(): Promise<boolean> {
    this.refreshing ??= (async () => {
      const refresh = this.refreshToken;
      if (!refresh) return false;
      const { data } = await this.client.POST('/console/api/auth/refresh', { body: { refresh } });
      if (!data) {
        this.forget();
        return false;
      }
      this.access = data.access;
      // With TESSERA_REFRESH_ROTATION the server hands out a new refresh token each time.
      if (data.refresh) this.refreshToken = data.refresh;
      return true;
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }
}

/** The words of an API error: `{detail}` on /console/api, `{message}` on /v1 and /v2. */
export function errorText(error: unknown, fallback = 'The request failed.'): string {
  if (error && typeof error === 'object') {
    const { detail, message } = error as { detail?: unknown; message?: unknown };
    if (typeof detail === 'string') return detail;
    if (typeof message === 'string') return message;
  }
  if (error instanceof Error) return error.message;
  return fallback;
}
