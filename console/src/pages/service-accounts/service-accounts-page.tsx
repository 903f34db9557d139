import { useState } from 'react';
import type { components } from '../../../../clients/typescript';
import { useProjectRole, type Role } from '../../api/project-role';
import { errorText } from '../../api/session';
import { useApi, useSession } from '../../api/use-api';
import { useSubmit } from '../../api/use-submit';
import { ConfirmByName } from '../../components/confirm-by-name';
import { RowButton } from '../../components/row-button';
import { CopyOnceDialog, Snippet } from '../../components/copy-once';
import { ErrorNote, FormDialog } from '../../components/dialog';
import { Field, fieldErrors } from '../../components/field';
import { PageHeader } from '../../components/page-header';
import { useProjectCrumbs } from '../projects/project-crumbs';
import { DataTable } from '../../components/data-table';
import { LoadState, StateBadge } from '../../components/states';
import { Time } from '../../components/time';

type ServiceAccount = components['schemas']['ServiceAccountDto'];

/** A project's service accounts (non-human identities for pipelines) and their access tokens. */
export function ServiceAccountsPage({ projectId }: { projectId: string }) {
  const { session } = useSession();
  const crumbs = useProjectCrumbs(projectId);
  const { can } = useProjectRole(projectId);
  const canManage = can('owner');
  const accounts = useApi(() => session.client.GET('/v2/projects/{projectId}/service-accounts', { params: { path: { projectId } } }), [projectId]);
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'delete'; account: ServiceAccount }>();
  const [open, setOpen] = useState<string>();
  const done = () => {
    setDialog(undefined);
    accounts.reload();
  };
  return (
    <section>
      <PageHeader title="Service accounts" crumbs={crumbs}>
        {canManage && (
          <button type="button" className="primary" onClick={() => setDialog({ kind: 'create' })}>
            Create service account
          </button>
        )}
      </PageHeader>
      <LoadState loaded={accounts} empty={(data) => !data.items.length && 'No service accounts yet.'}>
        {(data) => (
          <ul className="cards">
            {data.items.map((account) => (
              <li key={account.id} className="card">
                <div className="title-row">
                  <h2 className="small">{account.email}</h2>
                  <button type="button" aria-expanded={open === account.email} onClick={() => setOpen(open === account.email ? undefined : account.email)}>
                    {open === account.email ? 'Hide access tokens' : 'Access tokens'}
                  </button>
                  {canManage && <RowButton label="Delete" target={account.email} danger onClick={() => setDialog({ kind: 'delete', account })} />}
                </div>
                {open === account.email && <AccessTokens projectId={projectId} email={account.email} canManage={canManage} />}
              </li>
            ))}
          </ul>
        )}
      </LoadState>
      {dialog?.kind === 'create' && <CreateServiceAccountDialog projectId={projectId} onClose={() => setDialog(undefined)} onCreated={done} />}
      {dialog?.kind === 'delete' && (
        <ConfirmByName
          what="service account"
          name={dialog.account.email}
          onClose={() => setDialog(undefined)}
          onConfirm={async () => {
            const { error } = await session.client.DELETE('/v2/projects/{projectId}/service-accounts/{serviceAccountEmail}', {
              params: { path: { projectId, serviceAccountEmail: dialog.account.email } },
            });
            if (error) return errorText(error);
            done();
          }}
        >
          <p>Its access tokens stop working at once.</p>
        </ConfirmByName>
      )}
    </section>
  );
}

function AccessTokens({ projectId, email, canManage }: { projectId: string; email: string; canManage: boolean }) {
  const { session } = useSession();
  const path = { projectId, serviceAccountEmail: email };
  const tokens = useApi(
    () => session.client.GET('/v2/projects/{projectId}/service-accounts/{serviceAccountEmail}/access-tokens', { params: { path } }),
    [projectId, email],
  );
  const [ttlDays, setTtlDays] = useState('30');
  const [error, setError] = useState<string>();
  const [created, setCreated] = useState<string>();
  const create = async () => {
    const { data, error } = await session.client.POST('/v2/projects/{projectId}/service-accounts/{serviceAccountEmail}/access-tokens', {
      params: { path },
      body: { ttlDays: Number(ttlDays) },
    });
    setError(error ? errorText(error) : undefined);
    if (data) setCreated(data.token);
    tokens.reload();
  };
  const revoke = async (accessTokenId: string) => {
    const { error } = await session.client.DELETE('/v2/projects/{projectId}/service-accounts/{serviceAccountEmail}/access-tokens/{accessTokenId}', {
      params: { path: { ...path, accessTokenId } },
    });
    setError(error ? errorText(error) : undefined);
    tokens.reload();
  };
  return (
    <div>
      {canManage && (
        <form
          className="inline"
          onSubmit={(event) => {
            event.preventDefault();
            void create();
          }}
        >
          <Field label="Lifetime in days" type="number" min={1} value={ttlDays} onChange={(event) => setTtlDays(event.target.value)} />
          <button type="submit">Create access token</button>
        </form>
      )}
      {error && <ErrorNote>{error}</ErrorNote>}
      <LoadState loaded={tokens} empty={(data) => !data.items.length && 'No access tokens.'}>
        {(data) => (
          <DataTable
            columns={['Id', 'State', 'Created', 'Expires', canManage && 'Actions']}
            rows={data.items}
            rowKey={(token) => token.id}
            caption={<>Access tokens of {email}</>}
          >
            {(token) => (
              <>
                <td>
                  <code>{token.id}</code>
                </td>
                <td>
                  <StateBadge state={token.active ? 'active' : 'inactive'} />
                </td>
                <td>
                  <Time value={token.createdAt} />
                </td>
                <td>
                  <Time value={token.validUntil} />
                </td>
                {canManage && <td>{token.active && <RowButton label="Revoke" target={token.id} danger onClick={() => void revoke(token.id)} />}</td>}
              </>
            )}
          </DataTable>
        )}
      </LoadState>
      {created && (
        <CopyOnceDialog title={`Access token for ${email}`} secret={created} onClose={() => setCreated(undefined)}>
          <Snippet label="Use it" text={`curl -H "Authorization: Bearer ${created}" ${window.location.origin}/v1/projects/${projectId}`} />
        </CopyOnceDialog>
      )}
    </div>
  );
}

function CreateServiceAccountDialog({ projectId, onClose, onCreated }: { projectId: string; onClose: () => void; onCreated: () => void }) {
  const { session } = useSession();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('reader');
  const { busy, error, submit } = useSubmit(
    () => session.client.POST('/v2/projects/{projectId}/service-accounts', { params: { path: { projectId } }, body: { name, role } }),
    () => onCreated(),
  );
  const { byField, rest } = fieldErrors(error, ['name', 'role']);
  return (
    <FormDialog title="Create service account" submitLabel="Create" busy={busy} error={rest} submit={submit} onClose={onClose}>
      <Field label="Name" value={name} onChange={(event) => setName(event.target.value)} error={byField.name} autoFocus required />
      <div className="field">
        <label htmlFor="sa-role">Role in this project</label>
        <select id="sa-role" value={role} onChange={(event) => setRole(event.target.value as Role)}>
          <option>reader</option>
          <option>editor</option>
          <option>owner</option>
        </select>
      </div>
    </FormDialog>
  );
}
