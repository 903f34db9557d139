import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Checks every response the e2e client receives against the OpenAPI document the app itself serves:
 * the status is documented for the operation, the body validates against its schema and the
 * documented headers are present. A mismatch throws, so the test that made the request fails.
 */

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Where each worker appends one line per checked response; test/contract-tally.js sums them up. */
export const TALLY_DIR = join(__dirname, '..', '..', 'coverage', 'contract');

export interface ReceivedResponse {
  status: number;
  header(name: string): string | undefined;
  text: string;
}

interface Operation {
  method: string;
  template: string;
  operationId: string;
  responses: Record<string, DocumentedResponse>;
}

interface DocumentedResponse {
  content?: Record<string, { schema?: object }>;
  headers?: Record<string, { required?: boolean; schema?: object }>;
}

interface Route {
  template: string;
  matches(path: string): boolean;
  literalSegments: number;
  operations: Map<string, Operation>;
}

/** One document's operations and compiled validators; shared by every app that serves the same document. */
class ContractChecker {
  private readonly ajv: Ajv;
  private readonly routes: Route[];
  private readonly validators = new Map<string, ValidateFunction>();
  private compiled = 0;

  constructor(private readonly document: any) {
    this.ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addFormat('jwt', /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/);
    this.ajv.addSchema(toJsonSchema({ components: document.components ?? {} }), 'openapi');
    this.routes = Object.entries<Record<string, any>>(document.paths).map(([template, item]) => ({
      template,
      matches: templateMatcher(template, item),
      literalSegments: template.split('/').filter((segment) => segment && !segment.startsWith('{')).length,
      operations: new Map(
        Object.entries(item)
          .filter(([method]) => METHODS.includes(method))
          .map(([method, operation]) => [method, { method, template, operationId: operation.operationId, responses: operation.responses }]),
      ),
    }));
    // The most specific template wins: `/users/me` before `/users/{userId}`.
    this.routes.sort((a, b) => b.literalSegments - a.literalSegments);
  }

  /** Problems of `response` to `method path`, or an empty list. */
  check(method: string, path: string, response: ReceivedResponse): { operation?: Operation; problems: string[] } {
    const operation = this.operation(method.toLowerCase(), path);
    if (!operation) return { problems: [`${method} ${path.split('?')[0]} is not a documented operation (not even through the /v1alpha or /v1 aliases)`] };
    const documented = operation.responses[String(response.status)] ?? operation.responses[`${String(response.status)[0]}XX`] ?? operation.responses.default;
    const label = `${operation.operationId} (${method.toUpperCase()} ${operation.template})`;
    if (!documented) {
      return {
        operation,
        problems: [
          `${label} answered ${response.status}, which is not documented (documented: ${Object.keys(operation.responses).join(', ')}); body: ${response.text.slice(0, 300)}`,
        ],
      };
    }
    const problems: string[] = [];
    for (const [name, header] of Object.entries(documented.headers ?? {})) {
      const value = response.header(name);
      if (value === undefined) {
        if (header.required) problems.push(`${label} ${response.status}: documented header ${name} is missing`);
      } else if (header.schema) {
        const validate = this.validator(`${operation.template} ${operation.method} ${response.status} header ${name}`, header.schema);
        if (!validate(value)) problems.push(`${label} ${response.status}: header ${name}: ${String(value)} ${this.ajv.errorsText(validate.errors)}`);
      }
    }
    const mediaType = (response.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    const content = documented.content ?? {};
    // HEAD answers carry the GET's headers but no body.
    if (!response.text || method.toUpperCase() === 'HEAD') {
      const required = Object.entries(content).some(([type, media]) => type === 'application/json' && media.schema);
      if (required && response.text === '' && method.toUpperCase() !== 'HEAD') problems.push(`${label} ${response.status}: documented a JSON body, got none`);
      return { operation, problems };
    }
    const media = content[mediaType] ?? content['*/*'];
    if (!media) {
      problems.push(
        `${label} ${response.status}: body of type ${mediaType || '(none)'} is not documented (documented: ${Object.keys(content).join(', ') || 'no body'}): ${response.text.slice(0, 200)}`,
      );
      return { operation, problems };
    }
    if (!media.schema) return { operation, problems };
    let body: unknown = response.text;
    if (mediaType.endsWith('json')) {
      try {
        body = JSON.parse(response.text);
      } catch {
        problems.push(`${label} ${response.status}: body is not JSON although typed ${mediaType}`);
        return { operation, problems };
      }
    }
    const validate = this.validator(`${operation.template} ${operation.method} ${response.status} ${mediaType}`, media.schema);
    if (!validate(body)) {
      const errors = (validate.errors ?? []).map(
        (error) => `${error.instancePath || '(body)'} ${error.message}${error.params ? ` ${JSON.stringify(error.params)}` : ''}`,
      );
      problems.push(`${label} ${response.status}: body does not match its schema: ${errors.join('; ')}; body: ${response.text.slice(0, 400)}`);
    }
    return { operation, problems };
  }

  private validator(key: string, schema: object): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      // Relative to the document, so `#/components/schemas/X` resolves.
      validate = this.ajv.compile({ $id: `openapi-${++this.compiled}`, ...(rebase(toJsonSchema(schema)) as Record<string, unknown>) });
      this.validators.set(key, validate);
    }
    return validate;
  }

  /** The documented operation `method path` reaches, through the aliases the server serves too. */
  private operation(method: string, path: string): Operation | undefined {
    const bare = path.split(/[?#]/)[0].replace(/(.)\/+$/, '$1');
    for (const candidate of aliasesOf(bare)) {
      for (const route of this.routes) {
        if (!route.matches(candidate)) continue;
        // Fastify answers HEAD for every GET route.
        const operation = route.operations.get(method) ?? (method === 'head' ? route.operations.get('get') : undefined);
        if (operation) return operation;
      }
    }
    return undefined;
  }
}

/** `/v1alpha/x` is served as `/v1/x`, `/v1/x` as `/v2/x` where that is documented; the path itself first. */
function aliasesOf(path: string): string[] {
  if (path.startsWith('/v1alpha/')) return [`/v1/${path.slice('/v1alpha/'.length)}`, `/v2/${path.slice('/v1alpha/'.length)}`];
  if (path.startsWith('/v1/')) return [path, `/v2/${path.slice('/v1/'.length)}`];
  return [path];
}

/**
 * Whether a path fits a template. A parameter matches one segment, unless its documented pattern
 * admits `/` (the model URL path): then it matches any segments its pattern admits. The
 * forward-auth checks also answer any sub-path.
 */
function templateMatcher(template: string, item: Record<string, any>): (path: string) => boolean {
  const parameters: any[] = Object.values(item).flatMap((operation: any) => operation?.parameters ?? []);
  const multiSegment: RegExp[] = [];
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const name = /^\{([^}]+)\}$/.exec(part)?.[1];
      if (!name) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      const pattern: string | undefined = parameters.find((parameter) => parameter.in === 'path' && parameter.name === name)?.schema?.pattern;
      if (!pattern?.includes('/')) return '[^/]+';
      multiSegment.push(new RegExp(pattern));
      return '(.+)';
    })
    .join('');
  const whole = new RegExp(`^${source}${template.endsWith('/verify') ? '(?:/.*)?' : ''}$`);
  return (path) => {
    const match = whole.exec(path);
    return Boolean(match) && multiSegment.every((pattern, i) => pattern.test(decodeURIComponent(match![i + 1])));
  };
}

/** OpenAPI 3.0 schema objects as JSON Schema: `nullable: true` admits `null`. */
function toJsonSchema<T>(node: T): T {
  if (Array.isArray(node)) return node.map(toJsonSchema) as T;
  if (!node || typeof node !== 'object') return node;
  const copy: Record<string, any> = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, toJsonSchema(value)]));
  if (copy.nullable === true) {
    delete copy.nullable;
    // Nest writes a nullable DTO as `{nullable, type: object, allOf: [$ref]}`; generators read it as `T | null`.
    if (copy.$ref || copy.allOf) return { anyOf: [{ type: 'null' }, copy] } as T;
    if (copy.type) copy.type = [copy.type, 'null'].flat();
    if (copy.enum) copy.enum = [...copy.enum, null];
  }
  return copy as T;
}

/** Points `#/components/...` references at the document added as `openapi`. */
function rebase<T>(node: T): T {
  if (Array.isArray(node)) return node.map(rebase) as T;
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `openapi${value}` : rebase(value),
    ]),
  ) as T;
}

const checkers = new Map<string, ContractChecker>();
const documents = new Map<string, Promise<ContractChecker>>();

/** The checker of the document `baseUrl` serves; compiled once per distinct document. */
function checkerFor(baseUrl: string): Promise<ContractChecker> {
  let checker = documents.get(baseUrl);
  if (!checker) {
    checker = fetch(`${baseUrl}/openapi.json`).then(async (response) => {
      if (response.status !== 200) throw new Error(`${baseUrl}/openapi.json answered ${response.status}: responses cannot be checked`);
      const document = (await response.json()) as Record<string, unknown>;
      // `servers` names each app's own address; everything else is the same for every app.
      const key = createHash('sha256')
        .update(JSON.stringify({ ...document, servers: undefined }))
        .digest('hex');
      if (!checkers.has(key)) checkers.set(key, new ContractChecker(document));
      return checkers.get(key)!;
    });
    documents.set(baseUrl, checker);
    checker.catch(() => documents.delete(baseUrl));
  }
  return checker;
}

/**
 * Throws when `response` does not match the document served at `baseUrl`. With `undocumented`
 * (the reason the request deliberately goes outside the document) the response is not checked.
 */
export async function checkAgainstDocument(baseUrl: string, method: string, path: string, response: ReceivedResponse, undocumented?: string): Promise<void> {
  if (undocumented !== undefined) {
    if (!undocumented.trim()) throw new Error(`${method} ${path}: the undocumented option needs a reason`);
    tally({ method, path: path.split('?')[0], status: response.status, undocumented });
    return;
  }
  const { operation, problems } = (await checkerFor(baseUrl)).check(method, path, response);
  if (problems.length) throw new Error(`response does not match the OpenAPI document:\n- ${problems.join('\n- ')}`);
  tally({ operationId: operation!.operationId, status: response.status });
}

function tally(line: Record<string, unknown>): void {
  mkdirSync(TALLY_DIR, { recursive: true });
  appendFileSync(join(TALLY_DIR, `responses-${process.pid}.jsonl`), `${JSON.stringify(line)}\n`);
}
