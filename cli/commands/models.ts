import type { Command } from 'commander';
import type { components } from '../../clients/typescript';
import { call } from '../api';
import { apiCommand, examples, wholeNumber, type ApiOptions } from '../command';
import { fieldsOf, print, printDone, rowsOf, type Column } from '../output';
import { authenticatedClient } from '../session';

type Model = components['schemas']['ModelDto'];

const MODEL_COLUMNS: Column<Model>[] = [
  { header: 'ID', value: (model) => model.model_id },
  { header: 'NAME', value: (model) => model.name },
  { header: 'PREFIX', value: (model) => model.prefix },
  { header: 'DESCRIPTION', value: (model) => model.description },
  { header: 'VERSIONS', value: (model) => model.versions?.map((version) => `${version.version} (${version.stage})`) },
];

export function registerModels(program: Command): void {
  const models = program.command('models').description('Practicus-style models under a model prefix');

  examples(
    apiCommand(models, 'list', 'list the models you may see')
      .option('--prefix-key <key>', 'only under this prefix key')
      .option('--name <name>', 'only with this name'),
    'tessera models list --prefix-key practicus',
  ).action(async (options: ApiOptions & { prefixKey?: string; name?: string }) => {
    const client = await authenticatedClient(options);
    const data = await call(client.GET('/console/api/modelhost/models', { params: { query: { prefix_key: options.prefixKey, name: options.name } } }));
    print(data, options.output, { table: rowsOf((list) => list, MODEL_COLUMNS) });
  });

  examples(
    apiCommand(models, 'create', 'create a model under a prefix')
      .requiredOption('--prefix-key <key>', 'key of the model prefix')
      .requiredOption('--name <name>', "the model's URL segment, e.g. diamond-price")
      .option('--description <text>', 'what the model does'),
    'MODEL_ID=$(tessera models create --prefix-key practicus --name diamond-price --output json | jq -r .model_id)',
  ).action(async (options: ApiOptions & { prefixKey: string; name: string; description?: string }) => {
    const client = await authenticatedClient(options);
    const data = await call(
      client.POST('/console/api/modelhost/models', { body: { prefix_key: options.prefixKey, name: options.name, description: options.description } }),
    );
    print(data, options.output, { table: fieldsOf((model) => model, MODEL_COLUMNS) });
  });

  examples(apiCommand(models, 'get', 'show a model and its versions').argument('<model-id>', 'model id', wholeNumber), 'tessera models get $MODEL_ID').action(
    async (id: number, options: ApiOptions) => {
      const client = await authenticatedClient(options);
      const data = await call(client.GET('/console/api/modelhost/models/{modelId}', { params: { path: { modelId: id } } }));
      print(data, options.output, { table: fieldsOf((model) => model, MODEL_COLUMNS) });
    },
  );

  examples(
    apiCommand(models, 'delete', 'delete a model; its session tokens stop working').argument('<model-id>', 'model id', wholeNumber),
    'tessera models delete $MODEL_ID',
  ).action(async (id: number, options: ApiOptions) => {
    const client = await authenticatedClient(options);
    const data = await call(client.DELETE('/console/api/modelhost/models/{modelId}', { params: { path: { modelId: id } } }));
    printDone(data, options.output, `deleted model ${id}`);
  });
}

export function registerModelToken(program: Command): void {
  examples(
    apiCommand(program, 'model-token', "get a model session token (about 4 hours) for the model's host", { createsSecret: true }).argument(
      '<model-id>',
      'model id',
      wholeNumber,
    ),
    'SESSION=$(tessera model-token $MODEL_ID --output secret)',
  ).action(async (id: number, options: ApiOptions) => {
    const client = await authenticatedClient(options);
    const data = await call(client.POST('/console/api/modelhost/model-auth', { body: { model_id: id } }));
    print(data, options.output, { table: () => `session token for model ${id} created`, secret: (session) => session.token });
  });
}
