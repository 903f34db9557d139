import { useState } from 'react';
import type { components } from '../../../../clients/typescript';
import { errorText } from '../../api/session';
import { useApi, useSession } from '../../api/use-api';
import { useSubmit } from '../../api/use-submit';
import { ConfirmByName } from '../../components/confirm-by-name';
import { RowButton } from '../../components/row-button';
import { FormDialog } from '../../components/dialog';
import { Field, fieldErrors } from '../../components/field';
import { PageHeader } from '../../components/page-header';
import { DataTable } from '../../components/data-table';
import { LoadState } from '../../components/states';
import { Time } from '../../components/time';
import { Link, navigate } from '../../router';

type Prefix = components['schemas']['ModelPrefixDto'];

/** The Practicus model registry: prefixes (where models are served) and the models under them. */
export function ModelsPage() {
  const { session, user } = useSession();
  const prefixes = useApi(() => session.client.GET('/console/api/modelhost/model-prefixes'), []);
  const models = useApi(() => session.client.GET('/console/api/modelhost/models'), []);
  const [dialog, setDialog] = useState<{ kind: 'prefix' | 'model' } | { kind: 'delete'; prefix: Prefix }>();
  const close = () => setDialog(undefined);
  const deployable = prefixes.data?.filter((prefix) => prefix.can_deploy || prefix.admin) ?? [];
  return (
    <section>
      <PageHeader title="Models">
        {user.is_admin && (
          <button type="button" onClick={() => setDialog({ kind: 'prefix' })}>
            Create prefix
          </button>
        )}
        {deployable.length > 0 && (
          <button type="button" className="primary" onClick={() => setDialog({ kind: 'model' })}>
            Create model
          </button>
        )}
      </PageHeader>
      <section aria-labelledby="prefixes-title">
        <h2 id="prefixes-title">Prefixes</h2>
        <LoadState loaded={prefixes} empty={(data) => !data.length && 'No model prefixes you can see.'}>
          {(data) => (
            <DataTable columns={['Key', 'Prefix', 'Description', 'Your rights', user.is_admin && 'Actions']} rows={data} rowKey={(prefix) => prefix.key}>
              {(prefix) => (
                <>
                  <td>{prefix.key}</td>
                  <td>
                    <code>{prefix.prefix}</code>
                  </td>
                  <td>{prefix.description || <span className="muted">—</span>}</td>
                  <td>{[prefix.admin && 'admin', prefix.can_deploy && 'deploy'].filter(Boolean).join(', ') || 'use'}</td>
                  {user.is_admin && (
                    <td>
                      <RowButton label="Delete" target={`prefix ${prefix.key}`} danger onClick={() => setDialog({ kind: 'delete', prefix })} />
                    </td>
                  )}
                </>
              )}
            </DataTable>
          )}
        </LoadState>
      </section>
      <section aria-labelledby="models-title">
        <h2 id="models-title">Models</h2>
        <LoadState loaded={models} empty={(data) => !data.length && 'No models yet.'}>
          {(data) => (
            <DataTable columns={['Name', 'Id', 'Prefix', 'Versions', 'Updated']} rows={data} rowKey={(model) => model.model_id}>
              {(model) => (
                <>
                  <td>
                    <Link to={`/models/${model.model_id}`}>{model.name}</Link>
                  </td>
                  <td>{model.model_id}</td>
                  <td>
                    <code>{model.prefix}</code>
                  </td>
                  <td>{(model.versions ?? []).map((version) => version.version).join(', ') || <span className="muted">none</span>}</td>
                  <td>
                    <Time value={model.updated_at} />
                  </td>
                </>
              )}
            </DataTable>
          )}
        </LoadState>
      </section>
      {dialog?.kind === 'prefix' && (
        <CreatePrefixDialog
          onClose={close}
          onCreated={() => {
            close();
            prefixes.reload();
          }}
        />
      )}
      {dialog?.kind === 'model' && <CreateModelDialog prefixes={deployable} onClose={close} onCreated={(id) => navigate(`/models/${id}`)} />}
      {dialog?.kind === 'delete' && (
        <ConfirmByName
          what="prefix"
          name={dialog.prefix.key}
          onClose={close}
          onConfirm={async () => {
            const { error } = await session.client.DELETE('/console/api/modelhost/model-prefixes/{key}', { params: { path: { key: dialog.prefix.key } } });
            if (error) return errorText(error);
            close();
            prefixes.reload();
          }}
        />
      )}
    </section>
  );
}

function CreatePrefixDialog({ onClose, onCreated }: { onClose: () => void; onCreated: () => void }) {
  const { session } = useSession();
  const [key, setKey] = useState('');
  const [prefix, setPrefix] = useState('');
  const [description, setDescription] = useState('');
  const { busy, error, submit } = useSubmit(
    () =>
      session.client.POST('/console/api/modelhost/model-prefixes', {
        body: { key, prefix, description: description || undefined },
      }),
    () => onCreated(),
  );
  const { byField, rest } = fieldErrors(error, ['key', 'prefix', 'description']);
  return (
    <FormDialog title="Create model prefix" submitLabel="Create prefix" busy={busy} error={rest} submit={submit} onClose={onClose}>
      <Field label="Key" value={key} onChange={(event) => setKey(event.target.value)} error={byField.key} placeholder="practicus" autoFocus required />
      <Field
        label="Prefix (URL path)"
        value={prefix}
        onChange={(event) => setPrefix(event.target.value)}
        error={byField.prefix}
        placeholder="models/practicus"
        required
      />
      <Field label="Description (optional)" value={description} onChange={(event) => setDescription(event.target.value)} error={byField.description} />
    </FormDialog>
  );
}

function CreateModelDialog({ prefixes, onClose, onCreated }: { prefixes: Prefix[]; onClose: () => void; onCreated: (id: number) => void }) {
  const { session } = useSession();
  const [prefixKey, setPrefixKey] = useState(prefixes[0]?.key ?? '');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const { busy, error, submit } = useSubmit(
    () =>
      session.client.POST('/console/api/modelhost/models', {
        body: { prefix_key: prefixKey, name, description: description || undefined },
      }),
    (data) => onCreated(data.model_id),
  );
  const { byField, rest } = fieldErrors(error, ['prefix_key', 'name', 'description']);
  return (
    <FormDialog title="Create model" submitLabel="Create model" busy={busy} error={rest} submit={submit} onClose={onClose}>
      <div className="field">
        <label htmlFor="model-prefix">Prefix</label>
        <select id="model-prefix" value={prefixKey} onChange={(event) => setPrefixKey(event.target.value)}>
          {prefixes.map((prefix) => (
            <option key={prefix.key} value={prefix.key}>
              {prefix.key} ({prefix.prefix})
            </option>
          ))}
        </select>
        {byField.prefix_key && (
          <small className="error" role="alert">
            {byField.prefix_key}
          </small>
        )}
      </div>
      <Field label="Name" value={name} onChange={(event) => setName(event.target.value)} error={byField.name} autoFocus required />
      <Field label="Description (optional)" value={description} onChange={(event) => setDescription(event.target.value)} error={byField.description} />
    </FormDialog>
  );
}
