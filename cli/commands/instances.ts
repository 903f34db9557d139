import { Option, type Command } from 'commander';
import type { components } from '../../clients/typescript';
import { call } from '../api';
import { apiCommand, examples, labelOption, withProject, type ProjectOptions } from '../command';
import { readEnvironment } from '../environment';
import { fieldsOf, print, printDone, rowsOf, type Column } from '../output';
import { authenticatedClient } from '../session';

type Instance = components['schemas']['Instance'];

interface RegionOptions extends ProjectOptions {
  region: string;
}

// A Tessera serves `eu01` alone unless its TESSERA_REGIONS says otherwise.
const DEFAULT_REGION = 'eu01';

const INSTANCE_COLUMNS: Column<Instance>[] = [
  { header: 'ID', value: (instance) => instance.id },
  { header: 'NAME', value: (instance) => instance.name },
  { header: 'DESCRIPTION', value: (instance) => instance.description },
  { header: 'LABELS', value: (instance) => instance.labels },
  { header: 'STATE', value: (instance) => instance.state },
  { header: 'URL', value: (instance) => instance.url },
];

/** `--region`, for every command under /v1/projects/{projectId}/regions/{regionId}. */
export function regionOption(): Option {
  return new Option('--region <region>', 'region ($TESSERA_REGION)').default(readEnvironment().region ?? DEFAULT_REGION);
}

export function registerInstances(program: Command): void {
  const instances = program.command('instances').description('instances (MLflow tracking servers) of a project in a region');

  examples(
    withProject(apiCommand(instances, 'list', 'list the instances of a project')).addOption(regionOption()),
    'tessera instances list --project $PROJECT',
  ).action(async (options: RegionOptions) => {
    const client = await authenticatedClient(options);
    const data = await call(client.GET('/v1/projects/{projectId}/regions/{regionId}/instances', { params: { path: regionPath(options) } }));
    print(data, options.output, { table: rowsOf((list) => list.instances, INSTANCE_COLUMNS) });
  });

  examples(
    withProject(apiCommand(instances, 'create', 'create an instance'))
      .addOption(regionOption())
      .requiredOption('--name <name>', 'instance name')
      .option('--description <text>', 'what the instance is for')
      .addOption(labelOption())
      .option('--idempotency-key <key>', 'retrying with the same key and options returns the first answer instead of a second instance'),
    'INSTANCE=$(tessera instances create --project $PROJECT --name tracking --output json | jq -r .instance.id)',
  ).action(async (options: RegionOptions & { name: string; description?: string; label?: Record<string, string>; idempotencyKey?: string }) => {
    const client = await authenticatedClient(options);
    const data = await call(
      client.POST('/v1/projects/{projectId}/regions/{regionId}/instances', {
        params: { path: regionPath(options), header: idempotency(options.idempotencyKey) },
        body: { name: options.name, description: options.description, labels: options.label },
      }),
    );
    print(data, options.output, { table: fieldsOf((created) => created.instance, INSTANCE_COLUMNS) });
  });

  examples(
    withProject(apiCommand(instances, 'delete <instance-id>', 'delete an instance; its tokens are refused from then on')).addOption(regionOption()),
    'tessera instances delete $INSTANCE --project $PROJECT',
  ).action(async (instanceId: string, options: RegionOptions) => {
    const client = await authenticatedClient(options);
    const data = await call(
      client.DELETE('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}', { params: { path: { ...regionPath(options), instanceId } } }),
    );
    printDone(data, options.output, `deleted instance ${instanceId}`);
  });
}

export function regionPath(options: RegionOptions): { projectId: string; regionId: string } {
  return { projectId: options.project, regionId: options.region };
}

/** The Idempotency-Key header, when a key is given. */
export function idempotency(key: string | undefined): { 'Idempotency-Key'?: string } {
  return key === undefined ? {} : { 'Idempotency-Key': key };
}
