import { useState } from 'react';
import { useApi, useSession } from '../../api/use-api';
import { useSubmit } from '../../api/use-submit';
import { FormDialog } from '../../components/dialog';
import { Field, fieldErrors } from '../../components/field';
import { PageHeader } from '../../components/page-header';
import { DataTable } from '../../components/data-table';
import { LoadState } from '../../components/states';
import { Time } from '../../components/time';
import { Link, navigate } from '../../router';

export function ProjectsPage() {
  const { session } = useSession();
  const projects = useApi(() => session.client.GET('/v1/projects'), []);
  const [creating, setCreating] = useState(false);
  return (
    <section>
      <PageHeader title="Projects">
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          Create project
        </button>
      </PageHeader>
      <LoadState loaded={projects} empty={(data) => !data.items.length && 'No projects yet. Create one to add instances and tokens.'}>
        {(data) => (
          <DataTable columns={['Name', 'Created', 'Id']} rows={data.items} rowKey={(project) => project.id}>
            {(project) => (
              <>
                <td>
                  <Link to={`/projects/${project.id}`}>{project.name}</Link>
                </td>
                <td>
                  <Time value={project.createdAt} />
                </td>
                <td>
                  <code>{project.id}</code>
                </td>
              </>
            )}
          </DataTable>
        )}
      </LoadState>
      {creating && <CreateProjectDialog onClose={() => setCreating(false)} onCreated={(id) => navigate(`/projects/${id}`)} />}
    </section>
  );
}

function CreateProjectDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (id: string) => void }) {
  const { session } = useSession();
  const [name, setName] = useState('');
  const { busy, error, submit } = useSubmit(
    () => session.client.POST('/v1/projects', { body: { name } }),
    (data) => onCreated(data.id),
  );
  const { byField, rest } = fieldErrors(error, ['name']);
  return (
    <FormDialog title="Create project" submitLabel="Create project" busy={busy} error={rest} submit={submit} onClose={onClose}>
      <Field label="Name" value={name} onChange={(event) => setName(event.target.value)} error={byField.name} autoFocus required />
    </FormDialog>
  );
}
