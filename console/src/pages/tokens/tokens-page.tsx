import { useState } from 'react';
import { useProjectRole } from '../../api/project-role';
import { errorText } from '../../api/session';
import { useApi, useSession } from '../../api/use-api';
import { DataTable } from '../../components/data-table';
import { RowButton } from '../../components/row-button';
import { ConfirmByName } from '../../components/confirm-by-name';
import { CopyOnceDialog, Snippet } from '../../components/copy-once';
import { PageHeader } from '../../components/page-header';
import { useProjectCrumbs } from '../projects/project-crumbs';
import { Labels, LoadState, StateBadge } from '../../components/states';
import { Time } from '../../components/time';
import { CreateTokenDialog, EditTokenDialog, type CreatedToken, type InstanceScope, type TokenMetadata } from './token-dialogs';

const STATES = ['active', 'inactive', 'creating', 'deleting'] as const;

/** An instance's tracking tokens, as in the STACKIT portal's "Tracking tokens" tab. */
export function TokensPage(scope: InstanceScope) {
  const { projectId, regionId, instanceId } = scope;
  const { session } = useSession();
  const crumbs = useProjectCrumbs(projectId);
  const { can } = useProjectRole(projectId);
  const canWrite = can('editor');
  const instance = useApi(
    () => session.client.GET('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}', { params: { path: scope } }),
    [projectId, regionId, instanceId],
  );
  const tokens = useApi(
    () => session.client.GET('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens', { params: { path: scope } }),
    [projectId, regionId, instanceId],
  );
  const [state, setState] = useState('');
  const [search, setSearch] = useState('');
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'created'; token: CreatedToken } | { kind: 'edit' | 'delete'; token: TokenMetadata }>();
  const close = () => setDialog(undefined);
  const changed = () => {
    setDialog(undefined);
    tokens.reload();
  };
  const name = instance.data?.instance.name ?? 'Instance';
  const shown = (list: TokenMetadata[]) =>
    list.filter((token) => (!state || token.state === state) && token.name.toLowerCase().includes(search.trim().toLowerCase()));
  return (
    <section>
      <PageHeader title={`${name}: tracking tokens`} crumbs={crumbs}>
        {canWrite && (
          <button type="button" className="primary" onClick={() => setDialog({ kind: 'create' })}>
            Create token
          </button>
        )}
      </PageHeader>
      <p className="muted">
        Instance <code>{instanceId}</code> in {regionId}
        {instance.data?.instance.url && (
          <>
            {' '}
            · <span className="wrap">{instance.data.instance.url}</span>
          </>
        )}
      </p>
      <div className="filters" role="search">
        <label htmlFor="token-search">Search by name</label>
        <input id="token-search" type="search" value={search} onChange={(event) => setSearch(event.target.value)} />
        <label htmlFor="token-state">State</label>
        <select id="token-state" value={state} onChange={(event) => setState(event.target.value)}>
          <option value="">All</option>
          {STATES.map((option) => (
            <option key={option}>{option}</option>
          ))}
        </select>
      </div>
      <LoadState
        loaded={tokens}
        empty={(data) =>
          (!data.tokens.length && (canWrite ? 'No tracking tokens yet. Create one to let a client reach this instance.' : 'No tracking tokens yet.')) ||
          (!shown(data.tokens).length && 'No token matches the filter.')
        }
      >
        {(data) => (
          <DataTable
            columns={['Name', 'Description', 'Labels', 'State', 'Expires', 'Last used', canWrite && 'Actions']}
            rows={shown(data.tokens)}
            rowKey={(token) => token.id}
            caption={<>Tracking tokens of {name}</>}
          >
            {(token) => (
              <>
                <th scope="row">{token.name}</th>
                <td>{token.description || <span className="muted">—</span>}</td>
                <td>
                  <Labels labels={token.labels} />
                </td>
                <td>
                  <StateBadge state={token.state} />
                </td>
                <td>
                  <Time value={token.validUntil} />
                </td>
                <td>
                  <Time value={token.lastUsedAt} empty="Never" />
                </td>
                {canWrite && (
                  <td className="row-actions">
                    <RowButton label="Edit" target={token.name} onClick={() => setDialog({ kind: 'edit', token })} />
                    <RowButton label="Delete" target={token.name} danger onClick={() => setDialog({ kind: 'delete', token })} />
                  </td>
                )}
              </>
            )}
          </DataTable>
        )}
      </LoadState>
      {dialog?.kind === 'create' && <CreateTokenDialog scope={scope} onClose={close} onCreated={(token) => setDialog({ kind: 'created', token })} />}
      {dialog?.kind === 'created' && (
        <CopyOnceDialog title={`Token ${dialog.token.name} created`} secret={dialog.token.content} onClose={changed}>
          <Snippet
            label="MLflow environment"
            text={[
              instance.data?.instance.url && `export MLFLOW_TRACKING_URI=${instance.data.instance.url}`,
              `export MLFLOW_TRACKING_TOKEN=${dialog.token.content}`,
            ]
              .filter(Boolean)
              .join('\n')}
          />
        </CopyOnceDialog>
      )}
      {dialog?.kind === 'edit' && <EditTokenDialog scope={scope} token={dialog.token} onClose={close} onSaved={changed} />}
      {dialog?.kind === 'delete' && (
        <ConfirmByName
          what="token"
          name={dialog.token.name}
          onClose={close}
          onConfirm={async () => {
            const { error } = await session.client.DELETE('/v1/projects/{projectId}/regions/{regionId}/instances/{instanceId}/tokens/{tokenId}', {
              params: { path: { ...scope, tokenId: dialog.token.id } },
            });
            if (error) return errorText(error);
            changed();
          }}
        >
          <p>Clients that use it are refused from that moment on.</p>
        </ConfirmByName>
      )}
    </section>
  );
}
