import { useState } from 'react';
import { errorText } from '../../api/session';
import { useApi, useSession } from '../../api/use-api';
import { useSubmit } from '../../api/use-submit';
import { CopyOnceDialog, Snippet } from '../../components/copy-once';
import { RowButton } from '../../components/row-button';
import { ErrorNote, FormDialog } from '../../components/dialog';
import { Field, fieldErrors } from '../../components/field';
import { PageHeader } from '../../components/page-header';
import { DataTable } from '../../components/data-table';
import { LoadState, StateBadge } from '../../components/states';
import { Time } from '../../components/time';

/** Long-lived tokens for a model or a whole prefix, for callers outside the platform. */
export function ExternalTokensPage() {
  const { session } = useSession();
  const tokens = useApi(() => session.client.GET('/console/api/modelhost/external-api-tokens'), []);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ name: string; token: string }>();
  const [error, setError] = useState<{ id: string; text: string }>();
  const revoke = async (tokenId: string) => {
    const { error } = await session.client.DELETE('/console/api/modelhost/external-api-tokens/{tokenId}', { params: { path: { tokenId } } });
    setError(error ? { id: tokenId, text: errorText(error) } : undefined);
    tokens.reload();
  };
  return (
    <section>
      <PageHeader title="External API tokens" crumbs={[{ to: '/models', label: 'Models' }]}>
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          Create token
        </button>
      </PageHeader>
      <LoadState loaded={tokens} empty={(data) => !data.length && 'No external API tokens yet.'}>
        {(data) => (
          <DataTable columns={['Name', 'Scope', 'State', 'Created', 'Expires', 'Actions']} rows={data} rowKey={(token) => token.id}>
            {(token) => (
              <>
                <th scope="row">
                  {token.name}
                  {error?.id === token.id && <ErrorNote>{error.text}</ErrorNote>}
                </th>
                <td>{token.scope === 'model' ? `model ${token.model_id}` : `prefix ${token.prefix_key}`}</td>
                <td>
                  <StateBadge state={token.state} />
                </td>
                <td>
                  <Time value={token.created_at} />
                </td>
                <td>
                  <Time value={token.expires_at} />
                </td>
                <td>{token.state === 'active' && <RowButton label="Revoke" target={token.name} danger onClick={() => void revoke(token.id)} />}</td>
              </>
            )}
          </DataTable>
        )}
      </LoadState>
      {creating && (
        <CreateExternalTokenDialog
          onClose={() => setCreating(false)}
          onCreated={(name, token) => {
            setCreating(false);
            setCreated({ name, token });
            tokens.reload();
          }}
        />
      )}
      {created && (
        <CopyOnceDialog title={`Token ${created.name} created`} secret={created.token} onClose={() => setCreated(undefined)}>
          <Snippet label="Use it" text={`curl -H "Authorization: Bearer ${created.token}" <model URL>`} />
        </CopyOnceDialog>
      )}
    </section>
  );
}

function CreateExternalTokenDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (name: string, token: string) => void }) {
  const { session } = useSession();
  const models = useApi(() => session.client.GET('/console/api/modelhost/models'), []);
  const prefixes = useApi(() => session.client.GET('/console/api/modelhost/model-prefixes'), []);
  const [name, setName] = useState('');
  const [scope, setScope] = useState('');
  const [ttl, setTtl] = useState('90d');
  const { busy, error, submit } = useSubmit(
    () => {
      const [kind, value] = scope.split(':');
      return session.client.POST('/console/api/modelhost/external-api-tokens', {
        body: { name, ttl, ...(kind === 'model' ? { model_id: Number(value) } : kind === 'prefix' ? { prefix_key: value } : {}) },
      });
    },
    (data) => onCreated(data.name, data.token),
  );
  const { byField, rest } = fieldErrors(error, ['name', 'ttl', 'model_id', 'prefix_key']);
  return (
    <FormDialog
      title="Create external API token"
      submitLabel="Create token"
      busy={busy}
      error={rest ?? byField.model_id ?? byField.prefix_key}
      submit={submit}
      onClose={onClose}
    >
      <Field label="Name" value={name} onChange={(event) => setName(event.target.value)} error={byField.name} autoFocus required />
      <div className="field">
        <label htmlFor="external-scope">Scope</label>
        <select id="external-scope" value={scope} onChange={(event) => setScope(event.target.value)}>
          <option value="">Choose a model or a prefix</option>
          {models.data?.map((model) => (
            <option key={`m${model.model_id}`} value={`model:${model.model_id}`}>
              model {model.name} ({model.prefix})
            </option>
          ))}
          {prefixes.data?.map((prefix) => (
            <option key={`p${prefix.key}`} value={`prefix:${prefix.key}`}>
              every model in {prefix.prefix}
            </option>
          ))}
        </select>
      </div>
      <Field label="Lifetime" value={ttl} onChange={(event) => setTtl(event.target.value)} error={byField.ttl} hint="e.g. 30d, 12h, 1w, P90D" />
    </FormDialog>
  );
}
