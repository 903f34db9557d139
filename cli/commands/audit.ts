import type { Command } from 'commander';
import type { components } from '../../clients/typescript';
import { call } from '../api';
import { apiCommand, examples, wholeNumber, withProject, type ProjectOptions } from '../command';
import { print, rowsOf, type Column } from '../output';
import { authenticatedClient } from '../session';

type AuditEvent = components['schemas']['AuditEvent'];
type AuditAction = AuditEvent['action'];

interface AuditOptions extends ProjectOptions {
  action?: AuditAction;
  resourceId?: string;
  since?: string;
  until?: string;
  pageSize?: number;
  cursor?: string;
}

const EVENT_COLUMNS: Column<AuditEvent>[] = [
  { header: 'TIME', value: (event) => event.time },
  { header: 'ACTION', value: (event) => event.action },
  { header: 'OUTCOME', value: (event) => event.outcome },
  { header: 'ACTOR', value: (event) => `${event.actor.type}:${event.actor.id}` },
  { header: 'RESOURCE', value: (event) => [event.resource.type, event.resource.id].filter(Boolean).join(':') },
  { header: 'REQUEST', value: (event) => event.requestId },
];

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description("a project's audit trail: creates, updates, deletes and refused verifications");

  examples(
    withProject(apiCommand(audit, 'list', 'list audit events, newest first (one page; --cursor for the next)'))
      .option('--action <action>', 'only this action, e.g. instance-token.delete')
      .option('--resource-id <id>', 'only events about this instance or token')
      .option('--since <time>', 'only events at or after this ISO 8601 time')
      .option('--until <time>', 'only events before this ISO 8601 time')
      .option('--page-size <n>', 'events per page', wholeNumber)
      .option('--cursor <cursor>', 'nextCursor of the previous page (in --output json)'),
    'tessera audit list --project $PROJECT --action instance-token.verify',
  ).action(async (options: AuditOptions) => {
    const client = await authenticatedClient(options);
    const data = await call(
      client.GET('/v1/projects/{projectId}/audit-events', {
        params: {
          path: { projectId: options.project },
          query: {
            action: options.action,
            resourceId: options.resourceId,
            since: options.since,
            until: options.until,
            pageSize: options.pageSize,
            cursor: options.cursor,
          },
        },
      }),
    );
    print(data, options.output, { table: rowsOf((page) => page.events, EVENT_COLUMNS) });
    if (options.output === 'table' && data.nextCursor) process.stderr.write(`More events: --cursor ${data.nextCursor}\n`);
  });
}
