import { useState } from 'react';
import type { components } from '../../../../clients/typescript';
import { errorText } from '../../api/session';
import { useApi, useSession } from '../../api/use-api';
import { useSubmit } from '../../api/use-submit';
import { ConfirmByName } from '../../components/confirm-by-name';
import { RowButton } from '../../components/row-button';
import { FormDialog } from '../../components/dialog';
import { Field, fieldErrors } from '../../components/field';
import { DataTable } from '../../components/data-table';
import { LoadState, StateBadge } from '../../components/states';
import { Link } from '../../router';

type Instance = components['schemas']['Instance'];

// Tessera's default region (TESSERA_REGIONS); the field below reaches any other.
const DEFAULT_REGION = 'eu01';

/** A project's instances in one region: list, create, rename, delete (typing the name). */
export function InstancesPanel({ projectId, canWrite }: { projectId: string; canWrite: boolean }) {
  const { session } = useSession();
  const [region, setRegion] = useState(DEFAULT_REGION);
  const [regionInput, setRegionInput] = useState(DEFAULT_REGION);
  const instances = useApi(
    () => session.client.GET('/v1/projects/{projectId}/regions/{regionId}/instances', { params: { path: { projectId, regionId: region } } }),
    [projectId, region],
  );
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'rename' | 'delete'; instance: Instance }>();
  const close = () => setDialog(undefined);
  const done = () => {
    setDialog(undefined);
    instances.reload();
  };
  const path = (instanceId: string) => ({ path: { projectId, regionId: region, instanceId } });
  return (
    <section aria-labelledby="instances-title">
      <div className="title-row">
        <h2 id="instances-title">Instances</h2>
        <form
          className="inline"
          onSubmit={(event) => {
            event.preventDefault();
            setRegion(regionInput.trim() || DEFAULT_REGION);
          }}
        >
          <label htmlFor="region">Region</label>
          <input id="region" value={regionInput} onChange={(event) => setRegionInput(event.target.value)} size={8} />
          <button type="submit">Show</button>
        </form>
        {canWrite && (
          <button type="button" className="primary" onClick={() => setDialog({ kind: 'create' })}>
            Create instance
          </button>
        )}
      </div>
      <LoadState loaded={instances} empty={(data) => !data.instances.length && `No instances in ${region} yet.`}>
        {(data) => (
          <DataTable columns={['Name', 'State', 'Description', 'URL', 'Actions']} rows={data.instances} rowKey={(instance) => instance.id}>
            {(instance) => (
              <>
                <td>
                  <Link to={`/projects/${projectId}/regions/${region}/instances/${instance.id}`}>{instance.name}</Link>
                  <br />
                  <code className="muted">{instance.id}</code>
                </td>
                <td>
                  <StateBadge state={instance.state} />
                </td>
                <td>{instance.description || <span className="muted">—</span>}</td>
                <td className="wrap">{instance.url}</td>
                <td className="row-actions">
                  <Link to={`/projects/${projectId}/regions/${region}/instances/${instance.id}`} aria-label={`Tracking tokens of ${instance.name}`}>
                    Tracking tokens
                  </Link>
                  {canWrite && (
                    <>
                      <RowButton label="Rename" target={instance.name} onClick={() => setDialog({ kind: 'rename', instance })} />
                      <RowButton label="Delete" target={instance.name} danger onClick={() => setDialog({ kind: 'delete', instance })} />
                    </>
                  )}
                </td>
              </>
            )}
          </DataTable>
        )}
      </LoadState>
      {dialog?.kind === 'create' && <InstanceDialog projectId={projectId} regionId={region} onClose={close} onSaved={done} />}
      {dialog?.kind === 'rename' && <InstanceDialog projectId={projectId} regionId={region} instance={dialog.instance} onClose={close} onSaved={done} />}
      {dialog?.kind === 'delete' && (
        <ConfirmByName
          what="instance"
          name={dialog.instance.name}
          onClose={close}
          onConfirm={async () => {
            const { error } = await session.client.DELETE('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}', {
              params: path(dialog.instance.id),
            });
            if (error) return errorText(error);
            done();
          }}
        >
          <p>Its tracking tokens stop working at once.</p>
        </ConfirmByName>
      )}
    </section>
  );
}

/** Creates an instance, or renames one (and edits its description) when `instance` is given. */
function InstanceDialog({
  projectId,
  regionId,
  instance,
  onClose,
  onSaved,
}: {
  projectId: string;
  regionId: string;
  instance?: Instance;
  onClose: () => void;
  onSaved: () => void;
}) {
  const { session } = useSession();
  const [name, setName] = useState(instance?.name ?? '');
  const [description, setDescription] = useState(instance?.description ?? '');
  const { busy, error, submit } = useSubmit(() => {
    const body = { name, description: description || undefined };
    return instance
      ? session.client.PATCH('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}', {
          params: { path: { projectId, regionId, instanceId: instance.id } },
          body,
        })
      : session.client.POST('/v1/projects/{projectId}/regions/{regionId}/instances', { params: { path: { projectId, regionId } }, body });
  }, onSaved);
  const { byField, rest } = fieldErrors(error, ['name', 'description']);
  return (
    <FormDialog
      title={instance ? `Rename instance ${instance.name}` : `Create instance in ${regionId}`}
      submitLabel={instance ? 'Save' : 'Create instance'}
      busy={busy}
      error={rest}
      submit={submit}
      onClose={onClose}
    >
      <Field label="Name" value={name} onChange={(event) => setName(event.target.value)} error={byField.name} autoFocus required />
      <Field label="Description (optional)" value={description} onChange={(event) => setDescription(event.target.value)} error={byField.description} />
    </FormDialog>
  );
}
