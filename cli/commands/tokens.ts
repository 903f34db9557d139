import type { Command } from 'commander';
import type { components } from '../../clients/typescript';
import { call } from '../api';
import { apiCommand, examples, labelOption, withProject, type ProjectOptions } from '../command';
import { CliError } from '../errors';
import { fieldsOf, print, printDone, rowsOf, type Column } from '../output';
import { authenticatedClient } from '../session';
import { idempotency, regionOption } from './instances';

type TokenMetadata = components['schemas']['TokenMetadata'];
type CreatedToken = components['schemas']['Token'];

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

const showToken = { table: fieldsOf((answer: { token: TokenMetadata | CreatedToken }) => answer.token, TOKEN_COLUMNS) };

export function registerTokens(program: Command): void {
  const tokens = program.command('tokens').description("an instance's tokens (what MLflow clients send as MLFLOW_TRACKING_TOKEN)");

  examples(tokenCommand(tokens, 'list', 'list the tokens of an instance'), 'tessera tokens list --project $PROJECT --instance $INSTANCE').action(
    async (options: TokenOptions) => {
      const client = await authenticatedClient(options);
      const data = await call(
        client.GET('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens', { params: { path: instancePath(options) } }),
      );
      print(data, options.output, { table: rowsOf((list) => list.tokens, TOKEN_COLUMNS) });
    },
  );

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
