import { Option, type Command } from 'commander';
import type { components } from '../../clients/typescript';
import { call } from '../api';
import { apiCommand, examples, wholeNumber, withProject, type ProjectOptions } from '../command';
import { fieldsOf, print, printDone, rowsOf, type Column } from '../output';
import { authenticatedClient } from '../session';
import { idempotency } from './instances';

type ServiceAccount = components['schemas']['ServiceAccountDto'];
type AccessToken = components['schemas']['AccessTokenMetadataDto'];

interface AccountOptions extends ProjectOptions {
  serviceAccount: string;
}

const ACCOUNT_COLUMNS: Column<ServiceAccount>[] = [
  { header: 'EMAIL', value: (account) => account.email },
  { header: 'ID', value: (account) => account.id },
  { header: 'PROJECT', value: (account) => account.projectId },
];

const ACCESS_TOKEN_COLUMNS: Column<AccessToken>[] = [
  { header: 'ID', value: (token) => token.id },
  { header: 'CREATED', value: (token) => token.createdAt },
  { header: 'VALID UNTIL', value: (token) => token.validUntil },
  { header: 'ACTIVE', value: (token) => token.active },
];

export function registerServiceAccounts(program: Command): void {
  const accounts = program.command('service-accounts').description("a project's service accounts: identities for pipelines");

  examples(withProject(apiCommand(accounts, 'list', 'list the service accounts of a project')), 'tessera service-accounts list --project $PROJECT').action(
    async (options: ProjectOptions) => {
      const client = await authenticatedClient(options);
      const data = await call(client.GET('/v2/projects/{projectId}/service-accounts', { params: { path: { projectId: options.project } } }));
      print(data, options.output, { table: rowsOf((list) => list.items, ACCOUNT_COLUMNS) });
    },
  );

  examples(
    withProject(apiCommand(accounts, 'create', 'create a service account; its email is generated from the name'))
      .requiredOption('--name <name>', 'lower-case name, up to 20 characters')
      .addOption(new Option('--role <role>', 'its role in the project (default: reader)').choices(['reader', 'editor', 'owner'])),
    'SA=$(tessera service-accounts create --project $PROJECT --name ci --role editor --output json | jq -r .email)',
  ).action(async (options: ProjectOptions & { name: string; role?: 'reader' | 'editor' | 'owner' }) => {
    const client = await authenticatedClient(options);
    const data = await call(
      client.POST('/v2/projects/{projectId}/service-accounts', {
        params: { path: { projectId: options.project } },
        body: { name: options.name, role: options.role },
      }),
    );
    print(data, options.output, { table: fieldsOf((account) => account, ACCOUNT_COLUMNS) });
  });

  examples(
    withProject(apiCommand(accounts, 'delete <email>', 'delete a service account; its access tokens stop working')),
    'tessera service-accounts delete $SA --project $PROJECT',
  ).action(async (serviceAccountEmail: string, options: ProjectOptions) => {
    const client = await authenticatedClient(options);
    const data = await call(
      client.DELETE('/v2/projects/{projectId}/service-accounts/{serviceAccountEmail}', {
        params: { path: { projectId: options.project, serviceAccountEmail } },
      }),
    );
    printDone(data, options.output, `deleted service account ${serviceAccountEmail}`);
  });
}

export function registerAccessTokens(program: Command): void {
  const tokens = program.command('access-tokens').description("a service account's access tokens (what a pipeline sets as TESSERA_TOKEN)");

  examples(
    accessTokenCommand(tokens, 'list', 'list the access tokens of a service account'),
    'tessera access-tokens list --project $PROJECT --service-account $SA',
  ).action(async (options: AccountOptions) => {
    const client = await authenticatedClient(options);
    const data = await call(
      client.GET('/v2/projects/{projectId}/service-accounts/{serviceAccountEmail}/access-tokens', { params: { path: accountPath(options) } }),
    );
    print(data, options.output, { table: rowsOf((list) => list.items, ACCESS_TOKEN_COLUMNS) });
  });

  examples(
    accessTokenCommand(tokens, 'create', 'create an access token; it is shown once (--output secret or json)', { createsSecret: true }).requiredOption(
      '--ttl-days <days>',
      'days the token is valid (1 to 180)',
      wholeNumber,
    ),
    'TESSERA_TOKEN=$(tessera access-tokens create --project $PROJECT --service-account $SA --ttl-days 30 --output secret)',
  ).action(async (options: AccountOptions & { ttlDays: number }) => {
    const client = await authenticatedClient(options);
    const data = await call(
      client.POST('/v2/projects/{projectId}/service-accounts/{serviceAccountEmail}/access-tokens', {
        params: { path: accountPath(options) },
        body: { ttlDays: options.ttlDays },
      }),
    );
    print(data, options.output, { table: fieldsOf((token) => ({ ...token, active: true }), ACCESS_TOKEN_COLUMNS), secret: (token) => token.token });
  });

  examples(
    accessTokenCommand(tokens, 'rotate <access-token-id>', 'replace an access token with a new one; the new token is shown once', { createsSecret: true })
      .option('--grace <duration>', 'how long the old token keeps working, e.g. 1h (default: 0, it stops at once; at most 7d)')
      .option('--ttl-days <days>', "days the new token is valid (default: the old token's lifetime)", wholeNumber)
      .option('--idempotency-key <key>', 'retrying with the same key and options returns the same new token'),
    'TESSERA_TOKEN=$(tessera access-tokens rotate $ACCESS_TOKEN_ID --project $PROJECT --service-account $SA --grace 1h --output secret)',
  ).action(async (accessTokenId: string, options: AccountOptions & { grace?: string; ttlDays?: number; idempotencyKey?: string }) => {
    const client = await authenticatedClient(options);
    const data = await call(
      client.POST('/v2/projects/{projectId}/service-accounts/{serviceAccountEmail}/access-tokens/{accessTokenId}/rotate', {
        params: { path: { ...accountPath(options), accessTokenId }, header: idempotency(options.idempotencyKey) },
        body: { gracePeriod: options.grace, ttlDays: options.ttlDays },
      }),
    );
    print(data, options.output, { table: fieldsOf((token) => token, ACCESS_TOKEN_COLUMNS), secret: (token) => token.token });
  });

  examples(
    accessTokenCommand(tokens, 'delete <access-token-id>', 'revoke an access token').alias('revoke'),
    'tessera access-tokens delete $ACCESS_TOKEN_ID --project $PROJECT --service-account $SA',
  ).action(async (accessTokenId: string, options: AccountOptions) => {
    const client = await authenticatedClient(options);
    const data = await call(
      client.DELETE('/v2/projects/{projectId}/service-accounts/{serviceAccountEmail}/access-tokens/{accessTokenId}', {
        params: { path: { ...accountPath(options), accessTokenId } },
      }),
    );
    printDone(data, options.output, `revoked access token ${accessTokenId}`);
  });
}

function accessTokenCommand(parent: Command, nameAndArguments: string, description: string, settings?: { createsSecret?: boolean }): Command {
  return withProject(apiCommand(parent, nameAndArguments, description, settings)).requiredOption('--service-account <email>', 'email of the service account');
}

function accountPath(options: AccountOptions): { projectId: string; serviceAccountEmail: string } {
  return { projectId: options.project, serviceAccountEmail: options.serviceAccount };
}
