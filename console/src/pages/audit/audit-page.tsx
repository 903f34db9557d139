import { useState } from 'react';
import type { components } from '../../../../clients/typescript';
import { useApi, useSession } from '../../api/use-api';
import { PageHeader } from '../../components/page-header';
import { useProjectCrumbs } from '../projects/project-crumbs';
import { DataTable } from '../../components/data-table';
import { LoadState } from '../../components/states';
import { Time } from '../../components/time';

type Action = NonNullable<components['schemas']['AuditEvent']['action']>;
// Every action the contract names, and only those: a new or renamed action fails the type check here.
const ACTIONS = Object.keys({
  'instance.create': true,
  'instance.update': true,
  'instance.delete': true,
  'instance-token.create': true,
  'instance-token.update': true,
  'instance-token.delete': true,
  'instance-token.verify': true,
  'instance-token.rotate': true,
  'service-account-token.rotate': true,
  'external-token.rotate': true,
  'instance-token.leaked': true,
  'service-account-token.leaked': true,
  'external-token.leaked': true,
  'refresh-token.leaked': true,
  'instance-token.used-from-new-address': true,
  'service-account-token.used-from-new-address': true,
  'external-token.used-from-new-address': true,
} satisfies Record<Action, true>) as Action[];
const PAGE_SIZE = 25;

/** A project's audit trail: filter by action and resource, page with the API's cursor. */
export function AuditPage({ projectId }: { projectId: string }) {
  const { session } = useSession();
  const crumbs = useProjectCrumbs(projectId);
  const [action, setAction] = useState<Action | ''>('');
  const [resourceId, setResourceId] = useState('');
  const [applied, setApplied] = useState<{ action?: Action; resourceId?: string }>({});
  // The cursors of the pages before this one, so "Previous" goes back.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const events = useApi(
    () => session.client.GET('/v1/projects/{projectId}/audit-events', { params: { path: { projectId }, query: { ...applied, cursor, pageSize: PAGE_SIZE } } }),
    [projectId, applied, cursor],
  );
  return (
    <section>
      <PageHeader title="Audit events" crumbs={crumbs} />
      <form
        className="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setCursors([undefined]);
          setApplied({ action: action || undefined, resourceId: resourceId.trim() || undefined });
        }}
      >
        <label htmlFor="audit-action">Action</label>
        <select id="audit-action" value={action} onChange={(event) => setAction(event.target.value as Action | '')}>
          <option value="">All</option>
          {ACTIONS.map((option) => (
            <option key={option}>{option}</option>
          ))}
        </select>
        <label htmlFor="audit-resource">Resource id</label>
        <input id="audit-resource" value={resourceId} onChange={(event) => setResourceId(event.target.value)} />
        <button type="submit">Filter</button>
      </form>
      <LoadState loaded={events} empty={(data) => !data.events.length && 'No events match.'}>
        {(data) => (
          <>
            <DataTable columns={['Time', 'Action', 'Actor', 'Resource', 'Outcome']} rows={data.events} rowKey={(event) => event.id}>
              {(event) => (
                <>
                  <td>
                    <Time value={event.time} />
                  </td>
                  <td>{event.action}</td>
                  <td>
                    {event.actor.type} <code>{event.actor.id}</code>
                  </td>
                  <td>
                    {event.resource ? (
                      <>
                        {event.resource.type} <code>{event.resource.id}</code>
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>{event.outcome ?? '—'}</td>
                </>
              )}
            </DataTable>
            <nav className="pager" aria-label="Pages">
              <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
                Previous
              </button>
              <button type="button" disabled={!data.nextCursor} onClick={() => setCursors([...cursors, data.nextCursor])}>
                Next
              </button>
            </nav>
          </>
        )}
      </LoadState>
    </section>
  );
}
