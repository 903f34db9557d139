import { request as httpRequest } from 'node:http';
import { checkAgainstDocument } from './contract';
import { encodeRequest, parseBody, RequestOptions, TesseraClient } from './test-app';

export interface SeededModel {
  modelId: number;
  prefixKey: string;
  prefix: string;
  name: string;
}

/**
 * Registers a prefix (unless it exists), a model and its versions through the console API, as a
 * platform admin would.
 */
export async function seedModel(
  app: TesseraClient,
  adminToken: string,
  options: { key?: string; prefix?: string; name?: string; versions?: { version: string; stage?: string; draft?: boolean }[] } = {},
): Promise<SeededModel> {
  const { key = 'practicus', prefix = 'models/practicus', name = 'diamond-price', versions = [] } = options;
  const existing = await app.request('GET', `/console/api/modelhost/model-prefixes/${key}/`, { token: adminToken });
  if (existing.status === 404) {
    const created = await app.request('POST', '/console/api/modelhost/model-prefixes/', { token: adminToken, json: { key, prefix } });
    if (created.status !== 201) throw new Error(`creating prefix ${key} failed: ${created.status} ${created.text}`);
  }
  const model = await app.request('POST', '/console/api/modelhost/models/', { token: adminToken, json: { prefix_key: key, name } });
  if (model.status !== 201) throw new Error(`creating model ${name} failed: ${model.status} ${model.text}`);
  for (const version of versions) {
    const created = await app.request('POST', `/console/api/modelhost/models/${model.body.model_id}/versions/`, { token: adminToken, json: version });
    if (created.status !== 201) throw new Error(`creating version ${version.version} failed: ${created.status} ${created.text}`);
  }
  return { modelId: model.body.model_id, prefixKey: key, prefix, name };
}

export async function grant(app: TesseraClient, adminToken: string, key: string, email: string, rights: { can_deploy?: boolean; admin?: boolean } = {}) {
  const response = await app.request('POST', `/console/api/modelhost/model-prefixes/${key}/grants/`, { token: adminToken, json: { email, ...rights } });
  if (response.status !== 201) throw new Error(`granting ${key} to ${email} failed: ${response.status} ${response.text}`);
  return response.body;
}

/**
 * An HTTP request through node:http, which (unlike fetch) sends a body with GET, as Python's
 * `requests.get(url, json=...)` and `requests.get(url, data=...)` do.
 */
export async function requestWithBody(
  app: TesseraClient,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any; text: string }> {
  const { headers, body = '' } = encodeRequest(options);
  if (body) headers['content-length'] = String(Buffer.byteLength(body));
  const received = await new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any; text: string }>((resolve, reject) => {
    const request = httpRequest(`${app.baseUrl}${path}`, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: parseBody(text), text });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
  const header = (name: string) => [received.headers[name]].flat()[0];
  await checkAgainstDocument(app.baseUrl, method, path, { status: received.status, header, text: received.text }, options.undocumented);
  return received;
}
