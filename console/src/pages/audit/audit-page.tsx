import { useState } from 'react';
import type { components } from '../../../../clients/typescript';
import { useApi, useSession } from '../../api/use-api';
import { PageHeader } from '../../components/page-header';
import { useProjectCrumbs } from '../projects/project-crumbs';
import { LoadState } from '../../components/states';
import { Time } from '../../components/time';

type Action = NonNullable<components['schemas']['AuditEvent']['action']>;
const ACTIONS: Action[] = [
  'instance.create',
  'instance.update',
  'instance.delete',
  'instance-token.create',
  'instance-token.update',
  'instance-token.delete',
  'instance-token.verify',
];
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
            <div className="table-wrap" tabIndex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Action</th>
                    <th scope="col">Actor</th>
                    <th scope="col">Resource</th>
                    <th scope="col">Outcome</th>
                  </tr>
                </thead>
                <tbody>
                  {data.events.map((event) => (
                    <tr key={event.id}>
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
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
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
