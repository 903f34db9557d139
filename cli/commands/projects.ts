import type { Command } from 'commander';
import type { components } from '../../clients/typescript';
import { call } from '../api';
import { apiCommand, examples, type ApiOptions } from '../command';
import { fieldsOf, print, rowsOf, type Column } from '../output';
import { authenticatedClient } from '../session';

type Project = components['schemas']['ProjectDto'];

const PROJECT_COLUMNS: Column<Project>[] = [
  { header: 'ID', value: (project) => project.id },
  { header: 'NAME', value: (project) => project.name },
  { header: 'CREATED', value: (project) => project.createdAt },
];

export function registerProjects(program: Command): void {
  const projects = program.command('projects').description('projects: the unit of access to instances, tokens and service accounts');

  examples(apiCommand(projects, 'list', 'list the projects you are a member of'), 'tessera projects list --output json').action(async (options: ApiOptions) => {
    const client = await authenticatedClient(options);
    const data = await call(client.GET('/v1/projects'));
    print(data, options.output, { table: rowsOf((list) => list.items, PROJECT_COLUMNS) });
  });

  examples(
    apiCommand(projects, 'create', 'create a project (you become its owner)').requiredOption('--name <name>', 'project name'),
    'PROJECT=$(tessera projects create --name ml-team --output json | jq -r .id)',
  ).action(async (options: ApiOptions & { name: string }) => {
    const client = await authenticatedClient(options);
    const data = await call(client.POST('/v1/projects', { body: { name: options.name } }));
    print(data, options.output, { table: fieldsOf((project) => project, PROJECT_COLUMNS) });
  });
}
