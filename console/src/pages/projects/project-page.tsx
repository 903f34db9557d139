import { useState } from 'react';
import { useProjectRole } from '../../api/project-role';
import { useApi, useSession } from '../../api/use-api';
import { useSubmit } from '../../api/use-submit';
import { FormDialog } from '../../components/dialog';
import { Field, fieldErrors } from '../../components/field';
import { PageHeader } from '../../components/page-header';
import { LoadState } from '../../components/states';
import { Link } from '../../router';
import { InstancesPanel } from '../instances/instances-panel';
import { MembersPanel } from './members-panel';

export function ProjectPage({ projectId }: { projectId: string }) {
  const { session } = useSession();
  const project = useApi(() => session.client.GET('/v1/projects/{projectId}', { params: { path: { projectId } } }), [projectId]);
  const { role, can } = useProjectRole(projectId);
  const [renaming, setRenaming] = useState(false);
  return (
    <section>
      <LoadState loaded={project}>
        {(data) => (
          <>
            <PageHeader title={data.name} crumbs={[{ to: '/', label: 'Projects' }]}>
              {can('owner') && (
                <button type="button" onClick={() => setRenaming(true)}>
                  Rename
                </button>
              )}
            </PageHeader>
            <p className="muted">
              Project <code>{data.id}</code>
              {role && <> · your role: {role}</>}
            </p>
            <nav aria-label="Project" className="tabs">
              <Link to={`/projects/${projectId}/service-accounts`}>Service accounts</Link>
              <Link to={`/projects/${projectId}/audit`}>Audit events</Link>
            </nav>
            {renaming && (
              <RenameProjectDialog
                projectId={projectId}
                current={data.name}
                onClose={() => setRenaming(false)}
                onRenamed={() => {
                  setRenaming(false);
                  project.reload();
                }}
              />
            )}
          </>
        )}
      </LoadState>
      <InstancesPanel projectId={projectId} canWrite={can('editor')} />
      <MembersPanel projectId={projectId} canManage={can('owner')} />
    </section>
  );
}

function RenameProjectDialog({ projectId, current, onClose, onRenamed }: { projectId: string; current: string; onClose: () => void; onRenamed: () => void }) {
  const { session } = useSession();
  const [name, setName] = useState(current);
  const { busy, error, submit } = useSubmit(
    () => session.client.PATCH('/v1/projects/{projectId}', { params: { path: { projectId } }, body: { name } }),
    () => onRenamed(),
  );
  const { byField, rest } = fieldErrors(error, ['name']);
  return (
    <FormDialog title="Rename project" submitLabel="Save" busy={busy} error={rest} submit={submit} onClose={onClose}>
      <Field label="Name" value={name} onChange={(event) => setName(event.target.value)} error={byField.name} autoFocus required />
    </FormDialog>
  );
}
