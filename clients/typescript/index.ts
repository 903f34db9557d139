/**
 * The typed Tessera client: openapi-fetch over the types openapi-typescript generates from the
 * committed document (schema.d.ts, written by `npm run openapi`; do not edit it by hand).
 *
 *   const tessera = createTesseraClient('http://localhost:8080', { token: access });
 *   const { data, error } = await tessera.POST('/v1/projects', { body: { name: 'ml-team' } });
 */
import createClient, { type ClientOptions } from 'openapi-fetch';
import type { paths } from './schema';

export type { components, operations, paths } from './schema';

export interface TesseraClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** A console, service-account or model session token, sent as `Authorization: Bearer <token>`. */
  token?: string;
}

export function createTesseraClient(baseUrl: string, { token, headers, ...options }: TesseraClientOptions = {}) {
  return createClient<paths>({
    baseUrl,
    ...options,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
}

export type TesseraClient = ReturnType<typeof createTesseraClient>;
