import type { Command } from 'commander';
import type { components, operations } from '../../clients/typescript';
import { call } from '../api';
import { apiCommand, examples, labelOption, wholeNumber, withProject, type ProjectOptions } from '../command';
import { CliError } from '../errors';
import { fieldsOf, print, printDone, rowsOf, type Column } from '../output';
import { authenticatedClient } from '../session';
import { idempotency, regionOption } from './instances';

type TokenMetadata = components['schemas']['TokenMetadata'];
type CreatedToken = components['schemas']['Token'];
type ListQuery = NonNullable<operations['ListInstanceTokens']['parameters']['query']>;

interface TokenOptions extends ProjectOptions {
  region: string;
  instance: string;
}

interface TokenFields {
  name?: string;
  description?: string;
  label?: Record<string, string>;
}

// The columns of GitLab's access-token page; a created token has not been used yet.
const TOKEN_COLUMNS: Column<TokenMetadata | CreatedToken>[] = [
  { header: 'ID', value: (token) => token.id },
  { header: 'NAME', value: (token) => token.name },
  { header: 'DESCRIPTION', value: (token) => token.description },
  { header: 'LABELS', value: (token) => token.labels },
  { header: 'STATE', value: (token) => token.state },
  { header: 'LAST USED', value: (token) => ('lastUsedAt' in token ? token.lastUsedAt : undefined) },
  { header: 'VALID UNTIL', value: (token) => token.validUntil },
];

interface ListFilters {
  state?: ('active' | 'inactive')[];
  expiresBefore?: string;
  expiresAfter?: string;
  lastUsedBefore?: string;
  lastUsedAfter?: string;
  neverUsed?: boolean;
  search?: string;
  labelSelector?: string;
  sort?: ListQuery['sort'];
  pageSize?: number;
  cursor?: string;
  all?: boolean;
}

/** The list's query parameters, or undefined when no filter is given (the whole list, as STACKIT answers it). */
function listQuery(options: ListFilters): ListQuery | undefined {
  const query: ListQuery = {
    state: options.state,
    expiresBefore: options.expiresBefore,
    expiresAfter: options.expiresAfter,
    lastUsedBefore: options.lastUsedBefore,
    lastUsedAfter: options.lastUsedAfter,
    neverUsed: options.neverUsed,
    search: options.search,
    labelSelector: options.labelSelector,
    sort: options.sort,
    pageSize: options.pageSize,
    cursor: options.cursor,
  };
  if (!Object.values(query).some((value) => value !== undefined)) return undefined;
  // --all reads the filtered list in the largest pages the server gives.
  return options.all && query.pageSize === undefined ? { ...query, pageSize: 1000 } : query;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

const showToken = { table: fieldsOf((answer: { token: TokenMetadata | CreatedToken }) => answer.token, TOKEN_COLUMNS) };

export function registerTokens(program: Command): void {
  const tokens = program.command('tokens').description("an instance's tokens (what MLflow clients send as MLFLOW_TRACKING_TOKEN)");

  examples(
    tokenCommand(tokens, 'list', 'list the tokens of an instance; any filter makes it one page (--cursor for the next, --all for every page)')
      .option('--state <state>', 'active or inactive (repeat for both)', collect)
      .option('--expires-before <time>', 'only tokens whose validUntil is before this RFC 3339 time')
      .option('--expires-after <time>', 'only tokens whose validUntil is after this RFC 3339 time')
      .option('--last-used-before <time>', 'only tokens last used before this RFC 3339 time')
      .option('--last-used-after <time>', 'only tokens last used after this RFC 3339 time')
      .option('--never-used', 'only tokens never used')
      .option('--search <text>', 'only tokens whose name contains this, ignoring case')
      .option('--label-selector <selector>', 'Kubernetes label selector, e.g. env=prod,team!=ml')
      .option('--sort <field[:asc|desc]>', 'createdAt, validUntil, lastUsedAt or name, e.g. validUntil:desc')
      .option('--page-size <n>', 'tokens per page (1-1000, default 100)', wholeNumber)
      .option('--cursor <cursor>', 'nextCursor of the previous page (in --output json)')
      .option('--all', 'follow nextCursor and show every page as one list'),
    'tessera tokens list --project $PROJECT --instance $INSTANCE',
    'tessera tokens list --project $PROJECT --instance $INSTANCE --state active --expires-before 2027-01-31T00:00:00Z --sort validUntil --all',
  ).action(async (options: TokenOptions & ListFilters) => {
    const client = await authenticatedClient(options);
    const query = listQuery(options);
    const page = (cursor?: string) =>
      call(
        client.GET('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens', {
          params: { path: instancePath(options), query: query && { ...query, cursor: cursor ?? query.cursor } },
        }),
      );
    let data = await page();
    if (options.all) {
      const tokens = [...data.tokens];
      while (data.nextCursor) {
        data = await page(data.nextCursor);
        tokens.push(...data.tokens);
      }
      data = { message: data.message, tokens };
    }
    print(data, options.output, { table: rowsOf((list) => list.tokens, TOKEN_COLUMNS) });
    if (options.output === 'table' && data.nextCursor) process.stderr.write(`More tokens: --cursor ${data.nextCursor} (or --all)\n`);
  });

  examples(
    tokenCommand(tokens, 'create', 'create a token; its secret is shown once (--output secret or json)', { createsSecret: true })
      .requiredOption('--name <name>', 'token name')
      .option('--description <text>', 'what the token is for')
      .option('--ttl <duration>', 'lifetime, e.g. 30d or 12h (default: the server default)')
      .addOption(labelOption())
      .option('--idempotency-key <key>', 'retrying with the same key and options returns the same token and secret'),
    'export MLFLOW_TRACKING_TOKEN=$(tessera tokens create --project $PROJECT --instance $INSTANCE --name ci --ttl 30d --idempotency-key "$CI_PIPELINE_ID" --output secret)',
  ).action(async (options: TokenOptions & TokenFields & { name: string; ttl?: string; idempotencyKey?: string }) => {
    const client = await authenticatedClient(options);
    const data = await call(
      client.POST('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens', {
        params: { path: instancePath(options), header: idempotency(options.idempotencyKey) },
        body: { name: options.name, description: options.description, labels: options.label, ttlDuration: options.ttl },
      }),
    );
    print(data, options.output, { ...showToken, secret: (created) => created.token.content });
  });

  examples(
    tokenCommand(tokens, 'get <token-id>', "show a token's metadata (never its secret)"),
    'tessera tokens get $TOKEN_ID --project $PROJECT --instance $INSTANCE',
  ).action(async (tokenId: string, options: TokenOptions) => {
    const client = await authenticatedClient(options);
    const data = await call(
      client.GET('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens/{tokenId}', {
        params: { path: { ...instancePath(options), tokenId } },
      }),
    );
    print(data, options.output, showToken);
  });

  examples(
    tokenCommand(tokens, 'update <token-id>', "change a token's name, description or labels (labels given replace all labels)")
      .option('--name <name>', 'new name')
      .option('--description <text>', 'new description')
      .addOption(labelOption()),
    'tessera tokens update $TOKEN_ID --project $PROJECT --instance $INSTANCE --label owner=ml-team',
  ).action(async (tokenId: string, options: TokenOptions & TokenFields) => {
    if (options.name === undefined && options.description === undefined && options.label === undefined) {
      throw CliError.usage('tokens update: give at least one of --name, --description, --label');
    }
    const client = await authenticatedClient(options);
    const data = await call(
      client.PATCH('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens/{tokenId}', {
        params: { path: { ...instancePath(options), tokenId } },
        body: { name: options.name, description: options.description, labels: options.label },
      }),
    );
    print(data, options.output, showToken);
  });

  examples(
    tokenCommand(tokens, 'rotate <token-id>', 'replace a token with a new one of the same name; the new secret is shown once', { createsSecret: true })
      .option('--grace <duration>', 'how long the old token keeps working, e.g. 1h (default: 0, it stops at once; at most 7d)')
      .option('--ttl <duration>', "lifetime of the new token, e.g. 30d (default: the old token's lifetime)")
      .option('--idempotency-key <key>', 'retrying with the same key and options returns the same new token and secret'),
    'export MLFLOW_TRACKING_TOKEN=$(tessera tokens rotate $TOKEN_ID --project $PROJECT --instance $INSTANCE --grace 1h --output secret)',
  ).action(async (tokenId: string, options: TokenOptions & { grace?: string; ttl?: string; idempotencyKey?: string }) => {
    const client = await authenticatedClient(options);
    const data = await call(
      client.POST('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens/{tokenId}/rotate', {
        params: { path: { ...instancePath(options), tokenId }, header: idempotency(options.idempotencyKey) },
        body: { gracePeriod: options.grace, ttlDuration: options.ttl },
      }),
    );
    print(data, options.output, { ...showToken, secret: (rotated) => rotated.token.content });
  });

  examples(
    tokenCommand(tokens, 'delete <token-id>', 'delete a token; gateways refuse it from then on'),
    'tessera tokens delete $TOKEN_ID --project $PROJECT --instance $INSTANCE',
  ).action(async (tokenId: string, options: TokenOptions) => {
    const client = await authenticatedClient(options);
    const data = await call(
      client.DELETE('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens/{tokenId}', {
        params: { path: { ...instancePath(options), tokenId } },
      }),
    );
    printDone(data, options.output, `deleted token ${tokenId}`);
  });
}

function tokenCommand(parent: Command, nameAndArguments: string, description: string, settings?: { createsSecret?: boolean }): Command {
  return withProject(apiCommand(parent, nameAndArguments, description, settings))
    .requiredOption('--instance <id>', 'instance id')
    .addOption(regionOption());
}

function instancePath(options: TokenOptions): { projectId: string; regionId: string; instanceId: string } {
  return { projectId: options.project, regionId: options.region, instanceId: options.instance };
}
